"""One HTTP exchange under a deadline, its body read under size caps (used by ``http.py``).

requests' timeouts bound each socket read, not the exchange: a server sending one
byte every few seconds, in its headers or its body, never times out.  So each
exchange (``Exchange``) runs on a daemon thread of its own, and the calling thread
takes the response head and then the body, chunk by chunk, from a small queue,
never waiting past the ``Deadline`` and checking its stop event between short
waits.  When the caller gives up it shuts the socket down (urllib3's
``HTTPResponse.shutdown``, urllib3 >= 2.3), which ends the thread at once; a thread
still waiting for the head ends at its socket timeout, which the caller set no
longer than the time left.  At most ``QUEUE_CHUNKS`` chunks wait in the queue.

Bodies are read as sent (``decode_content=False``) and decoded here, so what is
received and what it inflates to are both counted.  gzip and deflate are inflated
with zlib's ``max_length``: never more than the room left under the cap at a time,
so a 1 MB body inflating to 1 GiB stops at the cap.  Decoding follows urllib3 2.x
(``urllib3/response.py``: ``GzipDecoder`` reads further gzip members and ignores
garbage after the first; ``DeflateDecoder`` falls back to raw deflate when the zlib
header is missing); any other or stacked ``Content-Encoding``, and a compressed
body that ends early, are refused.
"""

from __future__ import annotations

import contextlib
import hashlib
import queue
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from typing import IO, TYPE_CHECKING, Any

from wellcheck.errors import OutputError, SourceError

if TYPE_CHECKING:
    import requests

CHUNK = 64 * 1024
QUEUE_CHUNKS = 16  # chunks read ahead of the caller: 1 MiB at most
POLL = 0.2  # seconds between checks of the stop event while waiting
ACCEPT_ENCODING = "gzip, deflate"  # what Inflater decodes (requests would also offer br, zstd)
INFLATE_STEP = 1024 * 1024  # the most one zlib call may produce: no transient cap-sized buffers
_GZIP_WBITS = 16 + zlib.MAX_WBITS

Opener = Callable[[tuple[float, float]], "requests.Response"]  # (connect, read) timeouts
Progress = Callable[[int, int | None], None]  # (bytes so far, declared total or None)


class DeadlineExceeded(SourceError):
    """The whole request (every attempt, wait and body byte) did not fit in its deadline."""


class Stalled(DeadlineExceeded):
    """A download waited longer than its stall time for its head or for the next chunk."""


class AnswerTooLarge(SourceError):
    """An answer is larger than its cap, as received or as decoded."""


class BadEncoding(SourceError):
    """An answer's Content-Encoding is not one we decode, or its compressed body is corrupt."""


class Interrupted(SourceError):
    """The caller's stop event was set."""


class Deadline:
    """The end of one request, shared by its attempts, redirects and body reads.

    ``stall``: the longest wait for a response head or for the next body chunk.  A file
    download's deadline is long (a 200 MiB wheel on a slow link); without it, a server
    sending a byte every few seconds held ``scan --verify-upstream`` for that whole
    deadline (30 minutes).  A chunk is ``CHUNK`` bytes (or the end of the body): a
    download slower than that per ``stall`` seconds is abandoned, as curl's
    ``--speed-limit``/``--speed-time`` abandon one.
    """

    def __init__(
        self,
        seconds: float,
        what: str,
        stop: threading.Event | None = None,
        *,
        stall: float | None = None,
    ) -> None:
        self.seconds = seconds
        self.what = what
        self.stop = stop
        self.stall = stall
        self.end = time.monotonic() + seconds

    def remaining(self) -> float:
        return self.end - time.monotonic()

    def check(self) -> None:
        """Raise once the stop event is set or the deadline has passed."""
        if self.stop is not None and self.stop.is_set():
            raise Interrupted(f"{self.what}: interrupted")
        if self.remaining() <= 0:
            raise DeadlineExceeded(
                f"{self.what}: no complete answer within the {self.seconds:g} s deadline"
            )

    def timeouts(self, connect: float, read: float) -> tuple[float, float]:
        """Socket timeouts for a new exchange, never longer than the time left."""
        left = max(self.remaining(), 0.001)
        return min(connect, left), min(read, left)


class Exchange:
    """One request's head and body, fetched on a daemon thread, read under a deadline."""

    def __init__(self, opener: Opener, deadline: Deadline, timeouts: tuple[float, float]) -> None:
        self._deadline = deadline
        self._queue: queue.Queue[tuple[str, Any]] = queue.Queue(QUEUE_CHUNKS)
        self._cancelled = threading.Event()
        self._go = threading.Event()
        self._finished = threading.Event()
        self._response: requests.Response | None = None
        worker = threading.Thread(
            target=self._run, args=(opener, timeouts), name="wellcheck-http", daemon=True
        )
        worker.start()
        self.response = self._head()

    @property
    def abandoned(self) -> bool:
        """Whether the thread may still be using its session (the exchange did not finish)."""
        return not self._finished.is_set()

    def chunks(self) -> Iterator[bytes]:
        """The body as sent, chunk by chunk; raises what the thread met, or the deadline."""
        self._go.set()
        while True:
            kind, value = self._take()
            if kind == "end":
                return
            if kind == "error":
                raise value
            yield value

    def close(self) -> None:
        """Stop the thread (if it is still reading) and release the connection."""
        self._cancelled.set()
        self._go.set()
        response = self._response
        if response is None or self._finished.is_set():
            return
        with contextlib.suppress(Exception):
            shutdown = getattr(response.raw, "shutdown", None)  # urllib3 >= 2.3
            if callable(shutdown):
                shutdown()
        with contextlib.suppress(Exception):
            response.close()

    def __enter__(self) -> Exchange:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _head(self) -> requests.Response:
        try:
            kind, value = self._take()
        except BaseException:
            self.close()
            raise
        if kind == "error":
            raise value
        assert kind == "head"
        return value  # type: ignore[no-any-return]

    def _take(self) -> tuple[str, Any]:
        deadline = self._deadline
        stall_at = None if deadline.stall is None else time.monotonic() + deadline.stall
        while True:
            deadline.check()  # the request's own deadline first: it names the request
            now = time.monotonic()
            if stall_at is not None and now >= stall_at:
                raise Stalled(f"{deadline.what}: stalled, no data for {deadline.stall:g} s")
            wait = min(POLL, deadline.remaining(), (stall_at or now + POLL) - now)
            with contextlib.suppress(queue.Empty):
                return self._queue.get(timeout=max(0.0, wait))

    def _run(self, opener: Opener, timeouts: tuple[float, float]) -> None:
        try:
            response = opener(timeouts)
        except BaseException as exc:  # handed to the caller, which decides
            self._finished.set()
            self._put(("error", exc))
            return
        self._response = response
        if not self._put(("head", response)) or not self._go.wait() or self._cancelled.is_set():
            self._end(response, clean=False)
            return
        try:
            for chunk in response.raw.stream(CHUNK, decode_content=False):
                if not self._put(("data", chunk)):
                    self._end(response, clean=False)
                    return
        except BaseException as exc:
            self._end(response, clean=False)
            self._put(("error", exc))
            return
        self._end(response, clean=True)
        self._put(("end", None))

    def _end(self, response: requests.Response, *, clean: bool) -> None:
        with contextlib.suppress(Exception):
            if clean:
                response.raw.release_conn()  # read to the end: the connection can be reused
            else:
                response.close()
        self._finished.set()

    def _put(self, item: tuple[str, Any]) -> bool:
        while not self._cancelled.is_set():
            with contextlib.suppress(queue.Full):
                self._queue.put(item, timeout=POLL)
                return True
        return False


def declared_length(response: requests.Response) -> int | None:
    value = response.headers.get("Content-Length", "").strip()
    return int(value) if value.isdigit() else None


def content_encoding(response: requests.Response, what: str) -> str:
    """``identity``, ``gzip`` or ``deflate``; BadEncoding for anything else or a stack."""
    codings = [
        c.strip().lower()
        for c in response.headers.get("Content-Encoding", "").split(",")
        if c.strip() and c.strip().lower() != "identity"
    ]
    if not codings:
        return "identity"
    if len(codings) == 1 and codings[0] in ("gzip", "x-gzip", "deflate"):
        return "deflate" if codings[0] == "deflate" else "gzip"
    raise BadEncoding(f"{what}: unsupported Content-Encoding {', '.join(codings)!r}")


class Inflater:
    """Decodes one Content-Encoding, never producing more than the room it is given."""

    def __init__(self, encoding: str, what: str, cap: int) -> None:
        self.encoding = encoding
        self.what = what
        self.cap = cap  # named in the message when the output passes its room
        wbits = _GZIP_WBITS if encoding == "gzip" else zlib.MAX_WBITS
        self._obj = zlib.decompressobj(wbits)
        self._fed = False
        self._members = 1
        self._garbage = False  # gzip: undecodable bytes after the first member, ignored
        self._pending: bytes | None = b"" if encoding == "deflate" else None  # until output

    def feed(self, data: bytes, room: int) -> Iterator[bytes]:
        """Decoded pieces of ``data``, one ``INFLATE_STEP`` at most at a time (take each
        before the next is made); AnswerTooLarge as soon as they pass ``room`` bytes."""
        if self.encoding == "identity":
            if len(data) > room:
                raise self._too_large()
            yield data
            return
        self._fed = self._fed or bool(data)
        produced = 0
        while data and not self._garbage:
            if self._obj.eof:
                if self.encoding != "gzip":
                    break  # bytes after a deflate stream: ignored, as urllib3 does
                self._obj = zlib.decompressobj(_GZIP_WBITS)
                self._members += 1
            try:
                piece = self._obj.decompress(data, min(room - produced + 1, INFLATE_STEP))
            except zlib.error as exc:
                data = self._recover(data, exc)
                continue
            if self._pending is not None:
                self._pending = None if piece else self._pending + data
            produced += len(piece)
            if produced > room:
                raise self._too_large()
            yield piece
            data = self._obj.unconsumed_tail or (self._obj.unused_data if self._obj.eof else b"")

    def finish(self) -> None:
        """BadEncoding when a compressed body ended before its compressed stream did."""
        if self.encoding != "identity" and self._fed and not (self._obj.eof or self._garbage):
            raise BadEncoding(f"{self.what}: the {self.encoding} body ends early")

    def _recover(self, data: bytes, exc: zlib.error) -> bytes:
        if self.encoding == "gzip" and self._members > 1:
            self._garbage = True  # trailing garbage after a complete member
            return b""
        if self._pending is not None:  # deflate without a zlib header: raw deflate
            replay, self._pending = self._pending + data, None
            self._obj = zlib.decompressobj(-zlib.MAX_WBITS)
            return replay
        raise BadEncoding(f"{self.what}: corrupt {self.encoding} body ({exc})") from exc

    def _too_large(self) -> AnswerTooLarge:
        return AnswerTooLarge(f"{self.what}: the answer decodes to more than {self.cap} bytes")


def read_body(exchange: Exchange, cap: int, what: str) -> bytes:
    """The decoded body, refused (AnswerTooLarge) past ``cap`` bytes received or decoded."""
    response = exchange.response
    declared = declared_length(response)
    if declared is not None and declared > cap:
        raise AnswerTooLarge(f"{what}: the answer is {declared} bytes, above the {cap}-byte limit")
    inflater = Inflater(content_encoding(response, what), what, cap)
    # One buffer on this thread, not a list of the chunks the exchange's thread
    # allocated: those are freed as soon as they are copied, so a refused answer
    # leaves no cap-sized heap behind in that thread's malloc arena.
    body = bytearray()
    received = 0
    try:
        for chunk in exchange.chunks():
            received += len(chunk)
            if received > cap:
                raise AnswerTooLarge(f"{what}: the answer is larger than the {cap}-byte limit")
            for piece in inflater.feed(chunk, cap - len(body)):
                body += piece
        _check_complete(received, declared)
        inflater.finish()
    except BaseException:
        del body[:]  # a caller keeping the exception keeps this frame, not the bytes
        raise
    return bytes(body)


def save_body(
    exchange: Exchange, out: IO[bytes], cap: int, what: str, progress: Progress | None = None
) -> tuple[int, bytes]:
    """Write the body as sent to ``out`` (from its start): (size, sha256 digest).

    As pip does for downloads (``pip/_internal/network/utils.py``, pip 24-25: it asks
    for ``Accept-Encoding: identity`` and reads ``decode_content=False``), the bytes
    stored and hashed are the bytes sent; the cap counts them.  OutputError when
    ``out`` cannot be written (a local failure, not the network's).
    """
    response = exchange.response
    declared = declared_length(response)
    if declared is not None and declared > cap:
        raise AnswerTooLarge(
            f"{what}: the file is {declared} bytes, above the {cap}-byte download limit"
        )
    digest = hashlib.sha256()
    size = 0
    _local(what, out.seek, 0)
    _local(what, out.truncate)
    for chunk in exchange.chunks():
        size += len(chunk)
        if size > cap:
            raise AnswerTooLarge(f"{what}: the file exceeds the {cap}-byte download limit")
        digest.update(chunk)
        _local(what, out.write, chunk)
        if progress is not None:
            progress(size, declared)
    _check_complete(size, declared)
    _local(what, out.flush)
    return size, digest.digest()


def _local(what: str, operation: Callable[..., object], *args: object) -> None:
    """A file operation on the download's target: OSError becomes OutputError."""
    try:
        operation(*args)
    except OSError as exc:
        raise OutputError(f"{what}: cannot write the download ({exc})") from exc


def _check_complete(received: int, declared: int | None) -> None:
    """A body shorter than its Content-Length was cut off: a connection failure (retried)."""
    if declared is not None and received != declared:
        raise _CutOff(f"the body ends after {received} of {declared} bytes")


class _CutOff(ConnectionError):
    pass

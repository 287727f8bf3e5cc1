"""HTTP for every network source: a deadline per request, capped bodies, bounded retries.

Every request made through ``HttpClient`` has one deadline (``RetryPolicy.deadline``;
``download_deadline`` for files) covering its attempts, the waits between them, its
redirects and every byte of its head and body; a server that trickles (one byte
every few seconds, in the head or the body) is cut off when it passes
(``http_transfer.Exchange``).  A file download also stalls: no head or no next
64 KiB chunk within ``deadline`` seconds (or the read timeout, if shorter) ends it.
An answer held in memory is capped at ``max_body`` bytes as received and as decoded;
a file download at its own cap, streamed to disk.  A request that passed its deadline
or stalled, an answer over its cap, an encoding we do not decode: SourceError at once,
never retried.  A host that let one request run out its deadline is not asked again,
by any client of the process, for ``OVERDUE_SECONDS`` (``OVERDUE``).

Retried (bounded, exponential backoff with full jitter): connection errors,
timeouts, HTTP 429 (``Retry-After`` honoured, capped) and 5xx, as long as the retry
can start before the deadline.  Anything else that is not 2xx fails at once.
Failures raise SourceError, which callers turn into SkippedCheck values.  An
optional ``stop`` event (set by a caller that was interrupted) ends a request: no
new attempt starts, the wait between attempts is cut short, and a read in progress
is abandoned within ``http_transfer.POLL`` seconds.

Redirects are followed here (at most ``MAX_REDIRECTS``), not by requests, whose
``resolve_redirects`` reads each redirect's whole body into memory (even with
``allow_redirects=False``: exchanges go to the session's adapter directly); the method
changes as requests 2.32 changes it (``Session.rebuild_method``: 303 and 302 become
GET, 301 turns POST into GET; the body is kept only for 307 and 308).

The limits and the retry policy are a ``RetryPolicy`` (``http_policy.py``); their
defaults can be changed through the environment (``RetryPolicy.from_env``, documented
in docs/security.md, "Bounded network").
"""

from __future__ import annotations

import email.utils
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any, TypeVar
from urllib.parse import urljoin, urlsplit

from wellcheck import __version__
from wellcheck.errors import SourceError
from wellcheck.http_policy import RetryPolicy, download_cap
from wellcheck.http_transfer import (
    ACCEPT_ENCODING,
    Deadline,
    DeadlineExceeded,
    Exchange,
    Interrupted,
    Opener,
    Progress,
    read_body,
    save_body,
)

if TYPE_CHECKING:
    import requests

__all__ = ["OVERDUE", "Answer", "HttpClient", "RetryPolicy", "download_cap", "new_session"]

log = logging.getLogger(__name__)
USER_AGENT = f"wellcheck/{__version__}"
MAX_REDIRECTS = 5  # as pip-audit's sessions; requests' default is 30
OVERDUE_SECONDS = 600.0  # a host that ran out a deadline is not asked again for this long
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
T = TypeVar("T")


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    try:
        return float(value)  # delta-seconds (an integer per RFC 9110; be lenient)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def new_session() -> requests.Session:
    import requests

    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    return session


@dataclass(frozen=True)
class Answer:
    """A whole answer held in memory (at most ``max_body`` bytes)."""

    status: int
    body: bytes
    url: str  # after redirects


@dataclass(frozen=True)
class _Request:
    method: str
    url: str
    what: str  # "GET <url>", the URL without its query when it is a credential
    json: Any = None
    accept_encoding: str = ACCEPT_ENCODING


class OverdueHosts:
    """Hosts that let a request run out its whole deadline, or could not be reached on
    any attempt, left alone for a while.

    Shared by every client of the process: in a scan, the OSV, PyPI and upstream
    checks all stop asking a host that trickles or is down, so the run takes about one
    deadline (or one round of retries) per bad host, not one per request.
    """

    def __init__(self, seconds: float = OVERDUE_SECONDS) -> None:
        self.seconds = seconds
        self._until: dict[str, tuple[float, str]] = {}
        self._lock = threading.Lock()

    def mark(self, url: str, why: str = "ran out the deadline of an earlier request") -> None:
        with self._lock:
            self._until[_host(url)] = (time.monotonic() + self.seconds, why)

    def check(self, url: str, what: str) -> None:
        """SourceError, without a request, when ``url``'s host is overdue."""
        host = _host(url)
        with self._lock:
            until, why = self._until.get(host, (0.0, ""))
        if until > time.monotonic():
            raise SourceError(f"{what}: {host} {why}; not asked again")

    def clear(self) -> None:
        with self._lock:
            self._until.clear()


OVERDUE = OverdueHosts()


class _Transient(Exception):
    """An attempt failed in a way worth retrying (the text says how)."""


class HttpClient:
    """Bounded HTTP with retries, shared by every network source; safe to use from threads.

    Sessions are pooled: a request takes an idle one (or makes one) and gives it back,
    unless an exchange on it was abandoned mid-way.
    """

    def __init__(
        self, policy: RetryPolicy | None = None, *, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self.policy = policy or RetryPolicy.from_env()
        self._sleep = sleep
        self._lock = threading.Lock()
        self._idle: list[requests.Session] = []
        self._closed = False

    def fetch(
        self,
        method: str,
        url: str,
        *,
        accept: tuple[int, ...] = (),
        stop: threading.Event | None = None,
        json: Any = None,
    ) -> Answer:
        """A 2xx answer, or one whose status is in ``accept`` (its body unread), or SourceError."""
        request = _Request(method, url, f"{method} {url}", json)
        deadline = Deadline(self.policy.deadline, request.what, stop)

        def read(exchange: Exchange) -> Answer:
            status = exchange.response.status_code
            body = read_body(exchange, self.policy.max_body, request.what) if status < 300 else b""
            return Answer(status, body, exchange.response.url)

        return self._send(request, deadline, read, accept)

    def get_json(self, url: str) -> tuple[int, Any]:
        """GET and decode JSON: (200, body), or (404, None) when the server says not found."""
        answer = self.fetch("GET", url, accept=(404,))
        if answer.status == 404:
            return 404, None
        try:
            return 200, json.loads(answer.body)
        except (ValueError, RecursionError) as exc:
            raise SourceError(f"GET {url}: malformed JSON ({type(exc).__name__})") from exc

    def download(
        self,
        url: str,
        out: IO[bytes],
        *,
        max_bytes: int,
        shown: str | None = None,
        stop: threading.Event | None = None,
        progress: Progress | None = None,
    ) -> tuple[int, bytes]:
        """Stream ``url`` into ``out`` (rewritten from its start on each attempt), as sent
        and at most ``max_bytes``: (size, sha256 digest).  ``shown`` replaces the URL in
        every message and log line (a presigned URL's query is a credential)."""
        request = _Request("GET", url, f"GET {shown or url}", accept_encoding="identity")
        # no data for as long as an API request may take in all (or a socket read): stalled
        stall = min(self.policy.deadline, self.policy.read_timeout)
        deadline = Deadline(self.policy.download_deadline, request.what, stop, stall=stall)

        def read(exchange: Exchange) -> tuple[int, bytes]:
            return save_body(exchange, out, max_bytes, request.what, progress)

        return self._send(request, deadline, read, ())

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for session in idle:
            session.close()

    def _send(
        self,
        request: _Request,
        deadline: Deadline,
        read: Callable[[Exchange], T],
        accept: tuple[int, ...],
    ) -> T:
        what = request.what
        problem = ""
        session = self._checkout()
        done = False  # only a session whose last exchange ended cleanly goes back to the pool
        try:
            for attempt in range(self.policy.attempts):
                deadline.check()
                retry_after: float | None = None
                try:
                    exchange = self._open(session, request, deadline)
                except _Transient as exc:
                    problem = str(exc)
                else:
                    try:
                        status = exchange.response.status_code
                        if 200 <= status < 300 or status in accept:
                            result = self._read(exchange, read, what)
                            done = True
                            return result
                        problem = f"HTTP {status}"
                        if status == 429:
                            retry_after = _retry_after(exchange.response.headers.get("Retry-After"))
                        elif status < 500:
                            raise SourceError(f"{what}: {problem}")
                    except _Transient as exc:
                        problem = str(exc)
                    finally:
                        exchange.close()
                        if exchange.abandoned and not done:
                            session.close()  # its thread may still be using it
                            session = new_session()
                if attempt + 1 < self.policy.attempts:
                    self._wait(self.policy.delay(attempt, retry_after), deadline, problem)
        except DeadlineExceeded:
            OVERDUE.mark(request.url)
            raise
        finally:
            if done:
                self._checkin(session)
            else:
                session.close()
        if problem.startswith("connection failed"):  # the host is down: the next ask fails fast
            OVERDUE.mark(request.url, f"could not be reached ({problem}) by an earlier request")
        raise SourceError(f"{what}: {problem} after {self.policy.attempts} attempts")

    def _open(self, session: requests.Session, request: _Request, deadline: Deadline) -> Exchange:
        """The exchange for ``request``, redirects followed; its head has arrived."""
        method, url, body = request.method, request.url, request.json
        headers = {"Accept-Encoding": request.accept_encoding}
        for _hop in range(MAX_REDIRECTS + 1):
            OVERDUE.check(url, request.what)
            opener = _opener(session, method, url, body, headers)
            timeouts = deadline.timeouts(self.policy.connect_timeout, self.policy.read_timeout)
            try:
                exchange = Exchange(opener, deadline, timeouts)
            except (SourceError, KeyboardInterrupt):
                raise
            except Exception as exc:
                problem = _classify(exc, request.what)
                if problem is exc:
                    raise
                raise problem from exc
            location = exchange.response.headers.get("Location")
            if exchange.response.status_code not in _REDIRECTS or not location:
                return exchange
            status = exchange.response.status_code
            exchange.close()
            url = urljoin(url, location)
            if urlsplit(url).scheme not in ("http", "https"):
                raise SourceError(f"{request.what}: redirected to a URL that is not http(s)")
            method = _redirect_method(status, method)
            if status not in (307, 308):
                body = None
        raise SourceError(f"{request.what}: more than {MAX_REDIRECTS} redirects")

    @staticmethod
    def _read(exchange: Exchange, read: Callable[[Exchange], T], what: str) -> T:
        try:
            return read(exchange)
        except (SourceError, KeyboardInterrupt):
            raise
        except Exception as exc:
            problem = _classify(exc, what)
            if problem is exc:
                raise
            raise problem from exc

    def _wait(self, wait: float, deadline: Deadline, problem: str) -> None:
        what = deadline.what
        if wait >= deadline.remaining():
            raise SourceError(
                f"{what}: {problem}; a retry in {wait:.1f} s would pass the "
                f"{deadline.seconds:g} s deadline"
            )
        log.info("%s: %s; retrying in %.2fs", what, problem, wait)
        if deadline.stop is None:
            self._sleep(wait)
        elif deadline.stop.wait(wait):
            raise Interrupted(f"{what}: {problem}; interrupted before a retry")

    def _checkout(self) -> requests.Session:
        with self._lock:
            if self._idle:
                return self._idle.pop()
        return new_session()

    def _checkin(self, session: requests.Session) -> None:
        with self._lock:
            if not self._closed:
                self._idle.append(session)
                return
        session.close()


def _opener(
    session: requests.Session, method: str, url: str, body: Any, headers: dict[str, str]
) -> Opener:
    """One exchange through the session's adapter, without ``Session.send``: even with
    ``allow_redirects=False`` it reads a redirect's whole body (requests 2.32 prepares
    ``Response.next`` through ``resolve_redirects``, which consumes ``resp.content``)."""

    def open_(timeouts: tuple[float, float]) -> requests.Response:
        import requests

        prepared = session.prepare_request(
            requests.Request(method, url, json=body, headers=headers)
        )
        target = prepared.url or url
        settings = session.merge_environment_settings(target, {}, True, None, None)
        verify = settings["verify"]
        return session.get_adapter(target).send(
            prepared,
            stream=True,
            timeout=timeouts,
            verify=True if verify is None else verify,
            cert=settings["cert"],
            proxies=settings["proxies"],
        )

    return open_


def _redirect_method(status: int, method: str) -> str:
    """requests 2.32's ``SessionRedirectMixin.rebuild_method``."""
    if status in (302, 303) and method != "HEAD":
        return "GET"
    if status == 301 and method == "POST":
        return "GET"
    return method


def _host(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _classify(exc: Exception, what: str) -> Exception:
    """A requests, urllib3 or socket error as a problem worth retrying, or a SourceError;
    anything else (a bug) is returned as it is, to be raised."""
    import requests
    import urllib3.exceptions

    name = type(exc).__name__
    if isinstance(exc, requests.Timeout | urllib3.exceptions.TimeoutError | TimeoutError):
        return _Transient(f"timed out ({name})")
    if isinstance(exc, requests.ConnectionError | urllib3.exceptions.HTTPError | OSError):
        return _Transient(f"connection failed ({name})")
    if isinstance(exc, requests.RequestException):
        return SourceError(f"{what}: {name}")
    return exc

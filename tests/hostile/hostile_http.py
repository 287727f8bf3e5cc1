"""A loopback HTTP server whose answers misbehave on purpose, and a way to measure a CLI run.

``HostileServer`` answers each path with a behaviour: ``answer`` (a plain answer),
``trickle`` (a good head, then one body byte every ``every`` seconds), ``slow_head``
(the status line and headers one byte at a time, never finished), ``silent``
(nothing at all for a while), ``endless`` (a chunked body that never ends),
``huge`` (a 1.5 GB body, declared or not), ``gzip_bomb`` (1 MB of gzip inflating to
1 GiB), ``redirect`` (optionally with an endless body of its own) and ``cut_once``
(the first answer dropped half-way, the next ones whole).  ``sent[path]`` counts the
body bytes the server managed to write before the client stopped reading;
``requests`` lists (method, path, headers, body) of every request.

``measured`` runs a command as a child process and returns its exit status, output,
elapsed time and peak memory (``os.wait4``'s rusage of that child alone, started from a
small launcher so that it does not inherit the test session's size).
"""

from __future__ import annotations

import contextlib
import functools
import socket
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

MiB = 1024 * 1024
Behaviour = Callable[["_Handler"], None]


class HostileServer:
    def __init__(self) -> None:
        self.routes: dict[str, Behaviour] = {}
        self.sent: dict[str, int] = {}
        self.requests: list[tuple[str, str, dict[str, str], bytes]] = []
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()  # connections still being answered
        self._httpd = _Server(("127.0.0.1", 0), _handler(self))
        self._httpd.daemon_threads = True

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def route(self, path: str, behaviour: Behaviour) -> str:
        self.routes[path] = behaviour
        return f"{self.url}{path}"

    def count(self, path: str) -> int:
        return sum(1 for _, p, _, _ in self.requests if p == path)

    def __enter__(self) -> HostileServer:
        threading.Thread(target=self._httpd.serve_forever, args=(0.02,), daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        with self._lock:
            still = list(self._open)
        for connection in still:  # stop the behaviours that would drip on for minutes
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def _count_sent(self, path: str, size: int) -> None:
        with self._lock:
            self.sent[path] = self.sent.get(path, 0) + size


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients that give up and drop the connection are the point


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    hostile: HostileServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._dispatch(b"")

    def do_POST(self) -> None:
        self._dispatch(self.rfile.read(int(self.headers.get("Content-Length") or 0)))

    def _dispatch(self, body: bytes) -> None:
        path = self.path.split("?", 1)[0]
        self.hostile.requests.append((self.command, path, dict(self.headers.items()), body))
        behaviour = self.hostile.routes.get(path) or self.hostile.routes.get("*")
        if behaviour is None:
            answer(b'{"message": "Not Found"}', status=404)(self)
            return
        with self.hostile._lock:
            self.hostile._open.add(self.connection)
        try:
            with contextlib.suppress(OSError):
                behaviour(self)
        finally:
            with self.hostile._lock:
                self.hostile._open.discard(self.connection)

    def head(self, status: int, headers: Mapping[str, str]) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()

    def body(self, data: bytes) -> None:
        self.wfile.write(data)
        self.wfile.flush()
        self.hostile._count_sent(self.path.split("?", 1)[0], len(data))


def _handler(server: HostileServer) -> type[_Handler]:
    return type("Handler", (_Handler,), {"hostile": server})


def answer(body: bytes, status: int = 200, headers: Mapping[str, str] | None = None) -> Behaviour:
    def behave(h: _Handler) -> None:
        h.head(status, {"Content-Length": str(len(body)), **(headers or {})})
        h.body(body)

    return behave


def trickle(size: int = 10_000, every: float = 0.2) -> Behaviour:
    """A good head (Content-Length ``size``), then one body byte every ``every`` seconds."""

    def behave(h: _Handler) -> None:
        h.head(200, {"Content-Length": str(size), "Content-Type": "application/json"})
        for _ in range(size):
            h.body(b" ")
            time.sleep(every)

    return behave


def slow_head(every: float = 0.1, lines: int = 10_000) -> Behaviour:
    """The status line, then header bytes one at a time: the head never ends."""

    def behave(h: _Handler) -> None:
        h.wfile.write(b"HTTP/1.1 200 OK\r\n")
        for _ in range(lines):
            for byte in b"X-Drip: 1\r\n":
                h.wfile.write(bytes([byte]))
                h.wfile.flush()
                time.sleep(every)

    return behave


def silent(seconds: float) -> Behaviour:
    def behave(h: _Handler) -> None:
        time.sleep(seconds)

    return behave


def endless(chunk: bytes = b" " * 65536) -> Behaviour:
    """A chunked body that never ends, sent as fast as the client reads it."""
    frame = b"%x\r\n%s\r\n" % (len(chunk), chunk)

    def behave(h: _Handler) -> None:
        h.head(200, {"Transfer-Encoding": "chunked", "Content-Type": "application/json"})
        while True:
            h.body(frame)

    return behave


def huge(size: int = 1_500_000_000, *, declare: bool = True) -> Behaviour:
    """A ``size``-byte body; without ``declare`` it is read to the connection's end."""
    block = b" " * MiB

    def behave(h: _Handler) -> None:
        headers = {"Content-Length": str(size)} if declare else {"Connection": "close"}
        h.head(200, headers)
        for _ in range(size // len(block)):
            h.body(block)

    return behave


def gzip_bomb() -> Behaviour:
    bomb = gzip_bomb_bytes()

    def behave(h: _Handler) -> None:
        h.head(200, {"Content-Encoding": "gzip", "Content-Length": str(len(bomb))})
        h.body(bomb)

    return behave


def redirect(location: str, status: int = 302, *, endless_body: bool = False) -> Behaviour:
    def behave(h: _Handler) -> None:
        if not endless_body:
            h.head(status, {"Location": location, "Content-Length": "0"})
            return
        h.head(status, {"Location": location, "Transfer-Encoding": "chunked"})
        frame = b"%x\r\n%s\r\n" % (65536, b" " * 65536)
        while True:
            h.body(frame)

    return behave


def cut_once(body: bytes) -> Behaviour:
    """The first request gets half the body and a dropped connection; later ones all of it."""
    calls: list[int] = []

    def behave(h: _Handler) -> None:
        calls.append(1)
        h.head(200, {"Content-Length": str(len(body))})
        if len(calls) == 1:
            h.body(body[: len(body) // 2])
            h.close_connection = True
            h.connection.shutdown(2)
            return
        h.body(body)

    return behave


@functools.cache
def gzip_bomb_bytes(blocks: int = 1024) -> bytes:
    """A valid gzip file of ~1 MB inflating to ``blocks`` MiB of zeros (1 GiB).

    Built without compressing 1 GiB: after a full flush deflate forgets its window,
    so every 1 MiB block of zeros compresses to the same bytes and can be repeated.
    """
    zeros = bytes(MiB)
    flushed = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    block = flushed.compress(zeros) + flushed.flush(zlib.Z_FULL_FLUSH)
    last = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    final = last.compress(zeros) + last.flush()
    crc = 0
    for _ in range(blocks):
        crc = zlib.crc32(zeros, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    trailer = crc.to_bytes(4, "little") + (blocks * MiB % 2**32).to_bytes(4, "little")
    return header + block * (blocks - 1) + final + trailer


@dataclass(frozen=True)
class Run:
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    peak_bytes: int  # the child's maximum resident set size


# Runs the command as its child and writes that child's peak RSS to a file.  A small
# process in between, because a child's ru_maxrss counts the memory of the process it was
# forked from (Linux carries the old image's high-water mark over exec): forked from
# pytest itself, every child would "peak" at the size of the test session.
_LAUNCHER = """
import os, subprocess, sys
child = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(child.pid, 0)
with open(sys.argv[1], "w") as out:
    out.write(str(usage.ru_maxrss * 1024))  # KiB on Linux
sys.exit(os.waitstatus_to_exitcode(status))
"""


def measured(
    argv: Sequence[str],
    *,
    env: Mapping[str, str],
    cwd: Path,
    timeout: float = 120.0,
    preexec_fn: Callable[[], None] | None = None,
) -> Run:
    """Run ``argv``; its exit status, output, wall time and peak memory (``os.wait4``)."""
    with tempfile.TemporaryDirectory() as scratch:
        peak = Path(scratch) / "peak"
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-c", _LAUNCHER, str(peak), *argv],
            capture_output=True,
            env=dict(env),
            cwd=cwd,
            preexec_fn=preexec_fn,
            timeout=timeout,
            check=False,
        )
        seconds = time.monotonic() - started
        return Run(
            done.returncode,
            done.stdout.decode("utf-8", "replace"),
            done.stderr.decode("utf-8", "replace"),
            seconds,
            int(peak.read_text(encoding="utf-8")),
        )

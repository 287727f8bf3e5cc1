"""A loopback server that speaks PyPI's JSON API over authored project documents.

``serve_fake_pypi()`` runs one (the ``fake_pypi`` fixture in ``conftest.py`` wraps it);
``project``, ``release`` and ``wheel_file`` author its documents.  Test modules import
these from here (``from fakepypi import ...``), never from ``conftest``, which names
whichever conftest.py pytest imported last.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class FakePyPI:
    """Projects by canonical name; ``faults`` maps a name to a queue of injected answers:
    an int status, "slow" (sleep past the client's read timeout) or "truncated"."""

    projects: dict[str, dict[str, Any]] = field(default_factory=dict)
    faults: dict[str, list[Any]] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    url: str = ""
    files: dict[str, bytes] = field(default_factory=dict)  # /packages/... path -> bytes

    def serve(self, filename: str, data: bytes) -> str:
        """Serve ``data`` at a PyPI-like ``/packages/..`` path; return its absolute URL
        (faults for it are keyed by that path)."""
        digest = hashlib.blake2b(data, digest_size=32).hexdigest()
        path = f"/packages/{digest[:2]}/{digest[2:4]}/{digest[4:]}/{filename}"
        self.files[path] = data
        return f"{self.url}{path}"


def release(
    version: str,
    uploaded: str,
    *,
    yanked: bool = False,
    reason: str | None = None,
    filename: str | None = None,
) -> dict[str, Any]:
    return {
        "filename": filename or f"pkg-{version}-py3-none-any.whl",
        "upload_time_iso_8601": uploaded,
        "yanked": yanked,
        "yanked_reason": reason,
        "digests": {"sha256": "0" * 64},
        "packagetype": "bdist_wheel",
    }


def wheel_file(
    url: str, data: bytes, uploaded: str = "2024-05-29T15:37:47Z", *, sha256: str | None = None
) -> dict[str, Any]:
    """A release file entry pointing at a served wheel (``sha256`` overrides the digest)."""
    return {
        "filename": url.rsplit("/", 1)[-1],
        "upload_time_iso_8601": uploaded,
        "yanked": False,
        "yanked_reason": None,
        "digests": {"sha256": sha256 or hashlib.sha256(data).hexdigest()},
        "packagetype": "bdist_wheel",
        "url": url,
        "size": len(data),
    }


def project(
    name: str, releases: dict[str, list[dict[str, Any]]], owners: list[str], **info: Any
) -> dict[str, Any]:
    base_info = {
        "name": name,
        "author": "",
        "author_email": "",
        "maintainer": "",
        "maintainer_email": "",
        "project_urls": {"Source": f"https://github.com/example/{name}"},
        "home_page": "",
        "summary": f"{name} summary",
        "description": f"{name} long description",
        "version": list(releases)[-1] if releases else "",
    }
    base_info.update(info)
    return {
        "info": base_info,
        "releases": releases,
        "ownership": {
            "organization": None,
            "roles": [{"role": "Owner", "user": u} for u in owners],
        },
    }


@contextmanager
def serve_fake_pypi() -> Iterator[FakePyPI]:
    """A FakePyPI answering on 127.0.0.1 (a port of its own) while the block runs."""
    state = FakePyPI()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            state.requests.append(self.path)
            if self.path.startswith("/packages/"):
                self._file()
                return
            parts = self.path.strip("/").split("/")
            if len(parts) != 3 or parts[0] != "pypi" or parts[2] != "json":
                self._send(404, b'{"message": "Not Found"}')
                return
            name = parts[1]
            queue = state.faults.get(name)
            if queue:
                fault = queue.pop(0)
                if fault == "slow":
                    time.sleep(0.7)
                    self._send(200, json.dumps(state.projects.get(name, {})).encode())
                elif fault == "truncated":
                    self._send(200, json.dumps(state.projects[name]).encode()[:40])
                else:
                    self._send(int(fault), b"{}", retry_after="0" if fault == 429 else None)
                return
            if name not in state.projects:
                self._send(404, b'{"message": "Not Found"}')
                return
            self._send(200, json.dumps(state.projects[name]).encode())

        def _file(self) -> None:
            queue = state.faults.get(self.path)
            if queue:
                self._send(int(queue.pop(0)), b"")
            elif self.path in state.files:
                self._send(200, state.files[self.path], content_type="application/octet-stream")
            else:
                self._send(404, b"Not Found")

        def _send(
            self,
            status: int,
            body: bytes,
            retry_after: str | None = None,
            content_type: str = "application/json",
        ) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                if retry_after is not None:
                    self.send_header("Retry-After", retry_after)
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()

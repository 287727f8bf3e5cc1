"""A loopback server speaking OSV's API (and serving an export zip), with fault injection.

Endpoints: POST /v1/querybatch, GET /v1/vulns/{id}, POST /v1/query (pip-audit's
OsvService), GET /export.zip.  A querybatch query without a version gets every
record whose ``affected`` names the package (as OSV answers); with one, the hits
``add`` registered for that (name, version).  Faults are queued per endpoint and consumed one
per request: "429:<retry-after>", "500", "503", "400", "truncated", "close"
(drop the connection), "slow:<seconds>" (sleep before answering), "drip:<seconds>"
(send half the body, then sleep before the rest).
``failing_names``: a querybatch request asking about any of these names (or purls) always
fails (500).  ``add_purl`` makes a record a hit for a purl query (``{"package": {"purl":
...}}``, the version inside the purl, as OSV takes packages of any ecosystem).
Faults for one record go to the endpoint ``vulns/<id>`` (taken before the shared
``vulns`` queue), so they hit that record whatever order concurrent fetches run in.
``vulns_delay``: seconds every GET /v1/vulns/{id} waits before answering;
``max_in_flight`` is the most of those requests the server was handling at once.
Hostile answers: ``raw[id]`` is served verbatim as the body of GET /v1/vulns/{id};
``hit_modified[(pair, id)]`` is the ``modified`` a querybatch hit reports (any JSON value).
"""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict, deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients that time out or drop connections are part of the tests


class OsvServer:
    def __init__(self) -> None:
        self.records: dict[str, dict[str, Any]] = {}
        self.raw: dict[str, bytes] = {}
        self.hit_modified: dict[tuple[tuple[str, str], str], Any] = {}
        self.hits: dict[tuple[str, str], list[str]] = {}
        self.faults: dict[str, deque[str]] = defaultdict(deque)
        self.failing_names: set[str] = set()
        self.page_size: int | None = None
        self.export: bytes = b""
        self.log: list[tuple[str, str, Any]] = []
        self.batch_count = 0
        self.vulns_delay = 0.0
        self.max_in_flight = 0
        self._in_flight = 0
        self._lock = threading.Lock()
        self._httpd = _QuietServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.02,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def add(self, record: dict[str, Any], *pairs: tuple[str, str]) -> None:
        self.records[record["id"]] = record
        for pair in pairs:
            self.hits.setdefault(pair, []).append(record["id"])

    def add_purl(self, record: dict[str, Any], *purls: str) -> None:
        """A record OSV matches to these purls (with their versions) when asked by purl."""
        self.add(record, *(("purl", purl) for purl in purls))

    def inject(self, endpoint: str, *faults: str) -> None:
        with self._lock:
            self.faults[endpoint].extend(faults)

    def count(self, endpoint: str) -> int:
        return sum(1 for _, ep, _ in self.log if ep == endpoint)

    def __enter__(self) -> OsvServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def _next_fault(self, endpoint: str) -> str | None:
        with self._lock:
            queue = self.faults[endpoint]
            return queue.popleft() if queue else None

    def _querybatch(self, body: dict[str, Any]) -> tuple[int, Any]:
        with self._lock:
            self.batch_count += 1
        asked = [q["package"].get("name") or q["package"].get("purl") for q in body["queries"]]
        if any(name in self.failing_names for name in asked):
            return 500, {"error": "injected batch failure"}
        results = []
        for query in body["queries"]:
            key: tuple[str, str] = ("", "")
            if "purl" in query["package"]:  # OSV: the version is in the purl, none beside it
                assert "version" not in query
                key = ("purl", query["package"]["purl"])
                ids = self.hits.get(key, [])
            elif "version" in query:
                key = (query["package"]["name"], query["version"])
                ids = self.hits.get(key, [])
            else:  # by name alone: every record of the package, as OSV answers
                ids = self._records_naming(query["package"]["name"])
            start = int(query.get("page_token") or 0)
            end = len(ids) if self.page_size is None else start + self.page_size
            page = ids[start:end]
            result: dict[str, Any] = {}
            if page:
                result["vulns"] = [
                    {
                        "id": i,
                        "modified": self.hit_modified.get(
                            (key, i), self.records[i].get("modified")
                        ),
                    }
                    for i in page
                ]
            if end < len(ids):
                result["next_page_token"] = str(end)
            results.append(result)
        return 200, {"results": results}

    def _records_naming(self, name: str) -> list[str]:
        return [
            rid
            for rid, rec in self.records.items()
            if any(a.get("package", {}).get("name") == name for a in rec.get("affected", []))
        ]

    def _query(self, body: dict[str, Any]) -> tuple[int, Any]:
        key = (body["package"]["name"], body["version"])
        vulns = [self.records[i] for i in self.hits.get(key, [])]
        return 200, ({"vulns": vulns} if vulns else {})

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body are written apart: no 40 ms stalls

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _send(self, status: int, payload: bytes, headers: dict[str, str] | None = None):
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(payload)

            def _serve(self, endpoint: str, answer: Any) -> None:
                fault = server._next_fault(endpoint)
                if fault is not None:
                    kind, _, arg = fault.partition(":")
                    if kind == "slow":
                        time.sleep(float(arg))
                    elif kind == "drip":
                        status, body = answer()
                        payload = body if isinstance(body, bytes) else json.dumps(body).encode()
                        half = len(payload) // 2
                        self.send_response(status)
                        self.send_header("Content-Length", str(len(payload)))
                        self.end_headers()
                        self.wfile.write(payload[:half])
                        self.wfile.flush()
                        time.sleep(float(arg))
                        self.wfile.write(payload[half:])
                        return
                    elif kind == "close":
                        self.close_connection = True
                        self.connection.close()
                        return
                    elif kind == "429":
                        self._send(429, b"{}", {"Retry-After": arg or "1"})
                        return
                    elif kind in ("500", "503", "400"):
                        self._send(int(kind), b'{"error": "injected"}')
                        return
                    elif kind == "truncated":
                        status, body = answer()
                        self._send(status, json.dumps(body).encode()[:-7])
                        return
                status, body = answer()
                payload = body if isinstance(body, bytes) else json.dumps(body).encode()
                self._send(status, payload)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                if self.path == "/v1/querybatch":
                    server.log.append(("POST", "querybatch", body))
                    self._serve("querybatch", lambda: server._querybatch(body))
                elif self.path == "/v1/query":
                    server.log.append(("POST", "query", body))
                    self._serve("query", lambda: server._query(body))
                else:
                    self._send(404, b"{}")

            def do_GET(self) -> None:
                if self.path.startswith("/v1/vulns/"):
                    rid = self.path.rsplit("/", 1)[1]
                    server.log.append(("GET", "vulns", rid))
                    record = server.raw.get(rid) or server.records.get(rid)
                    found = (200, record) if record else (404, {"error": "not found"})
                    own = f"vulns/{rid}"
                    with server._lock:
                        endpoint = own if server.faults.get(own) else "vulns"
                        server._in_flight += 1
                        server.max_in_flight = max(server.max_in_flight, server._in_flight)
                    try:
                        time.sleep(server.vulns_delay)
                        self._serve(endpoint, lambda: found)
                    finally:
                        with server._lock:
                            server._in_flight -= 1
                elif self.path == "/export.zip":
                    server.log.append(("GET", "export", None))
                    self._serve("export", lambda: (200, server.export))
                else:
                    self._send(404, b"{}")

        return Handler

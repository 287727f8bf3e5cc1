"""Item 20 gaps: a connect timeout (not just a refused connection), and what a user sees
when the advisory service fails: exit 3, "incomplete", never a clean report.

The other network faults (slow read, 429 + Retry-After, 5xx then 200, 400,
truncated JSON, one failing batch among many) are in tests/advisories/test_osv_api.py
and tests/pypi/test_pypi_signals.py.
"""

from __future__ import annotations

import contextlib
import json
import socket
import sys
import time
from collections.abc import Iterator

import pytest
from osv_server import OsvServer
from osvdata import record
from sandbox import Sandbox
from zipkit import dist_info, zip_bytes

from wellcheck.errors import ExitStatus, SourceError
from wellcheck.http import HttpClient, RetryPolicy


@contextlib.contextmanager
def _unanswered_port() -> Iterator[int]:
    """A listening socket whose accept queue is full: new connections hang in SYN."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    port = server.getsockname()[1]
    fillers = []
    for _ in range(8):
        client = socket.socket()
        client.setblocking(False)
        with contextlib.suppress(BlockingIOError, OSError):
            client.connect(("127.0.0.1", port))
        fillers.append(client)
    time.sleep(0.05)
    try:
        yield port
    finally:
        for client in fillers:
            client.close()
        server.close()


@pytest.mark.skipif(sys.platform != "linux", reason="backlog overflow drops SYNs on Linux")
def test_connect_timeout_is_bounded_retried_and_reported() -> None:
    policy = RetryPolicy(attempts=2, backoff=0.01, connect_timeout=0.3, read_timeout=0.3)
    client = HttpClient(policy, sleep=lambda _: None)
    started = time.monotonic()
    with _unanswered_port() as port, pytest.raises(SourceError) as caught:
        client.get_json(f"http://127.0.0.1:{port}/pypi/requests/json")
    client.close()
    assert "timed out (ConnectTimeout) after 2 attempts" in str(caught.value)
    assert caught.value.exit_status is ExitStatus.INCOMPLETE
    assert time.monotonic() - started < 3.0


@pytest.mark.parametrize("fault", ["400", "truncated"])
def test_a_failing_advisory_service_makes_the_scan_incomplete(sandbox: Sandbox, fault: str) -> None:
    artifact = sandbox.root / "function.zip"
    artifact.write_bytes(
        zip_bytes({**dist_info("requests", "2.25.1"), **dist_info("six", "1.16.0")})
    )
    report = sandbox.cwd / "report.json"
    with OsvServer() as osv:
        osv.add(record("PYSEC-2023-74", "requests", [{"introduced": "0"}]), ("requests", "2.25.1"))
        osv.inject("querybatch", *[fault] * 8)
        scan = sandbox.wellcheck(
            "scan", artifact, "--source", "osv-api", "--no-signals", "-j", "1", "-o", report,
            WELLCHECK_OSV_API_URL=osv.url,
        )  # fmt: skip
    assert scan.returncode == 3, scan.stderr
    verdict = json.loads(report.read_text(encoding="utf-8"))["verdict"]
    assert verdict["status"] == "incomplete" and verdict["incomplete"] is True
    [result] = json.loads(report.read_text(encoding="utf-8"))["artifacts"]
    assert result["complete"] is False
    assert {(s["source"], s["package"]) for s in result["not_checked"]} == {
        ("osv-api", "requests"),
        ("osv-api", "six"),
    }

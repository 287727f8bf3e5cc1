"""The OSV API client against a loopback server that injects faults."""

from __future__ import annotations

import socket
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from osv_server import OsvServer
from osvdata import record

from wellcheck.advisories.check import AdvisoryCheck
from wellcheck.advisories.interface import SourceResult
from wellcheck.advisories.osv_api import OsvApiSource
from wellcheck.checks import CheckContext
from wellcheck.http import RetryPolicy
from wellcheck.models import ArtifactInfo, Component, ComponentKind, Severity

FAST = RetryPolicy(
    attempts=3,
    backoff=0.01,
    max_backoff=0.02,
    max_retry_after=0.3,
    connect_timeout=1.0,
    read_timeout=0.25,
)
REQ = record(
    "PYSEC-2023-74",
    "requests",
    [{"introduced": "2.3.0"}, {"fixed": "2.31.0"}],
    aliases=("CVE-2023-32681", "GHSA-j8r2-6x86-q33q"),
)
GHSA = record(
    "GHSA-j8r2-6x86-q33q",
    "requests",
    [{"introduced": "2.3.0"}, {"fixed": "2.31.0"}],
    aliases=("CVE-2023-32681",),
    summary="Unintended leak of Proxy-Authorization header",
    database_specific={"severity": "MODERATE"},
)
IDNA = record(
    "PYSEC-2024-60",
    "idna",
    [{"introduced": "0.1"}, {"fixed": "3.7"}],
    severity=[{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"}],
)
PAIRS = [("requests", "2.25.1"), ("idna", "2.10"), ("six", "1.16.0")]


@pytest.fixture
def server(osv_server: OsvServer) -> OsvServer:
    osv_server.add(REQ, ("requests", "2.25.1"))
    osv_server.add(GHSA, ("requests", "2.25.1"))
    osv_server.add(IDNA, ("idna", "2.10"))
    return osv_server


def source(server: OsvServer, tmp_path: Path, **kw: object) -> OsvApiSource:
    return OsvApiSource(server.url, policy=FAST, cache_path=tmp_path / "api.sqlite3", **kw)  # type: ignore[arg-type]


def test_clean_run_finds_and_caches(server: OsvServer, tmp_path: Path) -> None:
    api = source(server, tmp_path)
    result = api.query(PAIRS)
    assert not result.skipped
    assert sorted(a.id for a in result.advisories[("requests", "2.25.1")]) == [
        "GHSA-j8r2-6x86-q33q",
        "PYSEC-2023-74",
    ]
    (idna,) = result.advisories[("idna", "2.10")]
    assert (idna.fixed, idna.score, idna.severity) == ("3.7", 7.5, Severity.HIGH)
    assert ("six", "1.16.0") not in result.advisories
    assert server.count("vulns") == 3
    api.query(PAIRS)
    assert server.count("vulns") == 3  # records came from the cache the second time


def test_env_variable_sets_the_base_url(
    server: OsvServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("WELLCHECK_OSV_API_URL", server.url)
    assert OsvApiSource(policy=FAST).query(PAIRS[:1]).advisories


def test_429_honours_retry_after_then_succeeds(server: OsvServer, tmp_path: Path) -> None:
    server.inject("querybatch", "429:1")
    started = time.monotonic()
    result = source(server, tmp_path).query(PAIRS)
    assert time.monotonic() - started >= 0.3  # Retry-After 1 s, capped at 0.3 s
    assert not result.skipped and server.count("querybatch") == 2


def test_retry_after_is_capped(server: OsvServer, tmp_path: Path) -> None:
    server.inject("querybatch", "429:3600")
    started = time.monotonic()
    assert not source(server, tmp_path).query(PAIRS).skipped
    assert time.monotonic() - started < 2


@pytest.mark.parametrize("fault", ["500", "503", "close", "slow:0.5"])
def test_transient_failure_then_success(server: OsvServer, tmp_path: Path, fault: str) -> None:
    server.inject("querybatch", fault)
    result = source(server, tmp_path).query(PAIRS)
    assert not result.skipped and result.advisories


def test_persistent_5xx_gives_up_after_bounded_retries(server: OsvServer, tmp_path: Path) -> None:
    server.inject("querybatch", "500", "500", "500", "500")
    result = source(server, tmp_path).query(PAIRS)
    assert not result.advisories
    assert {(s.package, s.version) for s in result.skipped} == set(PAIRS)
    assert all("HTTP 500 after 3 attempts" in s.reason for s in result.skipped)
    assert server.count("querybatch") == 3


def test_slow_reads_time_out_and_skip(server: OsvServer, tmp_path: Path) -> None:
    server.inject("querybatch", "slow:0.5", "slow:0.5", "slow:0.5")
    result = source(server, tmp_path).query(PAIRS)
    assert len(result.skipped) == 3 and "timed out" in result.skipped[0].reason


def test_400_is_not_retried(server: OsvServer, tmp_path: Path) -> None:
    server.inject("querybatch", "400")
    result = source(server, tmp_path).query(PAIRS)
    assert len(result.skipped) == 3 and "HTTP 400" in result.skipped[0].reason
    assert server.count("querybatch") == 1


def test_truncated_json_is_counted_and_skipped(server: OsvServer, tmp_path: Path) -> None:
    server.inject("querybatch", "truncated")
    api = source(server, tmp_path)
    result = api.query(PAIRS)
    assert len(result.skipped) == 3 and "malformed" in result.skipped[0].reason
    assert api.malformed == 1


def test_one_failing_batch_among_many(server: OsvServer, tmp_path: Path) -> None:
    pairs = [*PAIRS, ("a", "1"), ("b", "1"), ("c", "1")]
    server.failing_names = {"six"}  # batches: [requests, idna] [six, a] [b, c]
    result = source(server, tmp_path, batch_size=2).query(pairs)
    assert {(s.package, s.version) for s in result.skipped} == set(pairs[2:4])
    assert set(result.advisories) == {("requests", "2.25.1"), ("idna", "2.10")}
    assert server.count("querybatch") == 3 + 2  # the failing batch was retried twice


def test_pagination_follows_next_page_token(server: OsvServer, tmp_path: Path) -> None:
    server.page_size = 1
    result = source(server, tmp_path).query(PAIRS)
    assert len(result.advisories[("requests", "2.25.1")]) == 2 and not result.skipped
    tokens = [
        q.get("page_token")
        for _, ep, body in server.log
        if ep == "querybatch"
        for q in body["queries"]
    ]
    assert "1" in tokens


def test_failed_record_fetch_skips_the_pairs_that_need_it(
    server: OsvServer, tmp_path: Path
) -> None:
    server.inject("vulns/GHSA-j8r2-6x86-q33q", "500", "500", "500")
    result = source(server, tmp_path).query(PAIRS)
    (skip,) = result.skipped
    assert skip.package == "requests" and "GHSA-j8r2-6x86-q33q" in skip.reason
    assert "HTTP 500 after 3 attempts" in skip.reason
    # what was found is still reported; the pair is marked incomplete
    assert [a.id for a in result.advisories[("requests", "2.25.1")]] == ["PYSEC-2023-74"]
    assert result.advisories[("idna", "2.10")]


def test_unreachable_server_is_skipped_not_raised(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    api = OsvApiSource(f"http://127.0.0.1:{port}", policy=FAST, cache_path=tmp_path / "api.sqlite3")
    result = api.query(PAIRS)
    assert len(result.skipped) == 3 and "connection failed" in result.skipped[0].reason


def test_check_over_the_api_merges_aliases_and_reports_incomplete(
    server: OsvServer, tmp_path: Path
) -> None:
    components = [
        Component(name=n, version=v, kind=ComponentKind.DIST_INFO, location=n) for n, v in PAIRS
    ]
    context = CheckContext(ArtifactInfo(path="x", kind="directory"))
    result = AdvisoryCheck(source(server, tmp_path)).run(components, context)
    ids = sorted(f.id or "" for f in result.findings)
    assert ids == ["GHSA-j8r2-6x86-q33q", "PYSEC-2024-60"]
    req = next(f for f in result.findings if f.package == "requests")
    assert req.severity is Severity.MEDIUM and "PYSEC-2023-74" in req.aliases
    server.inject("querybatch", "400")
    assert len(AdvisoryCheck(source(server, tmp_path)).run(components, context).skipped) == 3


def test_parallel_scans_share_one_cache(server: OsvServer, tmp_path: Path) -> None:
    results: list[SourceResult] = []
    threads = [
        threading.Thread(target=lambda: results.append(source(server, tmp_path).query(PAIRS)))
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 4
    assert all(not r.skipped and len(r.advisories) == 2 for r in results)
    conn = sqlite3.connect(tmp_path / "api.sqlite3")
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert conn.execute("SELECT count(*) FROM vulns").fetchone() == (3,)
    conn.close()


def test_a_corrupt_cache_is_bypassed(server: OsvServer, tmp_path: Path) -> None:
    (tmp_path / "api.sqlite3").write_bytes(b"not a database" * 100)
    result = source(server, tmp_path).query(PAIRS)
    assert not result.skipped and len(result.advisories) == 2

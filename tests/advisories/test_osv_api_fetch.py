"""Concurrent record fetches (GET /v1/vulns/{id}) against the loopback OSV server."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
from osv_server import OsvServer
from osvdata import record

from wellcheck.advisories.check import AdvisoryCheck
from wellcheck.advisories.osv_api import FETCH_WORKERS, OsvApiSource
from wellcheck.checks import CheckContext
from wellcheck.http import RetryPolicy
from wellcheck.models import ArtifactInfo, Component, ComponentKind

POLICY = RetryPolicy(
    attempts=3, backoff=0.01, max_backoff=0.02, connect_timeout=2.0, read_timeout=5.0
)
PAIRS = [(f"pkg{p}", "1.0") for p in range(4)]


def ids(count: int) -> list[str]:
    return [f"PYSEC-2099-{i:03d}" for i in range(count)]


@pytest.fixture
def many(osv_server: OsvServer) -> OsvServer:
    """40 records spread over four pairs; every record affects version 1.0."""
    for i, rid in enumerate(ids(40)):
        osv_server.add(
            record(rid, f"pkg{i % 4}", [{"introduced": "0"}, {"fixed": f"2.{i}"}]),
            PAIRS[i % 4],
        )
    return osv_server


def source(server: OsvServer, tmp_path: Path, **kw: int) -> OsvApiSource:
    return OsvApiSource(server.url, policy=POLICY, cache_path=tmp_path / "api.sqlite3", **kw)


def test_many_records_are_all_fetched_once_and_cached(many: OsvServer, tmp_path: Path) -> None:
    result = source(many, tmp_path).query(PAIRS)
    assert not result.skipped
    got = sorted(a.id for found in result.advisories.values() for a in found)
    assert got == ids(40)
    assert sorted(rid for _, ep, rid in many.log if ep == "vulns") == ids(40)
    conn = sqlite3.connect(tmp_path / "api.sqlite3")
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert conn.execute("SELECT count(*) FROM vulns").fetchone() == (40,)
    conn.close()
    source(many, tmp_path).query(PAIRS)
    assert many.count("vulns") == 40  # the second scan read every record from the cache


def test_results_do_not_depend_on_completion_order(many: OsvServer, tmp_path: Path) -> None:
    serial = source(many, tmp_path / "serial", fetch_workers=1).query(PAIRS)
    # later ids answer sooner: fetches finish in roughly reverse order
    for i, rid in enumerate(ids(40)):
        many.inject(f"vulns/{rid}", f"slow:{(40 - i) * 0.005}")
    concurrent = source(many, tmp_path / "concurrent").query(PAIRS)
    assert concurrent == serial
    assert [a.id for a in concurrent.advisories[PAIRS[1]]] == ids(40)[1::4]


def test_fetches_overlap_within_the_bound(many: OsvServer, tmp_path: Path) -> None:
    many.vulns_delay = 0.2
    started = time.monotonic()
    result = source(many, tmp_path).query(PAIRS)
    elapsed = time.monotonic() - started
    assert not result.skipped
    assert 2 <= many.max_in_flight <= FETCH_WORKERS
    # serially 40 x 0.2 s = 8 s; with 8 workers about 1 s. The bound is generous on purpose.
    assert elapsed < 40 * 0.2 / 2


def test_the_worker_count_is_configurable(many: OsvServer, tmp_path: Path) -> None:
    many.vulns_delay = 0.02
    assert not source(many, tmp_path, fetch_workers=3).query(PAIRS).skipped
    assert many.max_in_flight <= 3


def test_a_5xx_on_one_record_among_many_makes_the_scan_incomplete(
    many: OsvServer, tmp_path: Path
) -> None:
    broken = ids(40)[17]  # affects pkg1
    many.inject(f"vulns/{broken}", "503", "503", "503")
    components = [
        Component(name=n, version=v, kind=ComponentKind.DIST_INFO, location=n) for n, v in PAIRS
    ]
    context = CheckContext(ArtifactInfo(path="x", kind="directory"))
    result = AdvisoryCheck(source(many, tmp_path)).run(components, context)
    (skip,) = result.skipped
    assert (skip.package, skip.version) == PAIRS[1]
    assert broken in skip.reason and "HTTP 503 after 3 attempts" in skip.reason
    assert len(result.findings) == 39  # the others are still reported
    # the records that were fetched are cached; the broken one is fetched again next time
    many.log.clear()
    assert not source(many, tmp_path).query(PAIRS).skipped
    assert [rid for _, ep, rid in many.log if ep == "vulns"] == [broken]


def test_a_record_with_the_wrong_id_is_malformed_and_skipped(
    many: OsvServer, tmp_path: Path
) -> None:
    rid = ids(40)[2]
    many.records[rid] = {**many.records[rid], "id": "PYSEC-OTHER"}
    api = source(many, tmp_path)
    result = api.query(PAIRS)
    assert [(s.package, "record id does not match" in s.reason) for s in result.skipped] == [
        ("pkg2", True)
    ]
    assert api.malformed == 1

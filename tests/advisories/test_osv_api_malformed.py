"""Hostile OSV answers make the scan incomplete (SkippedCheck), never an internal error."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from osv_server import OsvServer
from osvdata import record

from wellcheck.advisories.osv_api import MAX_DEPTH, OsvApiSource
from wellcheck.http import RetryPolicy

POLICY = RetryPolicy(attempts=2, backoff=0.01, max_backoff=0.02, read_timeout=5.0)
HOSTILE, GOOD = "PYSEC-2099-001", "PYSEC-2099-002"
A, B = ("attrs", "21.0.0"), ("idna", "2.10")


@pytest.fixture
def server(osv_server: OsvServer) -> OsvServer:
    osv_server.add(record(HOSTILE, "attrs", [{"introduced": "0"}, {"fixed": "22.0"}]), A)
    osv_server.add(record(GOOD, "idna", [{"introduced": "0"}, {"fixed": "3.7"}]), B)
    return osv_server


def source(server: OsvServer, tmp_path: Path, workers: int = 8) -> OsvApiSource:
    cache = tmp_path / "api.sqlite3"
    return OsvApiSource(server.url, policy=POLICY, cache_path=cache, fetch_workers=workers)


def nested(depth: int) -> bytes:
    return (
        f'{{"id": "{HOSTILE}", "affected": [], "x": '.encode() + b"[" * depth + b"]" * depth + b"}"
    )


def cached_ids(tmp_path: Path) -> list[str]:
    conn = sqlite3.connect(tmp_path / "api.sqlite3")
    try:
        return [row[0] for row in conn.execute("SELECT id FROM vulns ORDER BY id")]
    finally:
        conn.close()


@pytest.mark.parametrize("workers", [1, 8])
def test_a_record_nested_200k_levels_deep_skips_its_package(
    server: OsvServer, tmp_path: Path, workers: int
) -> None:
    server.raw[HOSTILE] = nested(200_000)
    api = source(server, tmp_path, workers)
    result = api.query([A, B])
    (skip,) = result.skipped
    assert (skip.package, skip.version) == A
    assert HOSTILE in skip.reason and "invalid JSON (RecursionError)" in skip.reason
    assert [a.id for a in result.advisories[B]] == [GOOD]  # the other package is still checked
    assert api.malformed == 1
    assert cached_ids(tmp_path) == [GOOD]  # the hostile body is not cached


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 950])
def test_a_record_that_parses_but_nests_too_deep_is_malformed(
    server: OsvServer, tmp_path: Path, depth: int
) -> None:
    # 950 levels parse on a worker thread's shallow stack, but json.dumps (the cache) or the
    # matcher can then exceed the recursion limit on a deeper calling stack: refused up front
    server.raw[HOSTILE] = nested(depth)
    result = source(server, tmp_path).query([A, B])
    assert [(s.package, "malformed" in s.reason) for s in result.skipped] == [("attrs", True)]
    assert cached_ids(tmp_path) == [GOOD]


def test_a_record_within_the_depth_limit_is_accepted(server: OsvServer, tmp_path: Path) -> None:
    server.raw[HOSTILE] = nested(MAX_DEPTH - 2)  # the record object and "x" are two levels
    result = source(server, tmp_path).query([A, B])
    assert not result.skipped
    assert cached_ids(tmp_path) == [HOSTILE, GOOD]


@pytest.mark.parametrize("modified", [[], {"a": 1}, 5, True, None, ["2024-01-01T00:00:00Z"]])
def test_a_hit_whose_modified_is_not_a_string_is_ignored(
    server: OsvServer, tmp_path: Path, modified: Any
) -> None:
    # the same record reported for two packages: once with a proper timestamp, once hostile
    server.hits.setdefault(B, []).append(HOSTILE)
    server.hit_modified[(B, HOSTILE)] = modified
    server.hit_modified[(B, GOOD)] = modified
    api = source(server, tmp_path)
    result = api.query([A, B])
    assert not result.skipped
    assert [a.id for a in result.advisories[A]] == [HOSTILE]
    assert sorted(a.id for a in result.advisories[B]) == [HOSTILE, GOOD]
    assert api.malformed == 0
    # next scan: the cache answers for every hit, whatever its modified said
    server.log.clear()
    assert source(server, tmp_path).query([A, B]) == result
    assert server.count("vulns") == 0

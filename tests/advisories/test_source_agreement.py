"""Every advisory source gives the same answer (issue 12): a version that is not PEP 440 is
"not checked" where a record's ranges cannot place it, whichever source is asked; and
``--source pip-audit`` asks the OSV server ``WELLCHECK_OSV_API_URL`` names, as osv-api does."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from osv_server import OsvServer
from osvdata import record

from wellcheck.advisories.index import build_index
from wellcheck.advisories.interface import AdvisorySource, SourceResult
from wellcheck.advisories.offline import OfflineSource
from wellcheck.advisories.osv_api import OsvApiSource
from wellcheck.advisories.pip_audit import PipAuditSource
from wellcheck.http import RetryPolicy

FAST = RetryPolicy(attempts=1, backoff=0.01, max_backoff=0.02, read_timeout=2.0)
RANGED = record("PYSEC-2099-1", "ranged", [{"introduced": "0"}, {"fixed": "2.0"}])
LISTED = record("PYSEC-2099-2", "listed", [], versions=("1.0-custom",))
PAIRS = [
    ("ranged", "1.0-custom"),  # ranges that cannot place it: not checked
    ("listed", "1.0-custom"),  # listed verbatim: affected
    ("quiet", "1.0-custom"),  # no record at all: nothing to say
    ("ranged", "1.5"),  # a PEP 440 version: affected as always
]


def _answers(result: SourceResult) -> tuple[set[tuple[str, str, str]], set[tuple[str, str]]]:
    found = {(n, v, a.id) for (n, v), advisories in result.advisories.items() for a in advisories}
    return found, {(s.package or "", s.version or "") for s in result.skipped}


@pytest.fixture
def sources(osv_server: OsvServer, tmp_path: Path) -> Iterator[list[AdvisorySource]]:
    osv_server.add(RANGED, ("ranged", "1.5"))
    osv_server.add(LISTED, ("listed", "1.0-custom"))
    build_index([RANGED, LISTED], tmp_path / "osv.sqlite3", source="test records")
    api = OsvApiSource(osv_server.url, policy=FAST, cache_path=tmp_path / "api.sqlite3")
    with OfflineSource(tmp_path / "osv.sqlite3") as offline:
        yield [offline, api]


def test_a_version_that_is_not_pep440_is_not_checked_by_every_source(
    sources: list[AdvisorySource],
) -> None:
    expected = (
        {("listed", "1.0-custom", "PYSEC-2099-2"), ("ranged", "1.5", "PYSEC-2099-1")},
        {("ranged", "1.0-custom")},
    )
    for source in sources:
        assert _answers(source.query(PAIRS)) == expected, source.name


def test_the_api_is_asked_by_name_for_a_version_it_cannot_order(
    osv_server: OsvServer, sources: list[AdvisorySource]
) -> None:
    sources[1].query([("ranged", "1.0-custom")])
    [(_, _, body)] = [entry for entry in osv_server.log if entry[1] == "querybatch"]
    assert body["queries"] == [{"package": {"name": "ranged", "ecosystem": "PyPI"}}]


def test_pip_audit_asks_the_osv_server_the_environment_names(
    osv_server: OsvServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    osv_server.add(RANGED, ("ranged", "1.5"))
    monkeypatch.setenv("WELLCHECK_OSV_API_URL", osv_server.url + "/")
    source = PipAuditSource(timeout=2, cache=tmp_path / "pa")
    result = source.query([("ranged", "1.5")])
    assert not result.skipped
    [advisory] = result.advisories[("ranged", "1.5")]
    assert (advisory.id, advisory.fixed) == ("PYSEC-2099-1", "2.0")
    assert osv_server.count("query") == 1

"""Optional: the real OSV PyPI export (skipped when the shared copy is absent)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from osvdata import FIXTURES, REAL_EXPORT

from wellcheck.advisories.check import AdvisoryCheck
from wellcheck.advisories.index import AdvisoryIndex, import_path
from wellcheck.advisories.offline import OfflineSource
from wellcheck.checks import CheckContext
from wellcheck.models import ArtifactInfo, Component, ComponentKind

pytestmark = pytest.mark.skipif(not REAL_EXPORT.is_file(), reason="no shared OSV export")

# Checked by hand against the records in the export (PYSEC ids; GHSA come from aliases).
EXPECTED = {
    ("requests", "2.25.1"): {("GHSA-j8r2-6x86-q33q", "2.31.0")},
    ("urllib3", "1.26.4"): {
        ("GHSA-q2q7-5pp4-w6pg", "1.26.5"),
        ("GHSA-v845-jxx5-vc9f", "1.26.17"),
        ("GHSA-g4mx-q9vg-27p4", "1.26.18"),
    },
    ("jinja2", "2.11.2"): {("GHSA-g3rq-g295-4j3m", "2.11.3")},
    ("pyyaml", "5.3.1"): {("GHSA-8q59-q68h-6hv4", "5.4")},
    ("certifi", "2020.12.5"): {
        ("GHSA-43fp-rhv2-5gv8", "2022.12.7"),
        ("GHSA-xqr8-7jwr-rhp7", "2023.7.22"),
    },
    ("idna", "2.10"): {("PYSEC-2024-60", "3.7")},
    ("requests", "2.32.3"): set(),
}


@pytest.fixture(scope="module")
def real_source(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OfflineSource]:
    db = tmp_path_factory.mktemp("real") / "osv.sqlite3"
    report = import_path(REAL_EXPORT, db)
    assert report.record_count > 2000 and report.invalid == 0
    with OfflineSource(db) as source:
        yield source


def test_demo_versions_against_the_real_export(real_source: OfflineSource) -> None:
    components = [
        Component(name=n, version=v, kind=ComponentKind.DIST_INFO, location=n) for n, v in EXPECTED
    ]
    result = AdvisoryCheck(real_source).run(
        components, CheckContext(ArtifactInfo(path="x", kind="directory"))
    )
    got: dict[tuple[str, str], set[tuple[str, str | None]]] = {k: set() for k in EXPECTED}
    for f in result.findings:
        got[(f.package, f.version)].add((f.id or "", f.fixed))
    assert got == EXPECTED
    req = next(f for f in result.findings if f.package == "requests")
    assert {"CVE-2023-32681", "PYSEC-2023-74"} <= set(req.aliases)
    assert not result.skipped


def test_the_fixture_records_agree_with_the_real_ones(real_source: OfflineSource) -> None:
    for path in FIXTURES.glob("PYSEC-*.json"):
        mine = json.loads(path.read_text())
        name = mine["affected"][0]["package"]["name"]
        with AdvisoryIndex(real_source.path) as index:
            theirs = {r["id"]: r for r in index.records_for([name])[name]}[mine["id"]]
        assert sorted(theirs["aliases"]) == sorted(mine["aliases"])
        ranges = [
            r for a in theirs["affected"] for r in a.get("ranges", []) if r["type"] == "ECOSYSTEM"
        ]
        assert ranges[0]["events"] == mine["affected"][0]["ranges"][0]["events"]
        assert theirs.get("severity") == mine.get("severity")


@pytest.mark.parametrize(
    ("name", "version", "record", "fixed"),
    [
        ("apache-iotdb", "0.13.0", "PYSEC-2022-42972", "0.14.0rc1"),
        ("pyspark", "3.2.0", "PYSEC-2023-72", "3.2.2"),
        ("pyspark", "3.1.2", "PYSEC-2023-72", "3.2.2"),
    ],
)
def test_pairs_sharing_a_version_affect_their_union(
    real_source: OfflineSource, name: str, version: str, record: str, fixed: str
) -> None:
    """Issue 12: these records list introduced/fixed pairs that meet at one version; that
    version (left out of their ``versions`` lists too) was reported clean."""
    component = Component(name=name, version=version, kind=ComponentKind.DIST_INFO, location=name)
    result = AdvisoryCheck(real_source).run(
        [component], CheckContext(ArtifactInfo(path="x", kind="directory"))
    )
    [finding] = [f for f in result.findings if record in (f.id, *f.aliases)]
    assert finding.fixed == fixed

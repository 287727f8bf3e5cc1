"""AdvisoryCheck: findings from any source, alias merging, MAL records, fail-closed skips."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path

import pytest
from osvdata import FIXTURES

from wellcheck.advisories.check import AdvisoryCheck, group_aliases, merge_group
from wellcheck.advisories.index import import_path
from wellcheck.advisories.interface import Advisory, AdvisorySource, Pair, SourceResult
from wellcheck.advisories.offline import OfflineSource
from wellcheck.checks import CheckContext
from wellcheck.errors import SourceError
from wellcheck.models import (
    ArtifactInfo,
    BundledPackage,
    Component,
    ComponentKind,
    Severity,
    SkippedCheck,
)

CONTEXT = CheckContext(ArtifactInfo(path="demo.zip", kind="lambda-zip"))


def comp(name: str, version: str, kind: ComponentKind = ComponentKind.DIST_INFO) -> Component:
    return Component(
        name=name,
        version=version,
        kind=kind,
        location=f"{name}-{version}.dist-info",
        chain=("outer.zip",),
    )


class FixedSource(AdvisorySource):
    """A fake source answering from a table (the interface's conftest-style fake)."""

    name = "fake"

    def __init__(self, table: dict[Pair, list[Advisory]], fail: bool = False) -> None:
        self.table = table
        self.fail = fail
        self.asked: list[Pair] = []

    def query(self, packages: Sequence[Pair]) -> SourceResult:
        self.asked = list(packages)
        if self.fail:
            raise SourceError("boom")
        return SourceResult({p: self.table[p] for p in packages if p in self.table})


def test_aliases_of_one_flaw_become_one_finding_with_a_stable_primary() -> None:
    pysec = Advisory(
        "PYSEC-2023-74", ("CVE-2023-32681", "GHSA-j8r2-6x86-q33q"), "from pysec", fixed="2.31.0"
    )
    ghsa = Advisory(
        "GHSA-j8r2-6x86-q33q",
        ("CVE-2023-32681",),
        "Unintended leak",
        severity=Severity.MEDIUM,
        score=6.1,
        fixed="2.31.0",
    )
    other = Advisory("PYSEC-2024-1", (), "another flaw", fixed="2.32.0")
    groups = group_aliases([pysec, other, ghsa])
    assert sorted(len(g) for g in groups) == [1, 2]
    merged = merge_group([pysec, ghsa])
    assert merged.id == "GHSA-j8r2-6x86-q33q"
    assert merged.aliases == ("CVE-2023-32681", "PYSEC-2023-74")
    assert (merged.summary, merged.severity, merged.score) == (
        "Unintended leak",
        Severity.MEDIUM,
        6.1,
    )
    # the same primary whichever records the source has
    assert merge_group([pysec]).id == "GHSA-j8r2-6x86-q33q"


def test_transitive_aliases_merge() -> None:
    a = Advisory("PYSEC-1", ("CVE-1",))
    b = Advisory("GHSA-b", ("CVE-2",))
    c = Advisory("OSV-c", ("CVE-1", "CVE-2"))
    assert len(group_aliases([a, b, c])) == 1


def test_mal_wins_and_is_critical() -> None:
    mal = Advisory("MAL-2024-1", ("GHSA-m",), "malware", severity=Severity.UNKNOWN, malicious=True)
    ghsa = Advisory("GHSA-m", (), "malicious package", severity=Severity.LOW)
    merged = merge_group([ghsa, mal])
    assert (merged.id, merged.severity, merged.malicious) == ("MAL-2024-1", Severity.CRITICAL, True)


def test_unclaimed_and_versionless_components() -> None:
    source = FixedSource({})
    result = AdvisoryCheck(source).run(
        [comp("mystery", "", ComponentKind.UNCLAIMED), comp("thing", ""), comp("ok", "1.0")],
        CONTEXT,
    )
    assert source.asked == [("ok", "1.0")]
    assert result.skipped == (SkippedCheck("fake", "no version", "thing", None),)


def test_a_raising_source_skips_everything_it_was_asked() -> None:
    result = AdvisoryCheck(FixedSource({}, fail=True)).run(
        [comp("a", "1"), comp("b", "2")], CONTEXT
    )
    assert not result.findings
    assert {(s.package, s.version) for s in result.skipped} == {("a", "1"), ("b", "2")}


def test_a_raising_source_leaves_what_wheels_bundle_not_checked() -> None:
    """Never dropped: the bundled packages of the wheels it was asked about are not
    checked either (not 'not applicable': the source failed)."""
    crate = BundledPackage("pkg:cargo/pyo3@0.22.6", "pyo3", "0.22.6", "x.dist-info/sboms/s")
    wheel = replace(comp("core", "2"), bundled=(crate,))
    result = AdvisoryCheck(FixedSource({}, fail=True)).run([wheel], CONTEXT)
    assert [(s.package, s.reason) for s in result.skipped] == [
        ("core", "boom"),
        ("core", "1 bundled package (cargo 1) not checked for advisories: boom"),
    ]
    assert result.not_applicable == ()


def test_finding_fields() -> None:
    adv = Advisory(
        "PYSEC-2024-60",
        ("CVE-2024-3651",),
        "idna quadratic",
        severity=Severity.HIGH,
        score=7.5,
        fixed="3.7",
        url="https://osv.dev/vulnerability/PYSEC-2024-60",
    )
    (finding,) = (
        AdvisoryCheck(FixedSource({("idna", "2.10"): [adv]}))
        .run([comp("idna", "2.10")], CONTEXT)
        .findings
    )
    assert finding.kind == "advisory" and finding.rule == finding.id == "PYSEC-2024-60"
    assert (finding.fixed, finding.score, finding.severity) == ("3.7", 7.5, Severity.HIGH)
    assert finding.location == "outer.zip!idna-2.10.dist-info"
    assert finding.remediation == "upgrade to 3.7" and finding.title == "idna quadratic"


# Expected findings for the demo's vendored versions against fixtures/osv (checked by hand
# against the real records in OSV's PyPI export).
DEMO = [
    ("certifi", "2020.12.5", "GHSA-43fp-rhv2-5gv8", "2022.12.7", Severity.UNKNOWN),
    ("certifi", "2020.12.5", "GHSA-xqr8-7jwr-rhp7", "2023.7.22", Severity.UNKNOWN),
    ("idna", "2.10", "PYSEC-2024-60", "3.7", Severity.HIGH),
    ("jinja2", "2.11.2", "GHSA-g3rq-g295-4j3m", "2.11.3", Severity.UNKNOWN),
    ("pyyaml", "5.3.1", "GHSA-8q59-q68h-6hv4", "5.4", Severity.UNKNOWN),
    ("reqeusts", "2.25.1", "MAL-0000-0001", None, Severity.CRITICAL),
    ("requests", "2.25.1", "GHSA-j8r2-6x86-q33q", "2.31.0", Severity.UNKNOWN),
    ("urllib3", "1.26.4", "GHSA-g4mx-q9vg-27p4", "1.26.18", Severity.MEDIUM),
    ("urllib3", "1.26.4", "GHSA-q2q7-5pp4-w6pg", "1.26.5", Severity.UNKNOWN),
    ("urllib3", "1.26.4", "GHSA-v845-jxx5-vc9f", "1.26.17", Severity.HIGH),
]


@pytest.fixture
def demo_source(tmp_path: Path) -> Iterator[OfflineSource]:
    import_path(FIXTURES, tmp_path / "demo.sqlite3")
    with OfflineSource(tmp_path / "demo.sqlite3") as source:
        yield source


def test_demo_versions_against_the_fixture_records(demo_source: OfflineSource) -> None:
    pairs = sorted({(n, v) for n, v, *_ in DEMO} | {("six", "1.16.0")})
    result = AdvisoryCheck(demo_source).run([comp(n, v) for n, v in pairs], CONTEXT)
    got = sorted((f.package, f.version, f.id, f.fixed, f.severity) for f in result.findings)
    assert got == DEMO
    assert not result.skipped
    mal = next(f for f in result.findings if f.kind == "malicious")
    assert mal.package == "reqeusts" and "remove" in mal.remediation
    assert result.findings[0].kind == "malicious"  # most severe first

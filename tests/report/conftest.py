"""Hand-built scan outcomes for the reporters: with findings, with none, incomplete."""

from __future__ import annotations

import pytest

from wellcheck.models import (
    ArtifactInfo,
    ArtifactResult,
    Component,
    ComponentKind,
    Finding,
    ScanOutcome,
    Severity,
    SkippedCheck,
)
from wellcheck.policy import FailOn, Verdict, decide

ARTIFACT = ArtifactInfo(path="dist/function.zip", kind="lambda-zip", sha256="ab" * 32, size=1234)


def component(name: str, version: str, location: str | None = None) -> Component:
    return Component(
        name=name,
        version=version,
        kind=ComponentKind.DIST_INFO,
        location=location or f"python/{name}-{version}.dist-info",
        display_name=name,
    )


REQUESTS = component("requests", "2.25.1")
URLLIB3 = component("urllib3", "1.26.4")
REQUESTZ = component("requestz", "1.0.0")

ADVISORY = Finding(
    kind="advisory",
    rule="GHSA-j8r2-6x86-q33q",
    package="requests",
    version="2.25.1",
    severity=Severity.MEDIUM,
    title="Unintended leak of Proxy-Authorization header in requests",
    location=REQUESTS.display_location,
    id="GHSA-j8r2-6x86-q33q",
    aliases=("CVE-2023-32681", "PYSEC-2023-74"),
    fixed="2.31.0",
    score=6.1,
    remediation="upgrade to 2.31.0",
    url="https://osv.dev/vulnerability/GHSA-j8r2-6x86-q33q",
)
HIGH = Finding(
    kind="advisory",
    rule="GHSA-v845-jxx5-vc9f",
    package="urllib3",
    version="1.26.4",
    severity=Severity.HIGH,
    title="Cookie HTTP header isn't stripped on cross-origin redirects",
    location=URLLIB3.display_location,
    id="GHSA-v845-jxx5-vc9f",
    aliases=("CVE-2023-43804",),
    fixed="1.26.17",
    score=8.1,
)
UNSCORED = Finding(
    kind="advisory",
    rule="PYSEC-2021-108",
    package="urllib3",
    version="1.26.4",
    severity=Severity.UNKNOWN,
    title="Proxy credentials | leak",
    location=URLLIB3.display_location,
    id="PYSEC-2021-108",
    aliases=("CVE-2021-33503",),
    fixed="1.26.5",
)
TYPO = Finding(
    kind="typosquat",
    rule="WC-TYPO-001",
    package="requestz",
    version="1.0.0",
    severity=Severity.HIGH,
    title="requestz imitates requests (substitution)",
    location=REQUESTZ.display_location,
    confidence="high",
    evidence="one substitution from 'requests' (rank 4)",
    remediation="check that you meant requestz, not requests",
)
SKIPPED = SkippedCheck(source="osv-api", reason="timed out after 3 attempts", package="requests")


def outcome_with_findings() -> ScanOutcome:
    result = ArtifactResult(
        artifact=ARTIFACT,
        components=(REQUESTS, URLLIB3, REQUESTZ),
        findings=(ADVISORY, HIGH, UNSCORED, TYPO),
    )
    return ScanOutcome((result,))


def outcome_clean() -> ScanOutcome:
    return ScanOutcome((ArtifactResult(artifact=ARTIFACT, components=(REQUESTS,)),))


def outcome_incomplete() -> ScanOutcome:
    result = ArtifactResult(
        artifact=ARTIFACT,
        components=(REQUESTS, URLLIB3),
        findings=(ADVISORY,),
        skipped=(SKIPPED, SkippedCheck(source="popular-names", reason="snapshot unreadable")),
        ignored=(HIGH,),
    )
    broken = ArtifactResult(
        artifact=ArtifactInfo(path="missing.zip", kind="unknown"),
        components=(),
        error="No such file or directory: missing.zip",
    )
    return ScanOutcome((result, broken), notes=("ignore entry for X expired on 2026-01-01",))


OUTCOMES = {
    "findings": outcome_with_findings,
    "clean": outcome_clean,
    "incomplete": outcome_incomplete,
}


@pytest.fixture(params=sorted(OUTCOMES))
def any_outcome(request: pytest.FixtureRequest) -> tuple[ScanOutcome, Verdict]:
    outcome = OUTCOMES[request.param]()
    return outcome, decide(outcome, FailOn.HIGH)


Scan = tuple[ScanOutcome, Verdict]


@pytest.fixture
def findings_scan() -> Scan:
    outcome = outcome_with_findings()
    return outcome, decide(outcome, FailOn.HIGH)


@pytest.fixture
def clean_scan() -> Scan:
    outcome = outcome_clean()
    return outcome, decide(outcome, FailOn.HIGH)


@pytest.fixture
def incomplete_scan() -> Scan:
    outcome = outcome_incomplete()
    return outcome, decide(outcome, FailOn.HIGH)

"""Findings as CycloneDX ``vulnerabilities`` (what ``scan --format cyclonedx-json``
emits): every finding, reported or ignored, so the document says what made a scan fail.

- Advisories and known-malicious packages: one entry per advisory id, affecting every
  component it was found in, with its OSV source, aliases, rating and the upgrade to
  make (VDR style).
- wellcheck's own signals (start-up hooks, tampering, typosquats, PyPI metadata, Lambda
  configuration): one entry per finding, ``id`` the ``WC-...`` rule, ``source`` named
  ``wellcheck``, the severity as a rating; ``properties`` carry the kind, confidence and
  the file and line (``wellcheck:path``, ``wellcheck:line``) when the finding is about a
  file rather than the metadata.
- Ignored findings (ignore file, VEX) are entries of their own with an ``analysis``: the
  ``state`` and ``justification`` the ignore entry or statement gives, the reason as
  ``detail`` (CycloneDX VEX); ``wellcheck:suppressed-by`` names the entry.

Each entry ``affects`` the component the finding is about, in the artifact it was found
in (by location, else by name and version); an advisory about a package a distribution
bundles affects that package's nested component; a finding about no component (a
start-up hook no distribution owns, a function's configuration) affects the artifact
itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from cyclonedx.model import Property, XsUri
from cyclonedx.model.impact_analysis import (
    ImpactAnalysisAffectedStatus,
    ImpactAnalysisJustification,
    ImpactAnalysisState,
)
from cyclonedx.model.vulnerability import (
    BomTarget,
    BomTargetVersionRange,
    Vulnerability,
    VulnerabilityAdvisory,
    VulnerabilityAnalysis,
    VulnerabilityRating,
    VulnerabilityReference,
    VulnerabilitySeverity,
    VulnerabilitySource,
)

from wellcheck.models import Finding, Severity, Suppression
from wellcheck.sbom.graph import Graph, bundled_ref
from wellcheck.sbom.sanitize import clean, safe_url

VULNERABILITY_KINDS = ("advisory", "malicious")
_SEVERITIES = {
    Severity.CRITICAL: VulnerabilitySeverity.CRITICAL,
    Severity.HIGH: VulnerabilitySeverity.HIGH,
    Severity.MEDIUM: VulnerabilitySeverity.MEDIUM,
    Severity.LOW: VulnerabilitySeverity.LOW,
    Severity.INFO: VulnerabilitySeverity.INFO,
    Severity.UNKNOWN: VulnerabilitySeverity.UNKNOWN,
}
_WELLCHECK = VulnerabilitySource(name="wellcheck")

Affected = tuple[Finding, dict[str, str]]  # a finding and the refs it affects (ref -> version)


def vulnerabilities(graph: Graph, findings: Sequence[Sequence[Finding]]) -> list[Vulnerability]:
    """``findings[i]``: the findings (reported and ignored) of the graph's artifact ``i``."""
    advisories: dict[tuple[str, Suppression | None], list[Affected]] = {}
    signals: list[Affected] = []
    for index, found in enumerate(findings):
        locate = _Locator(graph, index)
        for finding in sorted(found, key=_order):
            affected = (finding, locate(finding))
            if finding.kind in VULNERABILITY_KINDS:
                key = (finding.id or finding.rule, finding.suppression)
                advisories.setdefault(key, []).append(affected)
            else:
                signals.append(affected)
    out = _advisory_entries(advisories)
    numbers: dict[str, int] = {}
    for finding, refs in signals:
        numbers[finding.rule] = numbers.get(finding.rule, 0) + 1
        out.append(_signal(f"finding:{finding.rule}|{numbers[finding.rule]}", finding, refs))
    return out


@dataclass(frozen=True)
class _Target:
    """A component a finding may affect: a distribution, or a package it bundles."""

    ref: str
    location: str  # the distribution's display location
    version: str


class _Locator:
    """The refs a finding of one artifact affects: its component (or the bundled package
    it names), else the artifact."""

    def __init__(self, graph: Graph, index: int) -> None:
        self.artifact = graph.artifact_refs[index]
        self.by_name: dict[tuple[str, str], list[_Target]] = {}
        for node in graph.nodes:
            if node.artifact != index:
                continue
            c = node.component
            self.by_name.setdefault((c.name, c.version), []).append(
                _Target(node.ref, c.display_location, c.version)
            )
            for n, package in enumerate(c.bundled):  # a finding about a bundled package
                target = _Target(bundled_ref(node.ref, n), c.display_location, package.version)
                self.by_name.setdefault((package.name, package.version), []).append(target)

    def __call__(self, finding: Finding) -> dict[str, str]:
        candidates = (
            self.by_name.get((finding.package, finding.version), []) if finding.package else []
        )
        exact = [t for t in candidates if t.location == finding.location]
        targets = exact or candidates
        if not targets:
            return {self.artifact: ""}
        return {t.ref: t.version for t in targets}


def _order(finding: Finding) -> tuple[str, ...]:
    return (
        finding.rule,
        finding.package,
        finding.version,
        finding.location,
        finding.path,
        f"{finding.line or 0:09d}",
        finding.title,
    )


def _advisory_entries(
    groups: dict[tuple[str, Suppression | None], list[Affected]],
) -> list[Vulnerability]:
    out: list[Vulnerability] = []
    ignored: dict[str, int] = {}
    for (vid, suppression), items in sorted(groups.items(), key=_group_order):
        ref = f"vulnerability:{vid}"
        if suppression is not None:
            ignored[vid] = ignored.get(vid, 0) + 1
            ref += "|ignored" if ignored[vid] == 1 else f"|ignored|{ignored[vid]}"
        out.append(_advisory(ref, vid, items, suppression))
    return out


def _group_order(entry: tuple[tuple[str, Suppression | None], list[Affected]]) -> tuple[str, ...]:
    (vid, suppression), _ = entry
    if suppression is None:
        return (vid, "")
    return (vid, "1", suppression.origin, suppression.reason)


def _advisory(
    ref: str, vid: str, items: list[Affected], suppression: Suppression | None
) -> Vulnerability:
    first = items[0][0]
    source = _osv_source(vid)
    refs = sorted({a for f, _ in items for a in f.aliases if a != vid})
    fixed = sorted({f.fixed for f, _ in items if f.fixed})
    targets = {target: version for _, found in items for target, version in found.items()}
    recommendation = first.remediation or (
        f"Upgrade {first.package} to {' or '.join(fixed)} or later" if fixed else None
    )
    url = safe_url(first.url) if first.url else None
    properties = [Property(name="wellcheck:kind", value=first.kind)]
    if first.kind == "malicious":
        properties.append(Property(name="wellcheck:malicious", value="true"))
    return Vulnerability(
        bom_ref=clean(ref),
        id=clean(vid),
        source=source,
        references=[VulnerabilityReference(id=alias, source=_osv_source(alias)) for alias in refs],
        ratings=[
            VulnerabilityRating(
                source=source, score=_score(first.score), severity=_SEVERITIES[first.severity]
            )
        ],
        description=clean(first.title) or None,
        detail=clean(first.evidence) or None,
        recommendation=clean(recommendation) if recommendation else None,
        advisories=[VulnerabilityAdvisory(url=XsUri(url))] if url else None,
        analysis=_analysis(suppression),
        affects=_affects(targets),
        properties=properties + _suppressed_by(suppression),
    )


def _signal(ref: str, finding: Finding, targets: dict[str, str]) -> Vulnerability:
    pairs = [
        ("wellcheck:kind", finding.kind),
        ("wellcheck:confidence", finding.confidence or ""),
        ("wellcheck:location", finding.location),
        ("wellcheck:path", finding.path),
        ("wellcheck:line", str(finding.line) if finding.line else ""),
    ]
    properties = [Property(name=name, value=clean(value)) for name, value in pairs if value]
    url = safe_url(finding.url) if finding.url else None
    return Vulnerability(
        bom_ref=clean(ref),
        id=clean(finding.rule),
        source=_WELLCHECK,
        ratings=[VulnerabilityRating(source=_WELLCHECK, severity=_SEVERITIES[finding.severity])],
        description=clean(finding.title) or None,
        detail=clean(finding.evidence) or None,
        recommendation=clean(finding.remediation) or None,
        advisories=[VulnerabilityAdvisory(url=XsUri(url))] if url else None,
        analysis=_analysis(finding.suppression),
        affects=_affects(targets),
        properties=properties + _suppressed_by(finding.suppression),
    )


def _affects(targets: dict[str, str]) -> list[BomTarget]:
    return [
        BomTarget(
            ref=ref,
            versions=[
                BomTargetVersionRange(version=version, status=ImpactAnalysisAffectedStatus.AFFECTED)
            ]
            if version
            else None,
        )
        for ref, version in sorted(targets.items())
    ]


def _analysis(suppression: Suppression | None) -> VulnerabilityAnalysis | None:
    """The VEX analysis of an ignored finding: the state, justification and reason given."""
    if suppression is None:
        return None
    state = suppression.state
    justification = suppression.justification
    return VulnerabilityAnalysis(
        state=ImpactAnalysisState(state) if state else None,
        justification=ImpactAnalysisJustification(justification) if justification else None,
        detail=clean(suppression.reason) or None,
    )


def _suppressed_by(suppression: Suppression | None) -> list[Property]:
    if suppression is None:
        return []
    return [Property(name="wellcheck:suppressed-by", value=clean(suppression.origin))]


def _osv_source(vid: str) -> VulnerabilitySource:
    url = safe_url(f"https://osv.dev/vulnerability/{vid}")
    return VulnerabilitySource(name="OSV", url=XsUri(url) if url else None)


def _score(score: float | None) -> Decimal | None:
    if score is None:
        return None
    try:
        return Decimal(str(score))
    except InvalidOperation:
        return None

"""Findings as CycloneDX ``vulnerabilities``, VDR style (what ``scan --format
cyclonedx-json`` emits): one entry per advisory id, affecting every component
it was found in, with its OSV source, aliases, rating and the upgrade to make.
Only advisories and known-malicious packages are vulnerabilities; heuristic
signals (typosquats, integrity...) are not.  An advisory about a package a distribution
bundles affects that package's nested component.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from cyclonedx.model import Property, XsUri
from cyclonedx.model.impact_analysis import ImpactAnalysisAffectedStatus
from cyclonedx.model.vulnerability import (
    BomTarget,
    BomTargetVersionRange,
    Vulnerability,
    VulnerabilityAdvisory,
    VulnerabilityRating,
    VulnerabilityReference,
    VulnerabilitySeverity,
    VulnerabilitySource,
)

from wellcheck.models import Finding, Severity
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


@dataclass(frozen=True)
class _Target:
    """A component a vulnerability may affect: a distribution, or a package it bundles."""

    ref: str
    location: str  # the distribution's display location
    version: str


def vulnerabilities(graph: Graph, findings: Sequence[Finding]) -> list[Vulnerability]:
    by_name: dict[tuple[str, str], list[_Target]] = {}
    for node in graph.nodes:
        c = node.component
        by_name.setdefault((c.name, c.version), []).append(
            _Target(node.ref, c.display_location, c.version)
        )
        for n, package in enumerate(c.bundled):  # a finding about a bundled package
            target = _Target(bundled_ref(node.ref, n), c.display_location, package.version)
            by_name.setdefault((package.name, package.version), []).append(target)
    grouped: dict[str, list[tuple[Finding, list[_Target]]]] = {}
    for finding in findings:
        if finding.kind not in VULNERABILITY_KINDS:
            continue
        candidates = by_name.get((finding.package, finding.version), [])
        exact = [t for t in candidates if t.location == finding.location]
        affected = exact or candidates
        if affected:
            grouped.setdefault(finding.id or finding.rule, []).append((finding, affected))
    return [_vulnerability(vid, items) for vid, items in sorted(grouped.items())]


def _vulnerability(vid: str, items: list[tuple[Finding, list[_Target]]]) -> Vulnerability:
    first = items[0][0]
    source = _osv_source(vid)
    refs = sorted({a for f, _ in items for a in f.aliases if a != vid})
    fixed = sorted({f.fixed for f, _ in items if f.fixed})
    targets = {t.ref: t.version for _, found in items for t in found}  # one per component
    recommendation = first.remediation or (
        f"Upgrade {first.package} to {' or '.join(fixed)} or later" if fixed else None
    )
    url = safe_url(first.url) if first.url else None
    properties = [Property(name="wellcheck:kind", value=first.kind)]
    if first.kind == "malicious":
        properties.append(Property(name="wellcheck:malicious", value="true"))
    return Vulnerability(
        bom_ref=f"vulnerability:{vid}",
        id=vid,
        source=source,
        references=[
            VulnerabilityReference(
                id=alias,
                source=_osv_source(alias),
            )
            for alias in refs
        ],
        ratings=[
            VulnerabilityRating(
                source=source, score=_score(first.score), severity=_SEVERITIES[first.severity]
            )
        ],
        description=clean(first.title) or None,
        detail=clean(first.evidence) or None,
        recommendation=clean(recommendation) if recommendation else None,
        advisories=[VulnerabilityAdvisory(url=XsUri(url))] if url else None,
        affects=[
            BomTarget(
                ref=ref,
                versions=[
                    BomTargetVersionRange(
                        version=version or None, status=ImpactAnalysisAffectedStatus.AFFECTED
                    )
                ]
                if version
                else None,
            )
            for ref, version in sorted(targets.items())
        ],
        properties=properties,
    )


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

"""Helpers every format shares: stable orderings, plain-dict views, metadata paths."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from wellcheck import __version__
from wellcheck.models import (
    ArtifactResult,
    Component,
    ComponentKind,
    Finding,
    ScanOutcome,
    SkippedCheck,
)
from wellcheck.policy import Verdict, severity_order

TOOL_NAME = "wellcheck"
OSV_URL = "https://osv.dev/vulnerability/{id}"


def tool_info() -> dict[str, str]:
    return {"name": TOOL_NAME, "version": __version__}


def sorted_findings(findings: tuple[Finding, ...]) -> list[Finding]:
    return sorted(
        findings, key=lambda f: (severity_order(f.severity), f.package, f.version, f.rule)
    )


def all_findings(outcome: ScanOutcome) -> Iterator[tuple[ArtifactResult, Finding]]:
    for result in outcome.results:
        for finding in sorted_findings(result.findings):
            yield result, finding


def all_shown_findings(outcome: ScanOutcome) -> Iterator[tuple[ArtifactResult, Finding]]:
    """``all_findings`` as one-line-per-finding reports show them: a WC-POISON-SUSPECT
    verdict stands for its package's signal findings (``signals.verdict``)."""
    from wellcheck.signals.verdict import shown_findings

    for result in outcome.results:
        for finding in sorted_findings(tuple(shown_findings(result.findings))):
            yield result, finding


def all_skipped(outcome: ScanOutcome) -> Iterator[tuple[ArtifactResult, SkippedCheck]]:
    for result in outcome.results:
        for skipped in result.skipped:
            yield result, skipped


def finding_url(finding: Finding) -> str | None:
    """The finding's own URL, else OSV's page for advisory ids."""
    if finding.url:
        return finding.url
    if finding.id:
        return OSV_URL.format(id=finding.id)
    return None


def verdict_dict(verdict: Verdict) -> dict[str, Any]:
    return {
        "exit_status": int(verdict.status),
        "status": verdict.status.name.lower(),
        "fail_on": str(verdict.fail_on),
        "failing": verdict.failing,
        "findings": verdict.findings,
        "ignored": verdict.ignored,
        "incomplete": verdict.incomplete,
        "errors": verdict.errors,
        "summary": verdict.summary,
    }


def component_dict(component: Component) -> dict[str, Any]:
    return {
        "name": component.name,
        "version": component.version,
        "purl": component.purl or None,
        "location": component.display_location,
        "kind": str(component.kind),
        "layer": component.layer,
    }


def finding_dict(finding: Finding) -> dict[str, Any]:
    return {
        "kind": finding.kind,
        "rule": finding.rule,
        "package": finding.package,
        "version": finding.version,
        "severity": str(finding.severity),
        "title": finding.title,
        "location": finding.location,
        "path": finding.path,
        "line": finding.line,
        "id": finding.id,
        "aliases": list(finding.aliases),
        "fixed": finding.fixed,
        "score": finding.score,
        "confidence": finding.confidence,
        "evidence": finding.evidence,
        "remediation": finding.remediation,
        "url": finding_url(finding),
    }


def skipped_dict(skipped: SkippedCheck) -> dict[str, Any]:
    return {
        "source": skipped.source,
        "reason": skipped.reason,
        "package": skipped.package,
        "version": skipped.version,
    }


def skipped_text(skipped: SkippedCheck) -> str:
    text = f"{skipped.source}: {skipped.reason}"
    if skipped.package:
        package = f"{skipped.package} {skipped.version}" if skipped.version else skipped.package
        text += f" ({package})"
    return text


def component_for(result: ArtifactResult, finding: Finding) -> Component | None:
    """The component a finding is about (by location, else by name and version)."""
    fallback: Component | None = None
    for component in result.components:
        if component.name != finding.package or component.version != finding.version:
            continue
        if component.display_location == finding.location:
            return component
        fallback = fallback or component
    return fallback


def metadata_file(result: ArtifactResult, finding: Finding) -> str:
    """Path, inside the artifact, of the metadata file a finding points at."""
    component = component_for(result, finding)
    location = component.display_location if component else finding.location
    if component is None or not location:
        return location
    if component.kind is ComponentKind.DIST_INFO:
        return f"{location}/METADATA"
    if component.kind is ComponentKind.EGG:
        return f"{location}/EGG-INFO/PKG-INFO"
    return location


def fix_text(finding: Finding) -> str:
    return finding.fixed or ""

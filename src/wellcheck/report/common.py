"""Helpers every format shares: stable orderings, plain-dict views, metadata paths."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
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
PROJECT_URL = "https://github.com/wellcheck/wellcheck"  # the action is wellcheck/wellcheck@v1
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


def ignored_dict(finding: Finding) -> dict[str, Any]:
    """An ignored finding: the finding, and why (the ignore entry or VEX statement)."""
    why = finding.suppression
    if why is None:
        return finding_dict(finding)
    return {
        **finding_dict(finding),
        "suppression": {
            "reason": why.reason,
            "origin": why.origin,
            "state": why.state,
            "justification": why.justification,
        },
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


#: a URL's path (it names the package: /pypi/NAME/json, a wheel's file), up to a ":" ending it
_URL_PATH = re.compile(r"(https?://[^/\s]+)/\S*?(?=:?(?:\s|$))")
SHOWN_PACKAGES = 5  # packages a grouped line names before "and N more"


def skipped_lines(skipped: Iterable[SkippedCheck], shown: int = SHOWN_PACKAGES) -> list[str]:
    """What the human formats print for "not checked": one line per source and reason.

    A dead OSV API or PyPI fails every package the same way: that is one line with the
    count of packages (and the first few), not one line per package.  Reasons are
    compared without what names the package (its name leading the reason, the path of
    a URL), and printed whole when they are the same text; a reason only one package
    has is printed as :func:`skipped_text` prints it.  The json formats keep one entry
    per package.
    """
    groups: dict[tuple[str, str], list[SkippedCheck]] = {}
    for item in skipped:
        groups.setdefault((item.source, _shared_reason(item)), []).append(item)
    lines: list[str] = []
    for (source, reason), items in groups.items():
        if len(items) == 1:
            lines.append(skipped_text(items[0]))
            continue
        packages = list(dict.fromkeys(_package(item) for item in items if item.package))
        same = len({item.reason for item in items}) == 1
        text = f"{source}: {items[0].reason if same else reason}"
        if packages:
            more = f" and {len(packages) - shown} more" if len(packages) > shown else ""
            noun = "package" if len(packages) == 1 else "packages"
            text += f" ({len(packages)} {noun}: {', '.join(packages[:shown])}{more})"
        lines.append(text)
    return lines


def _shared_reason(skipped: SkippedCheck) -> str:
    reason = skipped.reason
    if skipped.package:
        reason = reason.removeprefix(f"{skipped.package}: ")
    return _URL_PATH.sub("\\1/\u2026", reason)


def _package(skipped: SkippedCheck) -> str:
    name = skipped.package or ""
    return f"{name} {skipped.version}" if skipped.version else name


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

"""Turning upstream comparisons into findings: wording, severities, caps.

One finding per modified or extra file (capped per distribution, the rest summed up in
one more finding), located at that file (``Finding.path``; a summary at the first of its
files); one per distribution for missing files, located at the distribution's metadata.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from wellcheck.checks import component_finding
from wellcheck.models import Component, Finding, Severity
from wellcheck.signals.upstream_fetch import Upstream

NAME = "upstream"
MAX_FILE_FINDINGS = 20  # per distribution and rule; the rest go into one summary finding
MAX_LISTED = 10

_MODIFIED_FIX = (
    "The installed file is not the one the project published for this version: rebuild the "
    "artifact from a clean install; if nobody patched it on purpose, treat it as compromised."
)
_EXTRA_FIX = (
    "The official wheel has no such file: find out what added it; remove it or rebuild the "
    "artifact from a clean install."
)


@dataclass
class Outcome:
    """What comparing one distribution with its wheel found."""

    modified: list[tuple[str, str]] = field(default_factory=list)  # (tree path, evidence)
    extra: list[tuple[str, str]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)


def _listing(paths: Sequence[str]) -> str:
    shown = ", ".join(paths[:MAX_LISTED])
    more = len(paths) - MAX_LISTED
    return f"{shown} (and {more} more)" if more > 0 else shown


def upstream_findings(component: Component, upstream: Upstream, outcome: Outcome) -> list[Finding]:
    def finding(
        rule: str, severity: Severity, title: str, evidence: str, fix: str, path: str = ""
    ) -> Finding:
        confidence = "high" if severity >= Severity.MEDIUM else "medium"
        return component_finding(
            component,
            NAME,
            rule,
            severity,
            title,
            confidence=confidence,
            evidence=evidence,
            remediation=fix,
            path=path,
        )

    out: list[Finding] = []
    wheel = upstream.filename
    for rule, severity, items, verb, fix in (
        ("WC-UPSTREAM-MODIFIED", Severity.HIGH, outcome.modified, "differs from", _MODIFIED_FIX),
        ("WC-UPSTREAM-EXTRA", Severity.MEDIUM, outcome.extra, "is not in", _EXTRA_FIX),
    ):
        for path, evidence in items[:MAX_FILE_FINDINGS]:
            title = f"{path} {verb} the official {wheel}"
            out.append(finding(rule, severity, title, evidence, fix, path))
        rest = items[MAX_FILE_FINDINGS:]
        if rest:
            title = f"{len(rest)} more files of {component.name} {verb} the official {wheel}"
            listed = _listing([p for p, _ in rest])
            out.append(finding(rule, severity, title, listed, fix, rest[0][0]))
    if outcome.missing:
        title = f"{len(outcome.missing)} file(s) of the official {wheel} are not installed"
        fix = (
            "Usually a build step trimmed files (tests, docs, stubs); check that nothing "
            "the package needs at run time was removed."
        )
        out.append(
            finding("WC-UPSTREAM-MISSING", Severity.LOW, title, _listing(outcome.missing), fix)
        )
    return out

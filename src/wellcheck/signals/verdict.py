"""One verdict per distribution: WC-POISON-SUSPECT.

After every check has run on an artifact, ``add_verdicts`` combines each
distribution's signal findings (behaviour WC-CODE-*, name WC-TYPO-*, borrowed
identity, integrity WC-INTEG-*, start-up hooks WC-PTH-*/WC-STARTUP-*, PyPI WC-PYPI-*
and upstream WC-UPSTREAM-*, when those ran) into one finding with a score and the
top evidence, so a report shows one line per suspicious package.  The detail
findings stay in the artifact's findings (JSON, SARIF and merges keep them); the
table and markdown reports show the verdict in their place (``shown_findings``).
Advisories are never folded: they are facts about a version, not suspicions.

The verdict's severity is the gate, so it never exceeds what the evidence says:
it is the most severe evidence, raised one level only when two *independent*
families (behaviour and name, behaviour and integrity...) each have evidence at
medium or above, one of them with more than low confidence.  A lone info or low
capability next to a weak name match stays low; a distribution with nothing at
medium or above and a single family gets no verdict.

Score (``Finding.score``, 0-10): inside the severity's band (critical 9-10, high
7-8.9, medium 4-6.9, low 1-3.9), higher with more families and more findings, so
SARIF's security-severity agrees with the severity.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from wellcheck.models import Finding, Severity

RULE = "WC-POISON-SUSPECT"
KIND = "verdict"
MAX_EVIDENCE = 3
_FAMILIES = (
    ("WC-CODE-", "behaviour"),
    ("WC-TYPO-BORROWED", "identity"),
    ("WC-PYPI-AUTHOR", "identity"),
    ("WC-TYPO-", "name"),
    ("WC-INTEG-", "integrity"),
    ("WC-PTH-", "start-up hook"),
    ("WC-STARTUP-", "start-up hook"),
    ("WC-PYPI-", "registry"),
    ("WC-UPSTREAM-", "upstream"),
)
_BANDS = {
    Severity.LOW: (1.0, 3.9),
    Severity.MEDIUM: (4.0, 6.9),
    Severity.HIGH: (7.0, 8.9),
    Severity.CRITICAL: (9.0, 10.0),
}


def family(finding: Finding) -> str | None:
    """The signal family of a finding (None: an advisory or a verdict, never folded)."""
    return next((name for prefix, name in _FAMILIES if finding.rule.startswith(prefix)), None)


@dataclass(frozen=True)
class _Case:
    package: str
    version: str
    evidence: tuple[Finding, ...]  # most severe first


def add_verdicts(findings: Sequence[Finding]) -> list[Finding]:
    """``findings`` plus one WC-POISON-SUSPECT per distribution that earns one."""
    verdicts = [v for case in _cases(findings) if (v := _verdict(case)) is not None]
    return [*findings, *verdicts]


def _cases(findings: Sequence[Finding]) -> list[_Case]:
    grouped: dict[tuple[str, str], list[Finding]] = {}
    for finding in findings:
        if finding.package and family(finding) is not None:
            grouped.setdefault((finding.package, finding.version), []).append(finding)
    return [
        _Case(package, version, tuple(sorted(found, key=lambda f: -int(f.severity))))
        for (package, version), found in sorted(grouped.items())
    ]


def _verdict(case: _Case) -> Finding | None:
    by_family: dict[str, list[Finding]] = {}
    for finding in case.evidence:
        by_family.setdefault(family(finding) or "", []).append(finding)
    top = case.evidence[0]
    base = top.severity
    families = {name for name, found in by_family.items() if found[0].severity >= Severity.LOW}
    if base < Severity.MEDIUM and len(families) < 2:
        return None
    severity = base
    strong = [name for name, found in by_family.items() if found[0].severity >= Severity.MEDIUM]
    confident = any(by_family[name][0].confidence != "low" for name in strong)
    if len(strong) >= 2 and confident:
        severity = Severity(min(int(base) + 1, int(Severity.CRITICAL)))
    if severity < Severity.LOW:
        return None
    score = _score(severity, len(families), len(case.evidence))
    return Finding(
        kind=KIND,
        rule=RULE,
        package=case.package,
        version=case.version,
        severity=severity,
        title=_title(by_family, len(case.evidence)),
        location=top.location,
        path=top.path,
        line=top.line,
        score=score,
        confidence="high" if len(strong) >= 2 else top.confidence,
        evidence=_evidence(case.evidence),
        remediation=top.remediation
        or "Review the evidence; remove the package unless it is expected.",
    )


def _score(severity: Severity, families: int, findings: int) -> float:
    low, high = _BANDS[severity]
    bonus = 0.6 * (families - 1) + 0.1 * (findings - 1)
    return round(min(high, low + bonus), 1)


def _title(by_family: dict[str, list[Finding]], count: int) -> str:
    names = sorted(by_family, key=lambda name: -int(by_family[name][0].severity))
    what = ", ".join(names)
    noun = "finding" if count == 1 else "findings"
    return f"suspected poisoned package ({what}: {count} {noun}, detail in the JSON report)"


def _evidence(evidence: tuple[Finding, ...]) -> str:
    shown = []
    for finding in evidence[:MAX_EVIDENCE]:
        where = f" at {finding.path}:{finding.line}" if finding.path and finding.line else ""
        shown.append(f"{finding.rule} ({finding.severity}){where}: {finding.title}")
    more = len(evidence) - MAX_EVIDENCE
    tail = f"; and {more} more" if more > 0 else ""
    return "; ".join(shown) + tail


def shown_findings(findings: Sequence[Finding]) -> list[Finding]:
    """What a one-line-per-finding report shows: each verdict stands for the signal
    findings of its distribution (advisories are always shown)."""
    judged = {(f.package, f.version) for f in findings if f.rule == RULE}
    return [
        f
        for f in findings
        if f.rule == RULE or family(f) is None or (f.package, f.version) not in judged
    ]

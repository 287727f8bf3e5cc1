"""AdvisoryCheck: components -> advisory and malicious-package findings.

Advisories of one (name, version) that share any id or alias (PYSEC, GHSA, CVE
of the same flaw) become one finding (union-find over ids).  Its primary id is
chosen from every id in the group, the same way whatever the source: MAL- first,
then GHSA, then PYSEC, then CVE, then anything else (alphabetical within a
kind).  The merged finding takes the highest severity and score and the highest
of the fixed versions (the first version every record agrees is fixed).

Severity.UNKNOWN (no CVSS vector, no database severity, e.g. most PYSEC records
and everything from pip-audit) is kept as is in findings; ``wellcheck.policy``
ranks it as MEDIUM for ``--fail-on`` thresholds, and reports show "unknown".
"""

from __future__ import annotations

from collections.abc import Sequence

from packaging.version import InvalidVersion, Version

from wellcheck.advisories.bundled import check_bundled
from wellcheck.advisories.interface import Advisory, AdvisorySource, Pair, SourceResult
from wellcheck.checks import Check, CheckContext, CheckResult
from wellcheck.errors import SourceError
from wellcheck.models import Component, ComponentKind, Finding, Severity, SkippedCheck

_PREFERENCE = ("MAL-", "GHSA-", "PYSEC-", "CVE-")


def _rank(identifier: str) -> tuple[int, str]:
    for position, prefix in enumerate(_PREFERENCE):
        if identifier.startswith(prefix):
            return position, identifier
    return len(_PREFERENCE), identifier


def group_aliases(advisories: Sequence[Advisory]) -> list[list[Advisory]]:
    """Advisories that share an id or alias, grouped (union-find), in input order."""
    parent = list(range(len(advisories)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    for i, adv in enumerate(advisories):
        for ident in (adv.id, *adv.aliases):
            if ident in owner:
                parent[find(i)] = find(owner[ident])
            else:
                owner[ident] = i
    groups: dict[int, list[Advisory]] = {}
    for i, adv in enumerate(advisories):
        groups.setdefault(find(i), []).append(adv)
    return list(groups.values())


def _version_key(text: str) -> tuple[int, Version | str]:
    try:
        return 1, Version(text)
    except InvalidVersion:
        return 0, text


def merge_group(group: Sequence[Advisory]) -> Advisory:
    """One Advisory for a group of aliases (see the module docstring)."""
    ids = {ident for adv in group for ident in (adv.id, *adv.aliases)}
    primary = min(ids, key=_rank)
    own = next((a for a in group if a.id == primary), None)
    by_rank = sorted(group, key=lambda a: _rank(a.id))
    lead = own or next((a for a in by_rank if a.summary and a.summary != a.id), by_rank[0])
    fixes = [a.fixed for a in group if a.fixed]
    scores = [a.score for a in group if a.score is not None]
    malicious = any(a.malicious for a in group)
    return Advisory(
        id=primary,
        aliases=tuple(sorted(ids - {primary})),
        summary=lead.summary,
        details=lead.details,
        severity=Severity.CRITICAL if malicious else max(a.severity for a in group),
        score=max(scores) if scores else None,
        fixed=max(fixes, key=_version_key) if fixes else None,
        malicious=malicious,
        url=f"https://osv.dev/vulnerability/{primary}",
        published=min((a.published for a in group if a.published), default=None),
        modified=max((a.modified for a in group if a.modified), default=None),
    )


def _finding(component: Component, adv: Advisory) -> Finding:
    if adv.malicious:
        remediation = f"remove {component.name}: it is a known malicious package"
    elif adv.fixed:
        remediation = f"upgrade to {adv.fixed}"
    else:
        remediation = "no fixed version is known"
    return Finding(
        kind="malicious" if adv.malicious else "advisory",
        rule=adv.id,
        package=component.name,
        version=component.version,
        severity=adv.severity,
        title=adv.summary,
        location=component.display_location,
        id=adv.id,
        aliases=adv.aliases,
        fixed=adv.fixed,
        score=adv.score,
        evidence=adv.details,
        remediation=remediation,
        url=adv.url,
    )


class AdvisoryCheck(Check):
    """Known-bad check over any AdvisorySource (offline index, OSV API, pip-audit)."""

    def __init__(self, source: AdvisorySource) -> None:
        self.source = source
        self.name = source.name

    def run(self, components: Sequence[Component], context: CheckContext) -> CheckResult:
        queryable: list[Component] = []
        skipped: list[SkippedCheck] = []
        for component in components:
            if component.kind is ComponentKind.UNCLAIMED:
                continue
            if not component.version:
                skipped.append(SkippedCheck(self.name, "no version", component.name, None))
                continue
            queryable.append(component)
        pairs: list[Pair] = sorted({(c.name, c.version) for c in queryable})
        try:
            result = self.source.query(pairs) if pairs else SourceResult()
        except SourceError as exc:  # a source should not raise; never turn it into "clean"
            bundled = check_bundled(self.source, components, _merged, failed=str(exc))
            return CheckResult(
                skipped=(
                    *skipped,
                    *(SkippedCheck(self.name, str(exc), n, v) for n, v in pairs),
                    *bundled.skipped,
                )
            )
        findings: list[Finding] = []
        for component in queryable:
            found = result.advisories.get((component.name, component.version), ())
            findings.extend(_finding(component, adv) for adv in _merged(found))
        bundled = check_bundled(self.source, components, _merged)
        findings.extend(bundled.findings)
        findings.sort(key=lambda f: (-f.severity, f.package, f.version, f.rule, f.location))
        return CheckResult(
            tuple(findings),
            (*skipped, *result.skipped, *bundled.skipped),
            tuple(bundled.not_applicable),
        )


def _merged(advisories: Sequence[Advisory]) -> list[Advisory]:
    return [merge_group(group) for group in group_aliases(advisories)]

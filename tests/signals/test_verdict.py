"""WC-POISON-SUSPECT: one verdict per distribution from its signal findings."""

from __future__ import annotations

import pytest

from wellcheck.models import Finding, Severity
from wellcheck.signals.verdict import RULE, add_verdicts, shown_findings

C, H, M, L, INFO = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFO)


def sig(rule: str, severity: Severity, package: str = "pkg", confidence: str = "medium") -> Finding:
    return Finding(
        kind="signal",
        rule=rule,
        package=package,
        version="1.0",
        severity=severity,
        title=f"{rule} title",
        path=f"{package}/__init__.py",
        line=3,
        confidence=confidence,
    )


CASES = [
    # (evidence, expected verdict severity or None)
    ([sig("WC-CODE-DECODE-EXEC", C), sig("WC-CODE-IMPORT-SPAWN", M)], C),
    ([sig("WC-CODE-IMPORT-NETWORK", M), sig("WC-TYPO-NAME", M)], H),  # two families
    (
        [
            sig("WC-CODE-IMPORT-NETWORK", M, confidence="low"),
            sig("WC-TYPO-NAME", M, confidence="low"),
        ],
        M,
    ),
    ([sig("WC-CODE-OBFUSCATED", INFO), sig("WC-TYPO-NAME", L)], None),  # info + weak name: nothing
    ([sig("WC-CODE-IMPORT-WRITE", L), sig("WC-PTH-PATH", L)], L),  # grouped, not raised
    ([sig("WC-CODE-IMPORT-WRITE", L)], None),
    ([sig("WC-CODE-SINK", H), sig("WC-INTEG-MODIFIED", H)], C),
    ([sig("WC-CODE-DECODE-EXEC", C), sig("WC-TYPO-NAME", H)], C),  # capped
]


@pytest.mark.parametrize(("evidence", "expected"), CASES)
def test_the_verdict_is_the_evidence_raised_only_by_independent_families(
    evidence: list[Finding], expected: Severity | None
) -> None:
    verdicts = [f for f in add_verdicts(evidence) if f.rule == RULE]
    if expected is None:
        assert verdicts == []
        return
    [verdict] = verdicts
    assert verdict.severity is expected
    assert verdict.score is not None and verdict.package == "pkg"
    low, high = {C: (9, 10), H: (7, 8.9), M: (4, 6.9), L: (1, 3.9)}[expected]
    assert low <= verdict.score <= high
    assert evidence[0].rule in verdict.evidence


def test_advisories_and_unowned_findings_are_never_folded() -> None:
    advisory = Finding("advisory", "MAL-2024-1", "pkg", "1.0", C, "malicious")
    unowned = sig("WC-PTH-EXEC", H, package="")
    found = add_verdicts([advisory, unowned, sig("WC-CODE-DOWNLOAD-EXEC", C)])
    [verdict] = [f for f in found if f.rule == RULE]
    assert "MAL-2024-1" not in verdict.evidence
    assert {f.rule for f in shown_findings(found)} == {"MAL-2024-1", "WC-PTH-EXEC", RULE}


def test_one_line_per_package_with_the_top_evidence() -> None:
    details = [sig(f"WC-CODE-RULE{i}", H) for i in range(20)] + [sig("WC-TYPO-NAME", M, "other")]
    found = add_verdicts(details)
    shown = shown_findings(found)
    assert [f.rule for f in shown if f.package == "pkg"] == [RULE]
    [verdict] = [f for f in shown if f.package == "pkg"]
    assert "20 findings" in verdict.title and "and 17 more" in verdict.evidence
    assert [f.rule for f in shown if f.package == "other"] == [RULE]  # its own verdict (medium)

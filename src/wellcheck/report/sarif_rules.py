"""SARIF ``reportingDescriptor`` objects (rules) and levels, for :mod:`sarif_report`.

- one rule per advisory / WC- rule id, described by its most severe finding;
- ``properties.security-severity``: the CVSS score as a string; when no score is known, a
  representative score for the severity (critical 9.5, high 8.0, medium and unknown 5.5,
  low 2.0, info 0.0), so GitHub can rank it;
- texts escaped (:mod:`wellcheck.escape`): plain texts visible with no embedded link,
  ``help.markdown`` as Markdown, ``helpUri`` only when it is an http(s) URL.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from wellcheck.escape import http_url, md_link, md_text, sarif_text
from wellcheck.models import Finding, Severity
from wellcheck.report.common import finding_url

_LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.UNKNOWN: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
_NOMINAL_SCORE = {
    Severity.CRITICAL: 9.5,
    Severity.HIGH: 8.0,
    Severity.MEDIUM: 5.5,
    Severity.UNKNOWN: 5.5,
    Severity.LOW: 2.0,
    Severity.INFO: 0.0,
}


def level(severity: Severity) -> str:
    return _LEVEL[severity]


def security_severity(finding: Finding) -> float:
    return finding.score if finding.score is not None else _NOMINAL_SCORE[finding.severity]


def rules_for(findings: Iterable[Finding]) -> list[dict[str, Any]]:
    """One rule per id, sorted by id; the most severe finding of the id describes it."""
    best: dict[str, Finding] = {}
    titles: dict[str, set[str]] = {}
    for finding in findings:
        titles.setdefault(finding.rule, set()).add(finding.title)
        known = best.get(finding.rule)
        if known is None or security_severity(finding) > security_severity(known):
            best[finding.rule] = finding
    return [_rule(best[rule_id], len(titles[rule_id]) > 1) for rule_id in sorted(best)]


def _rule(finding: Finding, varied: bool) -> dict[str, Any]:
    """``varied``: the rule's findings have different titles (a signal about several
    packages), so the description names the rule rather than one package."""
    url = http_url(finding_url(finding))
    tags = ["security", "supply-chain", finding.kind]
    if finding.kind in {"advisory", "malicious"}:
        tags.append("vulnerability")
    text = f"wellcheck {finding.kind} signal {finding.rule}" if varied else finding.title
    text = text or finding.rule
    rule: dict[str, Any] = {
        "id": finding.rule,
        "name": _rule_name(finding),
        "shortDescription": {"text": sarif_text(text)},
        "fullDescription": {"text": sarif_text(text if varied else _full_description(finding))},
        "help": {
            "text": sarif_text((finding.remediation if not varied else "") or text),
            "markdown": _help_markdown(finding, url, text, varied),
        },
        "defaultConfiguration": {"level": level(finding.severity)},
        "properties": {
            "security-severity": f"{security_severity(finding):.1f}",
            "tags": tags,
            "precision": {"high": "high", "medium": "medium", "low": "low"}.get(
                finding.confidence or "", "very-high" if finding.id else "high"
            ),
        },
    }
    if url:
        rule["helpUri"] = url
    return rule


def _rule_name(finding: Finding) -> str:
    words = finding.kind.replace("-", " ").replace("_", " ").title().replace(" ", "")
    return f"{words}{''.join(ch for ch in finding.rule if ch.isalnum())}"


def _full_description(finding: Finding) -> str:
    parts = [finding.title or finding.rule]
    if finding.aliases:
        parts.append(f"Aliases: {', '.join(finding.aliases)}.")
    return " ".join(parts)


def _help_markdown(finding: Finding, url: str | None, text: str, varied: bool) -> str:
    rule = md_text(finding.rule)
    lines = [f"**{rule}**: {md_text(text)}" if text != finding.rule else f"**{rule}**"]
    if finding.remediation and not varied:
        lines.append(md_text(finding.remediation))
    if url:
        lines.append(md_link(url, url))
    return "\n\n".join(lines)

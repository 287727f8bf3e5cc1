"""``--format sarif``: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

- one ``rule`` per advisory / WC- rule id, with ``properties.security-severity``
  (the CVSS score as a string; when no score is known, a representative score for
  the severity: critical 9.5, high 8.0, medium and unknown 5.5, low 2.0, info 0.0);
- one ``result`` per finding, located at the component's metadata file relative to
  the artifact, whose path is the ``uriBaseId`` (``ARTIFACT1``, ``ARTIFACT2``...);
- ignored findings appear with an external ``suppression``;
- an incomplete scan or an unreadable artifact sets
  ``invocations[0].executionSuccessful`` to false and lists why in
  ``toolExecutionNotifications``;
- texts a viewer shows are escaped (:mod:`wellcheck.escape`): plain texts made visible
  with no embedded links, ``message.text`` with braces doubled, ``help.markdown`` as
  Markdown; links only to http(s) URLs.  ``properties`` keep the values as found.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

from wellcheck.escape import (
    http_url,
    json_safe,
    md_link,
    md_text,
    sarif_message,
    sarif_text,
    visible,
)
from wellcheck.models import ArtifactResult, Finding, ScanOutcome, Severity
from wellcheck.policy import Verdict
from wellcheck.report.common import (
    TOOL_NAME,
    finding_url,
    metadata_file,
    skipped_text,
    sorted_findings,
)
from wellcheck.report.interface import Reporter

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"

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


class SarifReporter(Reporter):
    name = "sarif"
    extension = ".sarif"

    def render(self, outcome: ScanOutcome, verdict: Verdict) -> str:
        text = json.dumps(sarif_log(outcome, verdict), indent=2, ensure_ascii=False)
        return json_safe(text) + "\n"


def sarif_log(outcome: ScanOutcome, verdict: Verdict) -> dict[str, Any]:
    from wellcheck import __version__

    rules = _rules(outcome)
    index = {rule["id"]: n for n, rule in enumerate(rules)}
    results: list[dict[str, Any]] = []
    bases: dict[str, Any] = {}
    for n, result in enumerate(outcome.results, 1):
        base = f"ARTIFACT{n}"
        bases[base] = {
            "uri": _base_uri(result.artifact.path),
            "description": {
                "text": sarif_text(f"{result.artifact.kind} artifact {result.artifact.path}")
            },
        }
        for finding in sorted_findings(result.findings):
            results.append(_result(result, finding, base, index))
        for finding in sorted_findings(result.ignored):
            entry = _result(result, finding, base, index)
            entry["suppressions"] = [
                {"kind": "external", "justification": "listed in the wellcheck ignore file"}
            ]
            results.append(entry)
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": TOOL_NAME,
                "version": __version__,
                "semanticVersion": __version__,
                "rules": rules,
            }
        },
        "invocations": [_invocation(outcome, verdict)],
        "originalUriBaseIds": bases,
        "results": results,
        "properties": {"verdict": verdict.summary, "failOn": str(verdict.fail_on)},
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def _base_uri(path: str) -> str:
    """The artifact as an absolute URI ending in '/' (SARIF 3.14.14), when it is a file."""
    if ":" in path and not Path(path).exists():  # pseudo-paths such as lambda:NAME
        return f"{quote(path, safe='')}/"
    uri = Path(path).resolve().as_uri()
    return uri if uri.endswith("/") else f"{uri}/"


def _rules(outcome: ScanOutcome) -> list[dict[str, Any]]:
    """One rule per id; the most severe finding of the id describes it."""
    best: dict[str, Finding] = {}
    titles: dict[str, set[str]] = {}
    for result in outcome.results:
        for finding in (*result.findings, *result.ignored):
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


def _result(
    result: ArtifactResult, finding: Finding, base: str, index: dict[str, int]
) -> dict[str, Any]:
    path = metadata_file(result, finding)
    message = f"{finding.package} {finding.version}: {finding.rule}"
    if finding.title:
        message += f": {finding.title}"
    message += f" (fixed in {finding.fixed})." if finding.fixed else "."
    location: dict[str, Any] = {
        "physicalLocation": {
            "artifactLocation": {"uri": quote(path, safe="/!@+"), "uriBaseId": base},
        },
        "logicalLocations": [
            {
                "name": visible(finding.package),
                "fullyQualifiedName": visible(f"{finding.package}=={finding.version}"),
            }
        ],
    }
    properties: dict[str, Any] = {
        "package": finding.package,
        "version": finding.version,
        "severity": str(finding.severity),
        "artifact": result.artifact.path,
    }
    for key in ("fixed", "score", "confidence"):
        value = getattr(finding, key)
        if value is not None:
            properties[key] = value
    if finding.aliases:
        properties["aliases"] = list(finding.aliases)
    if finding.evidence:
        properties["evidence"] = finding.evidence
    return {
        "ruleId": finding.rule,
        "ruleIndex": index[finding.rule],
        "level": level(finding.severity),
        "message": {"text": sarif_message(message)},
        "locations": [location],
        "partialFingerprints": {"wellcheckFinding/v1": _fingerprint(result, finding, path)},
        "properties": properties,
    }


def _fingerprint(result: ArtifactResult, finding: Finding, path: str) -> str:
    """Stable across runs and machines: rule, package, version, path inside the artifact."""
    key = "\0".join((finding.rule, finding.package, finding.version, path))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def _invocation(outcome: ScanOutcome, verdict: Verdict) -> dict[str, Any]:
    notifications: list[dict[str, Any]] = []
    for result in outcome.results:
        if result.error:
            notifications.append(
                {
                    "level": "error",
                    "message": {"text": sarif_message(f"{result.artifact.path}: {result.error}")},
                    "descriptor": {"id": "WC-INPUT-ERROR"},
                }
            )
        notifications.extend(
            {
                "level": "warning",
                "message": {
                    "text": sarif_message(f"{result.artifact.path}: not checked: {skipped_text(s)}")
                },
                "descriptor": {"id": "WC-NOT-CHECKED"},
            }
            for s in result.skipped
        )
        notifications.extend(
            {
                "level": "note",
                "message": {
                    "text": sarif_message(
                        f"{result.artifact.path}: not applicable: {skipped_text(s)}"
                    )
                },
                "descriptor": {"id": "WC-NOT-APPLICABLE"},
            }
            for s in result.not_applicable
        )
    notifications.extend(
        {"level": "note", "message": {"text": sarif_message(note)}} for note in outcome.notes
    )
    invocation: dict[str, Any] = {
        "executionSuccessful": not verdict.incomplete and not verdict.errors,
        "exitCode": int(verdict.status),
        "exitCodeDescription": verdict.summary,
    }
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    return invocation

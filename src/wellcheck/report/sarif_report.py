"""``--format sarif``: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

- one ``rule`` per advisory / WC- rule id (:mod:`wellcheck.report.sarif_rules`);
- one ``result`` per finding; ignored findings appear with an external ``suppression``;
- a result is located at the file it is about (``Finding.path``, with a ``region`` when
  the line is known), else at its component's metadata file, as a path *through the
  artifact*: ``dist/function.zip/python/requests-2.25.1.dist-info/METADATA``, relative
  to ``%SRCROOT%`` (the working directory; an artifact outside it gets an absolute
  ``file:`` URI).  GitHub ignores ``uriBaseId``, so the artifact is in the URI, in the
  message and in ``partialFingerprints`` (``wellcheckFinding/v2``: rule, package,
  version, artifact, path): the same package in two artifacts gives two alerts.
  ``run.artifacts`` lists each artifact with its kind and sha256;
- GitHub's limits: one run per file (20 are allowed) and at most 25,000 results per
  run.  Beyond that the most severe results are kept (suppressed ones last) and a
  ``WC-SARIF-TRUNCATED`` notification and ``properties.truncated`` say how many were
  left out; the json report always has them all;
- an incomplete scan or an unreadable artifact sets
  ``invocations[0].executionSuccessful`` to false and lists why in
  ``toolExecutionNotifications``;
- texts a viewer shows are escaped (:mod:`wellcheck.escape`): ``message.text`` plain,
  visible, with braces doubled and no embedded link.  ``properties`` keep the values as
  found.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import quote

from wellcheck.escape import json_safe, sarif_message, sarif_text, visible
from wellcheck.models import ArtifactResult, Finding, ScanOutcome
from wellcheck.policy import Verdict, severity_order
from wellcheck.report.common import (
    PROJECT_URL,
    TOOL_NAME,
    metadata_file,
    skipped_text,
    sorted_findings,
)
from wellcheck.report.interface import Reporter
from wellcheck.report.sarif_rules import level, rules_for

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SRCROOT = "%SRCROOT%"
#: GitHub code scanning rejects a run with more results (its rules are capped alike)
GITHUB_MAX_RESULTS = 25_000
FINGERPRINT = "wellcheckFinding/v2"
_URI_SAFE = "/!@+"  # kept as they are in a location URI; everything else is percent-encoded

Entry = tuple[ArtifactResult, Finding, bool]  # (artifact, finding, suppressed)


class SarifReporter(Reporter):
    name = "sarif"
    extension = ".sarif"

    def render(self, outcome: ScanOutcome, verdict: Verdict) -> str:
        text = json.dumps(sarif_log(outcome, verdict), indent=2, ensure_ascii=False)
        return json_safe(text) + "\n"


def sarif_log(
    outcome: ScanOutcome, verdict: Verdict, *, max_results: int = GITHUB_MAX_RESULTS
) -> dict[str, Any]:
    from wellcheck import __version__

    entries = [
        (result, finding, suppressed)
        for result in outcome.results
        for suppressed, findings in ((False, result.findings), (True, result.ignored))
        for finding in sorted_findings(findings)
    ]
    kept = _most_severe(entries, max_results)
    rules = rules_for(finding for _, finding, _ in kept)
    index = {rule["id"]: n for n, rule in enumerate(rules)}
    where = {
        result.artifact.path: artifact_prefix(result.artifact.path) for result in outcome.results
    }
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": TOOL_NAME,
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": PROJECT_URL,
                "rules": rules,
            }
        },
        "invocations": [_invocation(outcome, verdict, len(kept), len(entries))],
        "originalUriBaseIds": {SRCROOT: {"uri": _directory_uri(Path.cwd())}},
        "artifacts": [_artifact(result, where[result.artifact.path]) for result in outcome.results],
        "results": [_result(*entry, index, where[entry[0].artifact.path]) for entry in kept],
        "properties": {"verdict": verdict.summary, "failOn": str(verdict.fail_on)},
    }
    if len(kept) < len(entries):
        run["properties"]["truncated"] = {"kept": len(kept), "total": len(entries)}
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def _most_severe(entries: list[Entry], limit: int) -> list[Entry]:
    """At most ``limit`` entries: the most severe, unsuppressed first; in their order."""
    if len(entries) <= limit:
        return entries
    ranked = sorted(
        range(len(entries)),
        key=lambda n: (entries[n][2], severity_order(entries[n][1].severity)),
    )
    return [entries[n] for n in sorted(ranked[:limit])]


# --- locations --------------------------------------------------------------------------------


def _directory_uri(path: Path) -> str:
    uri = path.resolve().as_uri()
    return uri if uri.endswith("/") else f"{uri}/"


class Prefix(NamedTuple):
    """Where an artifact is, as the start of its location URIs."""

    uri: str  # relative to %SRCROOT% ('' for the working directory itself), or absolute
    relative: bool


def artifact_prefix(artifact: str) -> Prefix:
    """A relative path (or one under the working directory) stays relative to ``%SRCROOT%``;
    a pseudo-path such as ``lambda:NAME`` is one percent-encoded segment; any other
    absolute path is a ``file:`` URI."""
    if ":" in artifact and not Path(artifact).exists():  # lambda:NAME, layer:ARN
        return Prefix(quote(artifact, safe=""), True)
    path = Path(artifact)
    relative = _under_cwd(path)
    if relative is None:
        return Prefix(_directory_uri(path).rstrip("/"), False)
    return Prefix(quote(relative, safe=_URI_SAFE), True)


def artifact_location(prefix: Prefix, inner: str = "") -> dict[str, str]:
    """An ``artifactLocation`` for ``inner``, a path inside the artifact ('' for itself)."""
    parts = (prefix.uri, quote(inner, safe=_URI_SAFE))
    uri = "/".join(part for part in parts if part)
    if not prefix.relative:
        return {"uri": uri}
    return {"uri": uri or ".", "uriBaseId": SRCROOT}


def _under_cwd(path: Path) -> str | None:
    """``path`` relative to the working directory, posix ('' for it), or None if outside."""
    if not path.is_absolute():
        return "" if path.as_posix() == "." else path.as_posix()
    cwd = Path.cwd().resolve()
    resolved = path.resolve()
    if os.path.commonpath([cwd, resolved]) != str(cwd):
        return None
    relative = resolved.relative_to(cwd).as_posix()
    return "" if relative == "." else relative


def _artifact(result: ArtifactResult, prefix: Prefix) -> dict[str, Any]:
    info = result.artifact
    entry: dict[str, Any] = {
        "location": artifact_location(prefix),
        "description": {"text": sarif_text(f"{info.kind} artifact {info.path}")},
        "properties": {"kind": info.kind},
    }
    if info.sha256:
        entry["hashes"] = {"sha-256": info.sha256}
    if info.size is not None:
        entry["length"] = info.size
    return entry


# --- results ----------------------------------------------------------------------------------


def _result(
    result: ArtifactResult,
    finding: Finding,
    suppressed: bool,
    index: dict[str, int],
    prefix: Prefix,
) -> dict[str, Any]:
    inner = finding.path or metadata_file(result, finding)
    physical: dict[str, Any] = {"artifactLocation": artifact_location(prefix, inner)}
    if finding.path and finding.line:
        physical["region"] = {"startLine": finding.line}
    location: dict[str, Any] = {"physicalLocation": physical}
    if finding.package:
        location["logicalLocations"] = [
            {
                "name": visible(finding.package),
                "fullyQualifiedName": visible(f"{finding.package}=={finding.version}"),
            }
        ]
    entry: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": index[finding.rule],
        "level": level(finding.severity),
        "message": {"text": sarif_message(_message(result, finding))},
        "locations": [location],
        "partialFingerprints": {FINGERPRINT: _fingerprint(result, finding, inner)},
        "properties": _properties(result, finding),
    }
    if suppressed:
        why = finding.suppression
        reason = f"{why.reason} ({why.origin})" if why else "listed in the wellcheck ignore file"
        entry["suppressions"] = [{"kind": "external", "justification": sarif_text(reason)}]
    return entry


def _message(result: ArtifactResult, finding: Finding) -> str:
    """``requests 2.25.1 in dist/function.zip: GHSA-...: title (fixed in 2.31.0).``"""
    subject = f"{finding.package} {finding.version}".strip()
    where = f"{subject} in {result.artifact.path}" if subject else result.artifact.path
    message = f"{where}: {finding.rule}"
    if finding.title:
        message += f": {finding.title}"
    return message + (f" (fixed in {finding.fixed})." if finding.fixed else ".")


def _properties(result: ArtifactResult, finding: Finding) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "package": finding.package,
        "version": finding.version,
        "severity": str(finding.severity),
        "artifact": result.artifact.path,
    }
    optional = {
        "path": finding.path or None,
        "line": finding.line,
        "fixed": finding.fixed,
        "score": finding.score,
        "confidence": finding.confidence,
    }
    properties.update((key, value) for key, value in optional.items() if value is not None)
    if finding.aliases:
        properties["aliases"] = list(finding.aliases)
    if finding.evidence:
        properties["evidence"] = finding.evidence
    return properties


def _fingerprint(result: ArtifactResult, finding: Finding, inner: str) -> str:
    """Stable across runs and machines: rule, package, version, artifact, path inside it."""
    parts = (finding.rule, finding.package, finding.version, result.artifact.path, inner)
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()[:32]


# --- the invocation ---------------------------------------------------------------------------


def _notification(level_: str, ident: str | None, text: str) -> dict[str, Any]:
    note: dict[str, Any] = {"level": level_, "message": {"text": sarif_message(text)}}
    if ident:
        note["descriptor"] = {"id": ident}
    return note


def _invocation(outcome: ScanOutcome, verdict: Verdict, kept: int, total: int) -> dict[str, Any]:
    notifications: list[dict[str, Any]] = []
    for result in outcome.results:
        path = result.artifact.path
        if result.error:
            notifications.append(
                _notification("error", "WC-INPUT-ERROR", f"{path}: {result.error}")
            )
        notifications.extend(
            _notification("warning", "WC-NOT-CHECKED", f"{path}: not checked: {skipped_text(s)}")
            for s in result.skipped
        )
        notifications.extend(
            _notification("note", "WC-NOT-APPLICABLE", f"{path}: not applicable: {skipped_text(s)}")
            for s in result.not_applicable
        )
    notifications.extend(_notification("note", None, note) for note in outcome.notes)
    if kept < total:
        text = (
            f"{total - kept} of {total} results left out: GitHub code scanning accepts at "
            f"most {GITHUB_MAX_RESULTS:,} per run; the most severe are kept (the json "
            "report has every finding)"
        )
        notifications.append(_notification("warning", "WC-SARIF-TRUNCATED", text))
    invocation: dict[str, Any] = {
        "executionSuccessful": not verdict.incomplete and not verdict.errors,
        "exitCode": int(verdict.status),
        "exitCodeDescription": verdict.summary,
    }
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    return invocation

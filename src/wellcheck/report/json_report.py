"""``--format json``: the documented, stable report (schemas/wellcheck-report.schema.json).

Version 1.  New optional keys may be added within a version; nothing is
removed or renamed without bumping ``version``.
"""

from __future__ import annotations

import json
from typing import Any

from wellcheck.models import ArtifactResult, ScanOutcome
from wellcheck.policy import Verdict
from wellcheck.report.common import (
    artifact_dict,
    component_dict,
    finding_dict,
    skipped_dict,
    sorted_findings,
    tool_info,
    verdict_dict,
)
from wellcheck.report.interface import Reporter

REPORT_VERSION = 1


def report_dict(outcome: ScanOutcome, verdict: Verdict) -> dict[str, Any]:
    return {
        "version": REPORT_VERSION,
        "tool": tool_info(),
        "verdict": verdict_dict(verdict),
        "notes": list(outcome.notes),
        "artifacts": [_result_dict(result) for result in outcome.results],
    }


def _result_dict(result: ArtifactResult) -> dict[str, Any]:
    return {
        "artifact": artifact_dict(result.artifact),
        "error": result.error,
        "complete": result.complete,
        "components": [component_dict(c) for c in result.components],
        "findings": [finding_dict(f) for f in sorted_findings(result.findings)],
        "not_checked": [skipped_dict(s) for s in result.skipped],
        "ignored": [finding_dict(f) for f in sorted_findings(result.ignored)],
    }


class JsonReporter(Reporter):
    name = "json"
    extension = ".json"

    def render(self, outcome: ScanOutcome, verdict: Verdict) -> str:
        return json.dumps(report_dict(outcome, verdict), indent=2, ensure_ascii=False) + "\n"

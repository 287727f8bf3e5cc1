"""``--format json``: the documented, stable report (schemas/wellcheck-report.schema.json).

Version 1.  New optional keys may be added within a version; nothing is
removed or renamed without bumping ``version``.  ``shard`` (optional) is written by
``scan --shard K/N``: which shard the report holds and each artifact's position in
the whole argument list, so ``wellcheck merge`` can restore the order.
"""

from __future__ import annotations

import json
from typing import Any

from wellcheck.escape import json_safe
from wellcheck.models import ArtifactResult, ScanOutcome
from wellcheck.policy import Verdict
from wellcheck.report.common import (
    component_dict,
    finding_dict,
    ignored_dict,
    skipped_dict,
    sorted_findings,
    tool_info,
    verdict_dict,
)
from wellcheck.report.interface import Reporter, ReportOptions, ShardInfo

REPORT_VERSION = 1


def report_dict(
    outcome: ScanOutcome, verdict: Verdict, options: ReportOptions | None = None
) -> dict[str, Any]:
    report: dict[str, Any] = {
        "version": REPORT_VERSION,
        "tool": tool_info(),
        "verdict": verdict_dict(verdict),
        "notes": list(outcome.notes),
        "artifacts": [result_dict(result) for result in outcome.results],
    }
    if options is not None and options.shard is not None:
        report["shard"] = shard_dict(options.shard, positions(outcome, options))
    return report


def positions(outcome: ScanOutcome, options: ReportOptions) -> list[int]:
    """Each result's argument position (its index when the options do not tell)."""
    if len(options.positions) == len(outcome.results):
        return list(options.positions)
    return list(range(len(outcome.results)))


def shard_dict(shard: ShardInfo, where: list[int]) -> dict[str, Any]:
    return {"index": shard.index, "count": shard.count, "total": shard.total, "positions": where}


def result_dict(result: ArtifactResult) -> dict[str, Any]:
    return {
        "artifact": result.artifact.as_dict(),
        "error": result.error,
        "complete": result.complete,
        "components": [component_dict(c) for c in result.components],
        "findings": [finding_dict(f) for f in sorted_findings(result.findings)],
        "not_checked": [skipped_dict(s) for s in result.skipped],
        "not_applicable": [skipped_dict(s) for s in result.not_applicable],
        "ignored": [ignored_dict(f) for f in sorted_findings(result.ignored)],
    }


class JsonReporter(Reporter):
    name = "json"
    extension = ".json"

    def render(self, outcome: ScanOutcome, verdict: Verdict) -> str:
        report = report_dict(outcome, verdict, self.options)
        return json_safe(json.dumps(report, indent=2, ensure_ascii=False)) + "\n"

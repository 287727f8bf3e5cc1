"""``--format jsonl``: one JSON object per line, streamed as each artifact finishes.

Line types (the ``type`` key; every line is one complete JSON object):

- ``"artifact"``: one per scanned artifact, in the order they *finish* (with
  ``--jobs`` > 1 that is not the order given; ``position`` tells it).  The keys of
  the json report's ``artifacts[]`` items (``artifact``, ``error``, ``complete``,
  ``components``, ``findings``, ``not_checked``, ``not_applicable``, ``ignored``),
  plus ``position`` (the argument's 0-based position in the whole list given to
  ``scan``, shards included) and ``verdict``: this artifact's own verdict (same keys
  as the report verdict).
- ``"summary"``: always the last line: ``version``, ``tool``, ``verdict`` (for the
  whole scan: the exit status), ``notes``, ``artifacts`` (how many artifact lines
  came before) and, with ``--shard``, ``shard`` (``index``, ``count``, ``total``).

A stream without its summary line was cut short (the scan was killed): ``wellcheck
merge`` refuses it.
"""

from __future__ import annotations

import json
from typing import Any

from wellcheck.escape import json_safe
from wellcheck.models import ArtifactResult, ScanOutcome
from wellcheck.policy import Verdict, decide
from wellcheck.report.common import tool_info, verdict_dict
from wellcheck.report.interface import Reporter, ShardInfo
from wellcheck.report.json_report import REPORT_VERSION, positions, result_dict


def dumps_line(obj: dict[str, Any]) -> str:
    return json_safe(json.dumps(obj, ensure_ascii=False, separators=(",", ":"))) + "\n"


def artifact_line(position: int, result: ArtifactResult, verdict: Verdict) -> str:
    """One artifact's line; ``verdict`` is :func:`artifact_verdict` of it."""
    line: dict[str, Any] = {"type": "artifact", "position": position}
    line.update(result_dict(result))
    line["verdict"] = verdict_dict(verdict)
    return dumps_line(line)


def artifact_verdict(result: ArtifactResult, verdict_of_scan: Verdict) -> Verdict:
    """The verdict this artifact alone would get, at the scan's threshold."""
    return decide(ScanOutcome((result,)), verdict_of_scan.fail_on)


def summary_line(outcome: ScanOutcome, verdict: Verdict, shard: ShardInfo | None = None) -> str:
    line: dict[str, Any] = {
        "type": "summary",
        "version": REPORT_VERSION,
        "tool": tool_info(),
        "verdict": verdict_dict(verdict),
        "notes": list(outcome.notes),
        "artifacts": len(outcome.results),
    }
    if shard is not None:
        line["shard"] = {"index": shard.index, "count": shard.count, "total": shard.total}
    return dumps_line(line)


class JsonlReporter(Reporter):
    """The whole stream at once (``wellcheck merge --format jsonl``; ``scan`` streams)."""

    name = "jsonl"
    extension = ".jsonl"

    def render(self, outcome: ScanOutcome, verdict: Verdict) -> str:
        where = positions(outcome, self.options)
        lines = [
            artifact_line(p, r, artifact_verdict(r, verdict))
            for p, r in zip(where, outcome.results, strict=True)
        ]
        return "".join(lines) + summary_line(outcome, verdict, self.options.shard)

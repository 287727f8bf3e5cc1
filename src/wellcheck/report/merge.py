"""``wellcheck merge``: the json/jsonl results of several scans (shards) as one outcome.

- Results keep the order of the original argument list when every input records
  positions (``scan --shard`` json reports, any jsonl stream); otherwise they are
  concatenated in the order the inputs are given.
- Shards are checked: the same ``N`` and list size everywhere, each ``K`` once, and
  none missing (a missing shard is part of the fleet nobody scanned: an error,
  never a smaller clean report).
- Notes are kept once each.  "ignore entry ... matched no finding" is kept only when
  every input says it: the entry may have matched in another shard.

The verdict is not merged: the caller decides it again from the merged outcome
(:func:`wellcheck.policy.decide`), so exit codes mean what they mean for ``scan``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from wellcheck.models import ArtifactResult, ScanOutcome
from wellcheck.policy import FailOn
from wellcheck.report.json_load import LoadedReport, ReportInputError

UNUSED_IGNORE_NOTE = "matched no finding"


@dataclass(frozen=True)
class Merged:
    outcome: ScanOutcome
    fail_on: FailOn | None  # the inputs' common threshold; None when they disagree


def merge_reports(reports: Sequence[LoadedReport]) -> Merged:
    if not reports:
        raise ReportInputError("merge needs at least one report")
    _check_shards(reports)
    results = _ordered(reports)
    levels = {report.fail_on for report in reports}
    fail_on = levels.pop() if len(levels) == 1 else None
    return Merged(ScanOutcome(tuple(results), _notes(reports)), fail_on)


def _check_shards(reports: Sequence[LoadedReport]) -> None:
    sharded = [r for r in reports if r.shard is not None]
    if not sharded:
        return
    if len(sharded) != len(reports):
        plain = next(r.source for r in reports if r.shard is None)
        raise ReportInputError(f"{plain} is not a shard, but other inputs are: merge shards only")
    shapes = {(r.shard.count, r.shard.total) for r in sharded if r.shard is not None}
    if len(shapes) != 1:
        raise ReportInputError("the shards come from different splits (K/N or argument lists)")
    ((count, _),) = shapes
    seen: dict[int, str] = {}
    for report in sharded:
        assert report.shard is not None
        index = report.shard.index
        if index in seen:
            raise ReportInputError(
                f"shard {index}/{count} given twice ({seen[index]} and {report.source})"
            )
        seen[index] = report.source
    missing = [f"{k}/{count}" for k in range(1, count + 1) if k not in seen]
    if missing:
        raise ReportInputError(f"shard(s) {', '.join(missing)} missing: not all was scanned")


def _ordered(reports: Sequence[LoadedReport]) -> list[ArtifactResult]:
    if any(report.positions is None for report in reports):
        return [result for report in reports for result in report.outcome.results]
    keyed = [
        (position, result)
        for report in reports
        for position, result in zip(report.positions or (), report.outcome.results, strict=True)
    ]
    keyed.sort(key=lambda pair: pair[0])  # stable: a lambda:* keeps its functions' order
    return [result for _, result in keyed]


def _notes(reports: Sequence[LoadedReport]) -> tuple[str, ...]:
    notes: dict[str, None] = {}
    for report in reports:
        for note in report.outcome.notes:
            if note.endswith(UNUSED_IGNORE_NOTE) and not all(
                note in other.outcome.notes for other in reports
            ):
                continue
            notes.setdefault(note)
    return tuple(notes)

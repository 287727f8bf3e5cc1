"""VEX statements applied to a scan: findings they clear move to ``ignored``.

A finding is matched by id or alias and by package (and version, when the statement
gives one), as an ignore entry matches it.  When several statements match one finding:

- all of them clear it (not_affected, false_positive, resolved...): it is ignored, and
  the most recent statement (the last one given, among equals) is the reason;
- none clears it (exploitable / affected, in_triage / under_investigation): it stays;
- they disagree: the most recent one decides, as VEX statements override the earlier
  ones; when that cannot be told (a statement without a time, or a tie), the finding
  stays and a note names the statements (an unclear VEX never hides a finding).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from wellcheck.models import ArtifactResult, Finding, ScanOutcome
from wellcheck.vex.model import VexDocument, VexStatement

Index = dict[str, list[tuple[int, VexStatement]]]  # casefolded id -> (order given, statement)


def apply_vex(outcome: ScanOutcome, documents: Sequence[VexDocument]) -> ScanOutcome:
    """Move the findings the ``documents`` clear to ``ignored``; notes say what was not
    applied and which findings stayed because their statements disagree."""
    notes = [note for document in documents for note in document.notes]
    index: Index = {}
    given = (statement for document in documents for statement in document.statements)
    for order, statement in enumerate(given):
        for ident in {i.casefold() for i in statement.ids}:
            index.setdefault(ident, []).append((order, statement))
    results = tuple(_apply(result, index, notes) for result in outcome.results)
    return ScanOutcome(results, (*outcome.notes, *dict.fromkeys(notes)))


def _apply(result: ArtifactResult, index: Index, notes: list[str]) -> ArtifactResult:
    if not index:
        return result
    kept: list[Finding] = []
    ignored = list(result.ignored)
    for finding in result.findings:
        matching = _matching(finding, index)
        deciding = _deciding(matching)
        if deciding is not None and deciding.suppresses:
            ignored.append(replace(finding, suppression=deciding.suppression()))
            continue
        if deciding is None and matching:
            origins = "; ".join(s.origin for s in matching)
            notes.append(
                f"VEX statements about {finding.rule} in {finding.package} {finding.version} "
                f"disagree and cannot be ordered in time ({origins}): the finding is kept"
            )
        kept.append(finding)
    return replace(result, findings=tuple(kept), ignored=tuple(ignored))


def _matching(finding: Finding, index: Index) -> list[VexStatement]:
    """The statements about the finding (by id or alias) and its package, in the order given."""
    ids = (finding.rule, finding.id or "", *finding.aliases)
    found: dict[int, VexStatement] = {}  # by the order given
    for ident in {i.casefold() for i in ids if i}:
        for order, statement in index.get(ident, ()):
            if order not in found and statement.covers(finding):
                found[order] = statement
    return [found[order] for order in sorted(found)]


def _deciding(statements: list[VexStatement]) -> VexStatement | None:
    """The statement that decides, or None (none match, or they disagree unordered)."""
    if not statements:
        return None
    stamps = [s.timestamp for s in statements if s.timestamp is not None]
    if len(stamps) < len(statements):  # not every statement has a time
        agree = len({s.suppresses for s in statements}) == 1
        return statements[-1] if agree else None
    latest = max(stamps)
    newest = [s for s in statements if s.timestamp == latest]
    return newest[-1] if len({s.suppresses for s in newest}) == 1 else None

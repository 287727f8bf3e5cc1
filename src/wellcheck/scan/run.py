"""A whole scan: the selected artifacts (here or in worker processes), then the policy.

``scan_run`` reads the ignore file and the VEX documents, builds the checks
(``checks.build_checks``), scans each artifact (``target.scan_target``; many at once
through ``workers``; ``lambda:`` targets through ``remote``), applies the ignores and the
VEX statements, then the listing filters (``--severity``, ``--ignore-unfixed``), and
decides the verdict.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from wellcheck.checks import Check
from wellcheck.cpus import usable_cpus
from wellcheck.models import ArtifactResult, ScanOutcome
from wellcheck.policy import (
    IgnoreRule,
    Verdict,
    apply_ignores,
    apply_listing,
    decide,
    load_ignore_file,
)
from wellcheck.scan.checks import build_checks, close_sources, prepare_index, source_notes
from wellcheck.scan.options import ResultCallback, ScanOptions, ScanTarget
from wellcheck.scan.target import scan_target
from wellcheck.scan.workers import picklable, scan_with_workers, worth_processes
from wellcheck.vex import VexDocument, apply_vex, load_vex

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScanRun:
    outcome: ScanOutcome
    verdict: Verdict
    origins: tuple[int, ...]  # per result: its argument's position in options.artifacts


def run_scan(
    options: ScanOptions,
    checks: Sequence[Check] | None = None,
    *,
    on_result: ResultCallback | None = None,
) -> tuple[ScanOutcome, Verdict]:
    """Scan, apply the ignore file, decide the verdict (see :func:`scan_run`)."""
    run = scan_run(options, checks, on_result=on_result)
    return run.outcome, run.verdict


def scan_run(
    options: ScanOptions,
    checks: Sequence[Check] | None = None,
    *,
    on_result: ResultCallback | None = None,
) -> ScanRun:
    """Scan the artifacts (of ``options.shard`` only, when set), apply the ignore file,
    decide the verdict.  Results come in the order the artifacts were given, whatever
    ``options.jobs``; ``on_result`` sees each one as it finishes.

    ``checks`` defaults to :func:`build_checks` (the ignore file and the VEX documents
    are read first, so a bad one is a usage error before any work is done), after the
    first-run download of a missing offline index (:func:`prepare_index`; the CLI calls
    it first, with a progress bar).  Worker processes are used only then: given check
    objects are run here, in this process.
    """
    rules = load_ignore_file(options.ignore_file) if options.ignore_file else ()
    vex = tuple(load_vex(path) for path in options.vex)
    owned = checks is None  # sources opened here are closed here; callers close their own
    if checks is None:
        options = prepare_index(options)
        checks = build_checks(options)

    def emit(origin: int, result: ArtifactResult) -> None:
        if on_result is not None:
            shown = apply_listing(_suppress(ScanOutcome((result,)), rules, vex), options.listing)
            on_result(origin, shown.results[0])

    try:
        with tempfile.TemporaryDirectory(prefix="wellcheck-") as workdir:
            pairs = _scan_selected(options, checks, owned, Path(workdir), emit)
    finally:
        if owned:
            close_sources(checks)
    notes = tuple(source_notes(checks))
    for note in notes:  # once, here: worker processes open their own sources too
        log.warning("%s", note.removeprefix("WARNING: "))
    outcome = _suppress(ScanOutcome(tuple(r for _, r in pairs), notes), rules, vex)
    outcome = apply_listing(outcome, options.listing)
    return ScanRun(outcome, decide(outcome, options.fail_on), tuple(o for o, _ in pairs))


def _suppress(
    outcome: ScanOutcome, rules: Sequence[IgnoreRule], vex: Sequence[VexDocument]
) -> ScanOutcome:
    """The ignore file first, then the VEX statements, on what is left."""
    return apply_vex(apply_ignores(outcome, rules), vex) if vex else apply_ignores(outcome, rules)


def _scan_selected(
    options: ScanOptions,
    checks: Sequence[Check],
    may_fork: bool,
    workdir: Path,
    emit: ResultCallback,
) -> list[tuple[int, ArtifactResult]]:
    """(argument position, result) for the selected arguments, in the order given."""
    total = len(options.artifacts)
    positions = options.shard.positions(total) if options.shard else range(total)
    chosen = [(p, options.artifacts[p]) for p in positions]
    local = [(p, a) for p, a in chosen if not _is_remote(a)]
    remote = [(p, a) for p, a in chosen if _is_remote(a)]
    jobs = min(options.jobs or usable_cpus(), len(local))
    paths = [a for _, a in local]
    if (
        jobs > 1
        and may_fork
        and worth_processes(paths, options.parallel_min_bytes)
        and picklable(options)
    ):
        found = scan_with_workers(paths, options, jobs, lambda n, r: emit(local[n][0], r))
        pairs = [(p, r) for (p, _), r in zip(local, found, strict=True)]
    else:
        pairs = []
        for position, path in local:
            result = scan_target(ScanTarget(path), checks, options.limits)
            emit(position, result)
            pairs.append((position, result))
    for position, target in _lambda_targets(remote, options, workdir):
        result = scan_target(target, checks, options.limits)
        emit(position, result)
        pairs.append((position, result))
    pairs.sort(key=lambda pair: pair[0])  # stable: a lambda:* keeps its functions' order
    return pairs


def _lambda_targets(
    args: Sequence[tuple[int, str]], options: ScanOptions, workdir: Path
) -> Iterator[tuple[int, ScanTarget]]:
    if not args:
        return iter(())
    from wellcheck.scan.remote import lambda_targets

    return lambda_targets(args, options, workdir)


def _is_remote(argument: str) -> bool:
    return argument.startswith(("lambda:", "layer:"))

"""Scan orchestration: artifact -> inventory -> checks -> policy.

Each artifact is opened once and kept open while the checks run, so file-level
checks (integrity) can read its trees.  An artifact that cannot be opened or
read is an input error *for that artifact*: it is reported and the others are
still scanned.  A check that raises SourceError (or a network OSError) is turned
into a SkippedCheck (fail closed: "not checked", never clean).
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from wellcheck.artifact.base import OpenedArtifact
from wellcheck.artifact.limits import DEFAULT_LIMITS, Limits
from wellcheck.checks import Check, CheckContext
from wellcheck.errors import ArtifactError, MetadataError, SourceError
from wellcheck.models import (
    ArtifactInfo,
    ArtifactResult,
    Component,
    Finding,
    ScanOutcome,
    SkippedCheck,
)
from wellcheck.parallel import (
    PARALLEL_MIN_BYTES,
    Shard,
    picklable,
    scan_with_workers,
    usable_cpus,
    worth_processes,
)
from wellcheck.policy import (
    FailOn,
    Verdict,
    apply_ignores,
    decide,
    load_ignore_file,
    severity_order,
)
from wellcheck.scan_checks import build_checks, close_sources, source_notes

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScanOptions:
    """Everything ``wellcheck scan`` was asked to do (built once by the CLI)."""

    artifacts: tuple[str, ...]
    limits: Limits = DEFAULT_LIMITS
    fail_on: FailOn = FailOn.HIGH
    ignore_file: Path | None = None
    advisories: bool = True  # False: --no-advisories
    source: str = "osv-offline"  # one of scan_checks.ADVISORY_SOURCES
    db: Path | None = None  # the offline index (else WELLCHECK_DB / the cache dir)
    offline: bool = False  # no network: online sources and PyPI lookups are "not checked"
    signals: bool = True  # run the offline signal checks (typosquat, integrity)
    pypi: bool = False  # PyPI metadata signals (online; with offline=True, the cache only)
    typosquat_allow: tuple[str, ...] = ()  # legitimate near-names (config)
    internal_packages: frozenset[str] = frozenset()  # never looked up on PyPI (config)
    cooldown_days: float = 7.0  # "too fresh" threshold for the PyPI signals (config)
    expect: Path | None = None  # lambda: targets: the zip or SBOM CI built (CodeSha256)
    region: str | None = None  # lambda: targets: AWS region (else the usual AWS settings)
    extra_checks: tuple[Check, ...] = field(default_factory=tuple)
    jobs: int | None = None  # processes to use, at most (None: the CPU count; 1: this one)
    parallel_min_bytes: int = PARALLEL_MIN_BYTES  # less to read: one process is faster
    shard: Shard | None = None  # scan only this shard of the artifacts (--shard K/N)
    hash_workers: int | None = None  # integrity hashing processes (None: as many as jobs)
    baseline: Path | None = None  # owners baseline for the PyPI signals (--baseline)
    verify_upstream: bool = False  # compare installed files with PyPI's wheels


Opener = Callable[[str, Limits], OpenedArtifact]


@dataclass(frozen=True)
class ScanTarget:
    """One thing to scan, for routes that prepare artifacts first (e.g. ``lambda:NAME``)."""

    path: str  # what to open
    label: str | None = None  # what reports call it (default: path)
    checks: tuple[Check, ...] = ()  # run on this target only, after the common checks
    error: str | None = None  # it already failed (e.g. download): reported as an input error
    skipped: tuple[SkippedCheck, ...] = ()  # already known to be not checked


def scan_artifacts(
    paths: Iterable[str | ScanTarget],
    checks: Sequence[Check],
    limits: Limits = DEFAULT_LIMITS,
    *,
    opener: Opener | None = None,
) -> ScanOutcome:
    """Inventory every artifact and run every check on it; never raises for bad artifacts.

    ``opener`` defaults to :func:`wellcheck.artifact.open_artifact` (tests and
    remote routes may pass their own).
    """
    targets = (p if isinstance(p, ScanTarget) else ScanTarget(p) for p in paths)
    return ScanOutcome(tuple(scan_target(t, checks, limits, opener=opener) for t in targets))


def scan_artifact(
    path: str, checks: Sequence[Check], limits: Limits, *, opener: Opener | None = None
) -> ArtifactResult:
    return scan_target(ScanTarget(path), checks, limits, opener=opener)


def scan_target(
    target: ScanTarget, checks: Sequence[Check], limits: Limits, *, opener: Opener | None = None
) -> ArtifactResult:
    label = target.label or target.path
    if target.error is not None:
        info = ArtifactInfo(path=label, kind="unknown")
        return ArtifactResult(info, (), skipped=target.skipped, error=target.error)
    if not target.path:  # nothing to open (e.g. an image-packaged function): own checks only
        info = ArtifactInfo(path=label, kind="unknown")
        findings: list[Finding] = []
        skipped = list(target.skipped)
        for check in target.checks:
            found, missed = _run_check(check, (), CheckContext(artifact=info))
            findings.extend(found)
            skipped.extend(missed)
        return ArtifactResult(info, (), tuple(sort_findings(findings)), tuple(skipped))
    result = _open_and_check(target.path, (*checks, *target.checks), limits, opener)
    if label != result.artifact.path or target.skipped:
        result = replace(
            result,
            artifact=replace(result.artifact, path=label),
            skipped=(*target.skipped, *result.skipped),
        )
    return result


def _open_and_check(
    path: str, checks: Sequence[Check], limits: Limits, opener: Opener | None
) -> ArtifactResult:
    from wellcheck.artifact.sbomfile import listed_components
    from wellcheck.inventory import collect
    from wellcheck.scan_sbom import checks_for_sbom

    if opener is None:
        from wellcheck.artifact import open_artifact

        opener = open_artifact

    info = ArtifactInfo(path=path, kind="unknown")
    components: list[Component] = []
    findings: list[Finding] = []
    skipped: list[SkippedCheck] = []
    not_applicable: list[SkippedCheck] = []
    try:
        with opener(path, limits) as opened:
            info = opened.info
            listed = listed_components(opened)
            if listed is not None:  # an SBOM: its components, no files (see scan_sbom)
                components.extend(listed)
                checks, skipped, not_applicable = checks_for_sbom(checks, opened)
            for tree in opened.trees:
                components.extend(collect(tree, artifact_python=info.python_version))
            skipped.extend(
                SkippedCheck(source="inventory", reason=f"nested archive not opened: {what}")
                for what in opened.not_scanned
            )
            context = CheckContext(artifact=info, trees=tuple(opened.trees))
            for check in checks:
                result = _run_check(check, components, context)
                findings.extend(result[0])
                skipped.extend(result[1])
    except (ArtifactError, MetadataError, OSError) as exc:
        log.debug("artifact %s failed", path, exc_info=True)
        error: str | None = _describe(exc)
    else:
        error = None
    return ArtifactResult(
        artifact=info,
        components=tuple(components),
        findings=tuple(sort_findings(findings)),
        skipped=tuple(skipped),
        error=error,
        not_applicable=tuple(not_applicable),
    )


def _run_check(
    check: Check, components: Sequence[Component], context: CheckContext
) -> tuple[tuple[Finding, ...], tuple[SkippedCheck, ...]]:
    try:
        result = check.run(components, context)
    except (SourceError, OSError) as exc:  # should have been SkippedCheck: fail closed
        log.debug("check %s raised", check.name, exc_info=True)
        return (), (SkippedCheck(source=check.name, reason=str(exc)),)
    return result.findings, result.skipped


def _describe(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        name = exc.filename if exc.filename is not None else ""
        return f"{exc.strerror}: {name}" if name else exc.strerror
    return str(exc) or type(exc).__name__


def sort_findings(findings: Sequence[Finding]) -> list[Finding]:
    """Most severe first, then by package, version and rule: stable report order."""
    return sorted(
        findings, key=lambda f: (severity_order(f.severity), f.package, f.version, f.rule)
    )


#: called as each artifact finishes: (argument position, result with the ignore file applied)
ResultCallback = Callable[[int, ArtifactResult], None]


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

    ``checks`` defaults to :func:`build_checks` (the ignore file is read first, so a
    bad ignore file is a usage error before any work is done).  Worker processes are
    used only then: given check objects are run here, in this process.
    """
    rules = load_ignore_file(options.ignore_file) if options.ignore_file else ()
    owned = checks is None  # sources opened here are closed here; callers close their own
    if checks is None:
        checks = build_checks(options)

    def emit(origin: int, result: ArtifactResult) -> None:
        if on_result is not None:
            on_result(origin, apply_ignores(ScanOutcome((result,)), rules).results[0])

    try:
        with tempfile.TemporaryDirectory(prefix="wellcheck-") as workdir:
            pairs = _scan_selected(options, checks, owned, Path(workdir), emit)
    finally:
        if owned:
            close_sources(checks)
    notes = tuple(source_notes(checks))
    outcome = apply_ignores(ScanOutcome(tuple(r for _, r in pairs), notes), rules)
    return ScanRun(outcome, decide(outcome, options.fail_on), tuple(o for o, _ in pairs))


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
    from wellcheck.scan_lambda import lambda_targets

    return lambda_targets(args, options, workdir)


def _is_remote(argument: str) -> bool:
    return argument.startswith(("lambda:", "layer:"))

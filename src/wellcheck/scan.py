"""Scan orchestration: artifact -> inventory -> checks -> policy.

Each artifact is opened once and kept open while the checks run, so file-level
checks (integrity) can read its trees.  An artifact that cannot be opened or
read is an input error *for that artifact*: it is reported and the others are
still scanned.  A check that raises SourceError (or a network OSError) is turned
into a SkippedCheck (fail closed: "not checked", never clean).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from wellcheck.artifact.base import OpenedArtifact
from wellcheck.artifact.limits import DEFAULT_LIMITS, Limits
from wellcheck.checks import Check, CheckContext, CheckResult
from wellcheck.errors import ArtifactError, MetadataError, SourceError, WellcheckError
from wellcheck.models import (
    ArtifactInfo,
    ArtifactResult,
    Component,
    Finding,
    ScanOutcome,
    SkippedCheck,
)
from wellcheck.policy import FailOn, Verdict, apply_ignores, decide, load_ignore_file

if TYPE_CHECKING:
    from wellcheck.advisories.interface import AdvisorySource

log = logging.getLogger(__name__)

ADVISORY_SOURCES = ("osv-offline", "osv-api", "pip-audit")


@dataclass(frozen=True)
class ScanOptions:
    """Everything ``wellcheck scan`` was asked to do (built once by the CLI)."""

    artifacts: tuple[str, ...]
    limits: Limits = DEFAULT_LIMITS
    fail_on: FailOn = FailOn.HIGH
    ignore_file: Path | None = None
    advisories: bool = True  # False: --no-advisories
    source: str = "osv-offline"  # one of ADVISORY_SOURCES
    db: Path | None = None  # the offline index (else WELLCHECK_DB / the cache dir)
    offline: bool = False  # no network: online sources and PyPI lookups are "not checked"
    signals: bool = True  # run the offline signal checks (typosquat, integrity)
    pypi: bool = False  # PyPI metadata signals (online; with offline=True, the cache only)
    extra_checks: tuple[Check, ...] = field(default_factory=tuple)


Opener = Callable[[str, Limits], OpenedArtifact]


def scan_artifacts(
    paths: Sequence[str],
    checks: Sequence[Check],
    limits: Limits = DEFAULT_LIMITS,
    *,
    opener: Opener | None = None,
) -> ScanOutcome:
    """Inventory every artifact and run every check on it; never raises for bad artifacts.

    ``opener`` defaults to :func:`wellcheck.artifact.open_artifact` (tests and
    remote routes such as ``lambda:NAME`` may pass their own).
    """
    return ScanOutcome(tuple(scan_artifact(path, checks, limits, opener=opener) for path in paths))


def scan_artifact(
    path: str, checks: Sequence[Check], limits: Limits, *, opener: Opener | None = None
) -> ArtifactResult:
    from wellcheck.inventory import collect

    if opener is None:
        from wellcheck.artifact import open_artifact

        opener = open_artifact

    info = ArtifactInfo(path=path, kind="unknown")
    components: list[Component] = []
    findings: list[Finding] = []
    skipped: list[SkippedCheck] = []
    try:
        with opener(path, limits) as opened:
            info = opened.info
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
        return ArtifactResult(
            artifact=info,
            components=tuple(components),
            findings=tuple(sort_findings(findings)),
            skipped=tuple(skipped),
            error=_describe(exc),
        )
    return ArtifactResult(
        artifact=info,
        components=tuple(components),
        findings=tuple(sort_findings(findings)),
        skipped=tuple(skipped),
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
    return sorted(findings, key=lambda f: (-int(f.severity), f.package, f.version, f.rule))


def run_scan(
    options: ScanOptions, checks: Sequence[Check] | None = None
) -> tuple[ScanOutcome, Verdict]:
    """Scan, apply the ignore file, decide the verdict.

    ``checks`` defaults to :func:`build_checks` (the ignore file is read first, so a
    bad ignore file is a usage error before any work is done).
    """
    rules = load_ignore_file(options.ignore_file) if options.ignore_file else ()
    owned = checks is None  # sources opened here are closed here; callers close their own
    if checks is None:
        checks = build_checks(options)
    try:
        outcome = scan_artifacts(options.artifacts, checks, options.limits)
    finally:
        if owned:
            _close_sources(checks)
    notes = tuple(_source_notes(checks))
    outcome = apply_ignores(ScanOutcome(outcome.results, (*notes, *outcome.notes)), rules)
    return outcome, decide(outcome, options.fail_on)


def _source_notes(checks: Sequence[Check]) -> Iterator[str]:
    """Warnings a source wants in the report (e.g. a stale advisory index)."""
    for check in checks:
        warning = getattr(getattr(check, "source", None), "stale_warning", None)
        if isinstance(warning, str) and warning:
            yield warning


def _close_sources(checks: Sequence[Check]) -> None:
    for check in checks:
        close = getattr(getattr(check, "source", None), "close", None)
        if callable(close):
            close()


def build_checks(options: ScanOptions) -> list[Check]:
    """The advisory check for the chosen source, then the offline signal checks."""
    checks: list[Check] = []
    if options.advisories:
        checks.append(advisory_check(options))
    if options.signals:
        checks.extend(signal_checks())
    if options.pypi:
        checks.append(pypi_check(options))
    checks.extend(options.extra_checks)
    return checks


class UnavailableCheck(Check):
    """Stands in for a check that cannot run at all: everything is "not checked"."""

    def __init__(self, name: str, reason: str) -> None:
        self.name = name
        self.reason = reason

    def run(self, components: Sequence[Component], context: CheckContext) -> CheckResult:
        return CheckResult(skipped=(SkippedCheck(source=self.name, reason=self.reason),))


def advisory_check(options: ScanOptions) -> Check:
    """AdvisoryCheck over the chosen source; ``--offline`` makes online sources "not checked"."""
    if options.source not in ADVISORY_SOURCES:
        choices = ", ".join(ADVISORY_SOURCES)
        raise WellcheckError(f"--source must be one of {choices}, got {options.source!r}")
    if options.offline and options.source != "osv-offline":
        return UnavailableCheck(options.source, "--offline: online advisory source not consulted")
    from wellcheck.advisories.check import AdvisoryCheck

    return AdvisoryCheck(open_source(options))


def open_source(options: ScanOptions) -> AdvisorySource:
    """Open the advisory source; a missing offline index raises DatabaseError (exit 2)."""
    if options.source == "osv-api":
        from wellcheck.advisories.osv_api import OsvApiSource

        return OsvApiSource()
    if options.source == "pip-audit":
        from wellcheck.advisories.pip_audit import PipAuditSource

        return PipAuditSource()
    from wellcheck.advisories.offline import OfflineSource

    return OfflineSource(options.db)


def signal_checks() -> list[Check]:
    """The offline signal checks: typosquats, then RECORD integrity and start-up hooks."""
    from wellcheck.signals.integrity import IntegrityCheck
    from wellcheck.signals.typosquat import TyposquatCheck

    return [TyposquatCheck(), IntegrityCheck()]


def pypi_check(options: ScanOptions) -> Check:
    from wellcheck.pypi import open_default_source
    from wellcheck.signals.pypi_meta import PyPIMetadataCheck

    source = open_default_source(offline=options.offline)
    return PyPIMetadataCheck(source, source.store)

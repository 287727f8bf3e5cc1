"""Which checks a scan runs, built from its options.

``build_checks`` turns ScanOptions into the list of checks: the advisory check
for the chosen source, the offline signal checks, and the optional PyPI and
upstream checks (``--pypi`` also adds the behaviour drift check, which reads the
behaviour check's result through ``share_behaviour``).  Each source of knowledge
is opened here, lazily imported, and closed by ``close_sources`` when the scan ends.
A source that cannot run at all (``--offline`` with an online advisory source, an
offline index whose first download failed) is an ``UnavailableCheck``: everything it
would have checked is "not checked".

``prepare_index`` is the first run: with no offline index yet, a scan that may go
online downloads it (through the same code as ``wellcheck db update``), once,
before any check or worker process is built.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from wellcheck.checks import Check, CheckContext, CheckResult
from wellcheck.errors import WellcheckError
from wellcheck.models import Component, SkippedCheck

if TYPE_CHECKING:
    from wellcheck.advisories.interface import AdvisorySource
    from wellcheck.scan.options import ScanOptions
    from wellcheck.signals.behaviour_drift import SharedBehaviour

ADVISORY_SOURCES = ("osv-offline", "osv-api", "pip-audit")
Progress = Callable[[int, int | None], None]  # (bytes so far, total or None)
log = logging.getLogger(__name__)


def source_notes(checks: Sequence[Check]) -> Iterator[str]:
    """Warnings a source wants in the report (e.g. a stale advisory index)."""
    for check in checks:
        warning = getattr(getattr(check, "source", None), "stale_warning", None)
        if isinstance(warning, str) and warning:
            yield warning


def close_sources(checks: Sequence[Check]) -> None:
    for check in checks:
        close = getattr(getattr(check, "source", None), "close", None)
        if callable(close):
            close()


def prepare_index(options: ScanOptions, progress: Progress | None = None) -> ScanOptions:
    """First run: download the offline index when there is none and the scan may go online.

    Not with ``--offline`` or ``--skip-db-update`` (a missing index stays the one-line
    error naming ``wellcheck db update``), nor for other sources.  Done once: the
    options that come back say so (``skip_db_update``), and when the download failed
    they carry why (``index_unavailable``), so that the advisory check of every worker
    is "not checked" (exit 3), never clean, and none of them tries again.
    """
    wanted = options.advisories and options.source == "osv-offline"
    if not wanted or options.offline or options.skip_db_update:
        return options
    from wellcheck.advisories.export import export_url
    from wellcheck.advisories.index import ensure_index
    from wellcheck.advisories.locations import index_path

    dest = index_path(options.db)
    done = replace(options, skip_db_update=True)
    if dest.is_file():
        return done
    url = export_url()
    log.info("no advisory index at %s: downloading %s (first run)", dest, url)
    try:
        report = ensure_index(url, dest, progress=progress)
    except WellcheckError as exc:  # download, cap, deadline, unusable export, unwritable dir
        reason = (
            f"no advisory index at {dest} and its first download failed: {exc}; "
            "run `wellcheck db update`"
        )
        return replace(done, index_unavailable=reason)
    if report is not None:
        log.info("imported %d advisory records into %s", report.record_count, report.path)
    return done


def build_checks(options: ScanOptions) -> list[Check]:
    """The advisory check for the chosen source, then the offline signal checks."""
    checks: list[Check] = []
    if options.advisories:
        checks.append(advisory_check(options))
    shared: SharedBehaviour | None = None
    if options.signals:
        signals = signal_checks(options)
        if options.pypi:  # the drift check reads the behaviour check's result
            signals, shared = share_behaviour(signals)
        checks.extend(signals)
    if options.pypi:
        checks.append(pypi_check(options))
    if options.pypi and options.signals:  # --no-signals: no behaviour analysis to compare
        checks.append(drift_check(options, shared))
    if options.verify_upstream:
        checks.append(upstream_check(options))
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
    if options.index_unavailable and options.source == "osv-offline":
        return UnavailableCheck(options.source, options.index_unavailable)
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

    return OfflineSource(options.db, options.db_max_age_days)


def signal_checks(options: ScanOptions) -> list[Check]:
    """The offline signal checks: typosquats, RECORD integrity and start-up hooks, behaviour,
    then Lambda's unzipped size limit."""
    from wellcheck.aws.size import LambdaSizeCheck
    from wellcheck.signals.behaviour import BehaviourCheck
    from wellcheck.signals.integrity import IntegrityCheck
    from wellcheck.signals.typosquat import TyposquatCheck

    workers = options.hash_workers or options.jobs
    return [
        TyposquatCheck(allow=options.typosquat_allow),
        IntegrityCheck(workers=workers, limits=options.limits),
        BehaviourCheck(workers=workers, limits=options.limits),
        LambdaSizeCheck(),
    ]


def share_behaviour(checks: list[Check]) -> tuple[list[Check], SharedBehaviour | None]:
    """``checks`` with the behaviour check wrapped so that its result can be read again."""
    from wellcheck.signals.behaviour_drift import SharedBehaviour

    shared: SharedBehaviour | None = None
    wrapped: list[Check] = []
    for check in checks:
        if check.name == "behaviour" and shared is None:
            shared = SharedBehaviour(check)
            check = shared
        wrapped.append(check)
    return wrapped, shared


def drift_check(options: ScanOptions, shared: SharedBehaviour | None) -> Check:
    """--pypi: capabilities each installed release added since its previous release."""
    from wellcheck.pypi import open_default_source
    from wellcheck.signals.behaviour import BehaviourCheck
    from wellcheck.signals.behaviour_drift import BehaviourDriftCheck

    workers = options.hash_workers or options.jobs
    return BehaviourDriftCheck(
        open_default_source(offline=options.offline),
        analyser=BehaviourCheck(workers=workers, limits=options.limits),
        shared=shared,
        limits=options.limits,
        internal=options.internal_packages,
    )


def pypi_check(options: ScanOptions) -> Check:
    from wellcheck.pypi import open_default_source
    from wellcheck.signals.pypi_baseline import read_baseline
    from wellcheck.signals.pypi_meta import PyPIMetadataCheck, PyPIOptions

    baseline = read_baseline(options.baseline) if options.baseline else None
    source = open_default_source(offline=options.offline)
    settings = PyPIOptions(
        cooldown_days=options.cooldown_days,
        internal=options.internal_packages,
        baseline=baseline,
        typosquat_allow=tuple(options.typosquat_allow),
    )
    return PyPIMetadataCheck(source, source.store, settings)


def upstream_check(options: ScanOptions) -> Check:
    """--verify-upstream: installed files against the official wheels on PyPI."""
    from wellcheck.pypi import open_default_source
    from wellcheck.signals.upstream import UpstreamCheck

    return UpstreamCheck(open_default_source(offline=options.offline), limits=options.limits)

"""One artifact: open it safely, inventory it, run every check on it.

Each artifact is opened once and kept open while the checks run, so file-level
checks (integrity) can read its trees.  An artifact that cannot be opened or
read is an input error *for that artifact*: it is reported and the others are
still scanned.  A check that raises SourceError (or a network OSError) is turned
into a SkippedCheck (fail closed: "not checked", never clean).  Any other
exception (a bug in wellcheck, met on one hostile artifact) becomes that
artifact's error, reported as an internal error (exit 2): it never costs the
other artifacts their results, and never passes as clean.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import replace

from wellcheck.artifact.limits import DEFAULT_LIMITS, Limits
from wellcheck.checks import Check, CheckContext, CheckResult
from wellcheck.errors import ArtifactError, MetadataError, SourceError
from wellcheck.models import (
    ArtifactInfo,
    ArtifactResult,
    Component,
    Finding,
    ScanOutcome,
    SkippedCheck,
)
from wellcheck.policy import severity_order
from wellcheck.scan.options import Opener, ScanTarget

log = logging.getLogger(__name__)


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
        not_applicable: list[SkippedCheck] = []
        for check in target.checks:
            ran = _run_check(check, (), CheckContext(artifact=info))
            findings.extend(ran.findings)
            skipped.extend(ran.skipped)
            not_applicable.extend(ran.not_applicable)
        return ArtifactResult(
            info,
            (),
            tuple(sort_findings(findings)),
            tuple(skipped),
            not_applicable=tuple(not_applicable),
        )
    own = {check.name for check in target.checks}  # a target's own check replaces the common one
    common = tuple(check for check in checks if check.name not in own)
    result = _open_and_check(target.path, (*common, *target.checks), limits, opener)
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
    from wellcheck.scan.sbom import checks_for_sbom
    from wellcheck.signals.verdict import add_verdicts

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
            if listed is not None:  # an SBOM: its components, no files (see scan.sbom)
                components.extend(listed)
                checks, skipped, not_applicable = checks_for_sbom(checks, opened)
            for tree in opened.trees:
                components.extend(collect(tree, artifact_python=info.python_version))
            for check in checks:  # checks that can work in the background start now
                start = getattr(check, "start", None)
                if callable(start):
                    start(opened, components)
            skipped.extend(
                SkippedCheck(source="inventory", reason=f"nested archive not opened: {what}")
                for what in opened.not_scanned
            )
            skipped.extend(
                SkippedCheck(source="inventory", reason=f"member not read: {what}")
                for tree in opened.trees
                for what in tree.unread
            )
            context = CheckContext(artifact=info, trees=tuple(opened.trees))
            for result in _run_checks(checks, components, context):
                findings.extend(result.findings)
                skipped.extend(result.skipped)
                not_applicable.extend(result.not_applicable)
            findings = add_verdicts(findings)  # one WC-POISON-SUSPECT per suspicious package
    except (ArtifactError, MetadataError, OSError) as exc:
        log.debug("artifact %s failed", path, exc_info=True)
        error: str | None = _describe(exc)
    except Exception as exc:  # a bug: this artifact fails (exit 2), the others are still scanned
        log.debug("internal error while scanning %s", path, exc_info=True)
        error = f"internal error: {type(exc).__name__}: {exc}"[:500]
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


def _run_checks(
    checks: Sequence[Check], components: Sequence[Component], context: CheckContext
) -> list[CheckResult]:
    """Every check's result, in ``checks`` order; the ``late`` ones run last (the
    integrity check hashes files: the behaviour check, before it, reads every Python
    file whole and leaves their digests on the tree)."""
    order = sorted(range(len(checks)), key=lambda index: checks[index].late)
    results = {index: _run_check(checks[index], components, context) for index in order}
    return [results[index] for index in range(len(checks))]


def _run_check(check: Check, components: Sequence[Component], context: CheckContext) -> CheckResult:
    try:
        return check.run(components, context)
    except (SourceError, OSError) as exc:  # should have been SkippedCheck: fail closed
        log.debug("check %s raised", check.name, exc_info=True)
        return CheckResult(skipped=(SkippedCheck(source=check.name, reason=str(exc)),))


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

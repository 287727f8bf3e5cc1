"""Deployed code as scan targets: ``lambda:NAME[:QUALIFIER]``, ``lambda:*``, ``layer:ARN``.

Downloaded into a work directory one target at a time (a region can hold
thousands); each zip is deleted once the next target is asked for.  Every
failure becomes a value (an input error or a "not checked"), never an exception.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from wellcheck.checks import Check
from wellcheck.errors import SourceError, WellcheckError
from wellcheck.models import SkippedCheck
from wellcheck.scan.options import ScanOptions, ScanTarget

if TYPE_CHECKING:
    from wellcheck.aws import LambdaTarget


def is_remote(argument: str) -> bool:
    return argument.startswith(("lambda:", "layer:"))


def scan_targets(options: ScanOptions, workdir: Path) -> Iterator[str | ScanTarget]:
    """Local paths as they are; ``lambda:``/``layer:`` arguments resolved lazily.

    Deployed code is downloaded into ``workdir`` one target at a time (a region
    can hold thousands); each zip is deleted once the next target is asked for.
    """
    remote = [(p, a) for p, a in enumerate(options.artifacts) if is_remote(a)]
    yield from (a for a in options.artifacts if not is_remote(a))
    if remote:
        yield from (target for _, target in lambda_targets(remote, options, workdir))


def lambda_targets(
    args: Sequence[tuple[int, str]], options: ScanOptions, workdir: Path
) -> Iterator[tuple[int, ScanTarget]]:
    """Each argument on its own: one that cannot be resolved does not stop the others.

    Yields (argument position, target); a layer shared by several functions is
    scanned once, under the first argument that reached it."""
    from wellcheck.aws import expected_code_sha256, iter_targets

    expected = expected_code_sha256(options.expect) if options.expect else None
    seen: set[str] = set()
    for position, arg in args:
        try:
            for target in iter_targets([arg], workdir=workdir, region=options.region):
                for part in (target, *target.layers):
                    if part.label in seen:
                        continue
                    seen.add(part.label)
                    check = _config_check(part, expected, options.expect)
                    yield position, _as_scan_target(part, check)
                    if part.zip_path is not None:
                        part.zip_path.unlink(missing_ok=True)
        except SourceError as exc:  # the API could not be consulted: incomplete, not clean
            skipped = (SkippedCheck("lambda", str(exc)),)
            yield position, ScanTarget("", label=arg, skipped=skipped)
        except WellcheckError as exc:  # not found, malformed: an input error for this one
            yield position, ScanTarget("", label=arg, error=str(exc))


def _config_check(part: LambdaTarget, expected: str | None, origin: Path | None) -> Check:
    from wellcheck.aws import LambdaConfigCheck

    is_function = part.kind == "function"
    return LambdaConfigCheck(
        part,
        expected_sha256=expected if is_function else None,
        expected_from=str(origin or ""),
    )


def _as_scan_target(part: LambdaTarget, check: Check) -> ScanTarget:
    """A resolved LambdaTarget as a ScanTarget (fail closed on every failure)."""
    from wellcheck.errors import ExitStatus

    error = part.error
    if error is not None and error.exit_status is not ExitStatus.INCOMPLETE:
        return ScanTarget("", label=part.label, error=str(error))
    if error is not None:
        skipped = (SkippedCheck(source="lambda", reason=str(error)),)
        return ScanTarget("", label=part.label, checks=(check,), skipped=skipped)
    if part.zip_path is None:
        reason = part.not_scannable_reason or "no code to download"
        skipped = (SkippedCheck(source="lambda", reason=reason),)
        return ScanTarget("", label=part.label, checks=(check,), skipped=skipped)
    from wellcheck.aws.size import deployed_size_check

    checks = (check, deployed_size_check(part))
    return ScanTarget(str(part.zip_path), label=part.label, checks=checks)

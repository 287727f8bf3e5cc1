"""Many artifacts at once: worker processes, shards of a fleet, results in the given order.

Inventory and hashing are CPU-bound Python, so threads would share one core: local
artifacts are scanned in worker processes (``spawn``: the same behaviour on every
platform and safe with threads).  Check objects hold open databases and caches and
need not pickle, so each worker builds its own checks once from the (picklable)
:class:`~wellcheck.scan.options.ScanOptions`.  Every result travels back as a plain frozen
dataclass; the caller puts them back in the order the artifacts were given.
"""

from __future__ import annotations

import logging
import pickle
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from wellcheck.models import ArtifactInfo, ArtifactResult
from wellcheck.scan.checks import build_checks, close_sources
from wellcheck.scan.options import PARALLEL_MIN_BYTES, ScanOptions, ScanTarget
from wellcheck.scan.target import scan_target

if TYPE_CHECKING:
    from concurrent.futures import Future

    from wellcheck.checks import Check

log = logging.getLogger(__name__)


def worth_processes(paths: Sequence[str], min_bytes: int = PARALLEL_MIN_BYTES) -> bool:
    """Whether the artifacts hold enough to read that worker processes pay for their start
    (~0.5 s each: interpreter, imports, check indexes).  A directory counts as enough."""
    total = 0
    for path in paths:
        try:
            info = Path(path).stat()
        except OSError:
            continue  # reported as an input error by whoever opens it
        total += min_bytes if Path(path).is_dir() else info.st_size
        if total >= min_bytes:
            return True
    return False


def picklable(value: object) -> bool:
    """Whether ``value`` can be sent to a worker process (extra checks may not be)."""
    try:
        pickle.dumps(value)
    except (pickle.PicklingError, TypeError, AttributeError) as exc:
        log.info("scanning in one process: the checks cannot be sent to workers (%s)", exc)
        return False
    return True


Emit = Callable[[int, ArtifactResult], None]  # (index among the paths, result)


def scan_with_workers(
    paths: Sequence[str], options: ScanOptions, jobs: int, emit: Emit
) -> list[ArtifactResult]:
    """:func:`scan_in_processes` with this process as one of the ``jobs``."""

    options = replace(options, hash_workers=1)  # no hashing pools inside the pool
    checks = build_checks(options)
    try:
        return scan_in_processes(
            paths,
            options,
            jobs,
            emit,
            here=lambda path: scan_target(ScanTarget(path), checks, options.limits),
        )
    finally:
        close_sources(checks)


def scan_in_processes(
    paths: Sequence[str],
    options: ScanOptions,
    jobs: int,
    emit: Emit,
    *,
    here: Callable[[str], ArtifactResult] | None = None,
) -> list[ArtifactResult]:
    """Scan ``paths`` with ``jobs`` processes; ``emit`` is called (in this process) as
    each finishes; the returned list is in the order of ``paths``.

    With ``here`` (scans one path in this process), this process is one of the
    ``jobs``: it starts ``jobs - 1`` workers and scans artifacts itself meanwhile,
    taking them from the end of the list while the workers take them from the front.
    A worker that dies (killed, out of memory) turns the artifacts it held into
    input errors: they were not scanned, and the verdict says so.
    """
    import multiprocessing
    from collections import deque
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    results: list[ArtifactResult | None] = [None] * len(paths)
    workers = max(1, min(jobs - (here is not None), len(paths)))
    pending = deque(range(len(paths)))
    running: dict[Future[ArtifactResult], int] = {}
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_init_worker,
        initargs=(options,),
    )

    def finish(n: int, result: ArtifactResult) -> None:
        results[n] = result
        emit(n, result)

    broken = False  # a worker died: the pool takes no more work
    try:
        while pending or running:
            while pending and not broken and len(running) < 2 * workers:  # one queued each
                n = pending.popleft()
                try:
                    running[pool.submit(_scan_one, paths[n])] = n
                except BrokenProcessPool:
                    pending.appendleft(n)
                    broken = True
            if pending and (here is not None or broken):
                n = pending.pop()
                finish(n, here(paths[n]) if here is not None else _failed(paths[n], "none left"))
                done = {future for future in running if future.done()}
            else:
                done = wait(running, return_when=FIRST_COMPLETED).done
            for future in done:
                n = running.pop(future)
                finish(n, _outcome(future, paths[n]))
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    return [r for r in results if r is not None]


def _outcome(future: Future[ArtifactResult], path: str) -> ArtifactResult:
    from concurrent.futures.process import BrokenProcessPool

    try:
        return future.result()
    except BrokenProcessPool as exc:
        log.debug("worker died while scanning %s", path, exc_info=True)
        return _failed(path, str(exc))


def _failed(path: str, why: str) -> ArtifactResult:
    """Not scanned because a worker process died (killed, out of memory): an input error."""
    info = ArtifactInfo(path=path, kind="unknown")
    return ArtifactResult(info, (), error=f"worker process failed ({why}): not scanned")


_WORKER: dict[str, object] = {}


def _init_worker(options: ScanOptions) -> None:
    """Build this worker's checks once (they are reused for every artifact it scans)."""
    _WORKER["options"] = options
    _WORKER["checks"] = tuple(build_checks(options))


def _scan_one(path: str) -> ArtifactResult:
    options = _WORKER["options"]
    checks: tuple[Check, ...] = _WORKER["checks"]  # type: ignore[assignment]
    assert isinstance(options, ScanOptions)
    return scan_target(ScanTarget(path), checks, options.limits)

"""Reading and analysing the planned files, in this process or in the background.

A 120-package function holds ~130 MB of Python: inflating it, running the
prefilter and parsing what it selects costs one core about two seconds.  A tree
that can be reopened in another process (``Tree.reopener()``, or a zip on disk)
and holds at least ``PROCESS_THRESHOLD`` bytes of code is analysed by a
``Background`` process started when the artifact is opened, so the work overlaps
the scan's other checks (the integrity check's recipe for reopening:
``signals.integrity_hashing``).  Results are plain frozen values; a background
process that cannot run costs speed, never correctness.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from wellcheck.artifact.base import Tree
from wellcheck.errors import ArtifactError, HostileArtifactError, LimitExceededError
from wellcheck.models import Component
from wellcheck.signals.behaviour.analyse import analyse_pth, analyse_source
from wellcheck.signals.behaviour.binary import HEAD, PYC_HEADER, native_format, pyc_issue
from wellcheck.signals.behaviour.budget import Bounds
from wellcheck.signals.behaviour.facts import BinaryFile, FileFacts, PycFile
from wellcheck.signals.behaviour.files import Job

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

log = logging.getLogger(__name__)
PROCESS_THRESHOLD = 24 * 1024 * 1024  # bytes of planned files below which no process starts


Result = FileFacts | BinaryFile | PycFile
_Failure = tuple[str, str, str, str]


def run_jobs(tree: Tree, jobs: Sequence[Job], bounds: Bounds) -> list[Result]:
    """Analyse ``jobs`` in this process, in order."""
    results: list[Result] = []
    for job in jobs:
        result = _run(tree, job, bounds)
        if result is not None:
            results.append(result)
    return results


def _run(tree: Tree, job: Job, bounds: Bounds) -> Result | None:
    if job.kind == "head":
        head = _read(tree, job.path, HEAD, cut=True)
        found = native_format(head) if isinstance(head, bytes) else None
        return BinaryFile(job.path, found) if found else None
    if job.kind == "pyc":
        header = _read(tree, job.path, PYC_HEADER, cut=True)
        if not isinstance(header, bytes) or len(header) < PYC_HEADER or not header[4] & 1:
            return None
        source = _read(tree, job.source, bounds.max_read, declared=None)
        issue = pyc_issue(header, source if isinstance(source, bytes) else None)
        return PycFile(job.path, issue) if issue else None
    data = _read(tree, job.path, bounds.max_read, declared=job.size)
    if isinstance(data, str):
        return FileFacts(job.path, job.role, skipped=data)
    if job.kind == "pth":
        return analyse_pth(job.path, data, bounds)
    return analyse_source(job.path, data, job.role, bounds, entry=job.entry, native=job.native)


def _read(
    tree: Tree, path: str, limit: int, *, cut: bool = False, declared: int | None = None
) -> bytes | str:
    """The file's bytes, or why they could not be read (hostile artifacts propagate).

    ``declared``: the size the archive claims; one byte more is asked for first (a
    read sized for ``limit`` costs a buffer that large), the rest only if it lied."""
    try:
        with tree.open(path) as stream:
            if cut:
                data = stream.read(limit)
            elif declared is not None and declared < limit:
                data = stream.read(declared + 1)
                if len(data) > declared:
                    data += stream.read(limit + 1 - len(data))
            else:
                data = stream.read(limit + 1)
    except HostileArtifactError:
        raise
    except ArtifactError as exc:
        return f"could not be read: {exc}"
    if not cut and len(data) > limit:
        return f"larger than the {limit} bytes read per file"
    return data


class Background:
    """One spawned process analysing a tree while the scan does other work.

    The scan starts it once the artifact is open and inventoried
    (``BehaviourCheck.start``): it reopens the tree, plans and analyses, in parallel
    with the advisory, name and integrity checks of the calling process, which
    leave a core idle most of the time.  ``result`` gives the jobs it ran and their
    results; anything it could not do, or planned differently, is done in this
    process instead."""

    def __init__(self, pool: ProcessPoolExecutor, future: Future[_Outcome]) -> None:
        self.pool = pool
        self.future = future

    @classmethod
    def start(
        cls,
        reopen: Callable[[], Tree],
        components: Sequence[Component],
        roots: Sequence[str],
        bounds: Bounds,
    ) -> Background | None:
        import multiprocessing
        import pickle
        from concurrent.futures import ProcessPoolExecutor

        try:
            pickle.dumps(reopen)
            pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
            future = pool.submit(_background, reopen, list(components), tuple(roots), bounds)
        except (pickle.PicklingError, TypeError, AttributeError, OSError, RuntimeError) as exc:
            log.info("no background analysis (%s): analysing in this process", exc)
            return None
        return cls(pool, future)

    def result(self) -> tuple[list[Job], list[Result]] | None:
        """What the process did; None when it could not run (then analyse here)."""
        import pickle
        from concurrent.futures.process import BrokenProcessPool

        try:
            jobs, results, failure = self.future.result()
        except (BrokenProcessPool, OSError, pickle.PicklingError, TypeError) as exc:
            log.info("background analysis failed (%s): analysing in this process", exc)
            return None
        finally:
            self.close()
        if failure is not None and failure[0] == "ArtifactError":
            return None
        if failure is not None:
            kind = (
                LimitExceededError if failure[0] == "LimitExceededError" else HostileArtifactError
            )
            raise kind(failure[1], failure[2], failure[3])
        return jobs, results

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


def merge(
    tree: Tree, jobs: Sequence[Job], done: tuple[list[Job], list[Result]] | None, bounds: Bounds
) -> list[Result]:
    """Results for ``jobs``: the background process's for the jobs it ran exactly as
    planned here, the rest analysed in this process.  Same order as ``run_jobs``."""
    if done is None:
        return run_jobs(tree, jobs, bounds)
    ran = set(done[0])
    by_path: dict[str, Result] = {r.path: r for r in done[1]}
    results: list[Result] = []
    for job in jobs:
        if job in ran:
            if job.path in by_path:
                results.append(by_path[job.path])
        else:
            results.extend(run_jobs(tree, [job], bounds))
    return results


_Outcome = tuple[list[Job], list[Result], "_Failure | None"]


def _background(
    reopen: Callable[[], Tree], components: list[Component], roots: tuple[str, ...], bounds: Bounds
) -> _Outcome:
    """Worker: reopen, plan and analyse one tree; errors come back as values."""
    from wellcheck.signals.behaviour.files import plan_tree

    try:
        tree = reopen()
        plan = plan_tree(tree, components, roots)
        return plan.jobs, run_jobs(tree, plan.jobs, bounds), None
    except HostileArtifactError as exc:
        return [], [], (type(exc).__name__, exc.member, exc.rule, exc.detail)
    except ArtifactError as exc:
        return [], [], ("ArtifactError", "", "", str(exc))

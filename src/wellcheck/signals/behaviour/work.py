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

from wellcheck.artifact.base import FileDigest, Tree, file_digest
from wellcheck.errors import ArtifactError, HostileArtifactError, LimitExceededError
from wellcheck.models import Component
from wellcheck.signals.behaviour.analyse import analyse_pth, analyse_source
from wellcheck.signals.behaviour.binary import HEAD, PYC_HEADER, native_format, pyc_issue
from wellcheck.signals.behaviour.budget import Bounds
from wellcheck.signals.behaviour.facts import BinaryFile, FileFacts, PycFile
from wellcheck.signals.behaviour.jobs import Job

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor
    from multiprocessing.sharedctypes import SynchronizedArray

    _Claim = SynchronizedArray[int]

log = logging.getLogger(__name__)
PROCESS_THRESHOLD = 24 * 1024 * 1024  # bytes of planned files below which no process starts


Result = FileFacts | BinaryFile | PycFile
Digests = dict[str, FileDigest]
_Failure = tuple[str, str, str, str]


def run_jobs(
    tree: Tree, jobs: Sequence[Job], bounds: Bounds, digests: Digests | None = None
) -> list[Result]:
    """Analyse ``jobs`` in this process, in order; ``digests`` receives the digest of
    every file read whole (for ``Tree.remember_digests``)."""
    results: list[Result] = []
    for job in jobs:
        result = _run(tree, job, bounds, digests)
        if result is not None:
            results.append(result)
    return results


def _run(tree: Tree, job: Job, bounds: Bounds, digests: Digests | None = None) -> Result | None:
    if job.kind == "head":
        head = _read(tree, job.path, HEAD, cut=True)
        found = native_format(head) if isinstance(head, bytes) else None
        return BinaryFile(job.path, found) if found else None
    if job.kind == "pyc":
        header = _read(tree, job.path, PYC_HEADER, cut=True)
        if not isinstance(header, bytes) or len(header) < PYC_HEADER or not header[4] & 1:
            return None
        entry = tree.entries().get(job.source)
        declared = entry.size if entry is not None else None
        source = _read(tree, job.source, bounds.max_read, declared=declared)
        issue = pyc_issue(header, source if isinstance(source, bytes) else None)
        return PycFile(job.path, issue) if issue else None
    data = _read(tree, job.path, bounds.max_read, declared=job.size)
    if isinstance(data, str):
        return FileFacts(job.path, job.role, skipped=data)
    if digests is not None:  # the whole file, checked by the reader to its end
        digests[job.path] = file_digest(data)
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


CHUNK_JOBS = 64  # jobs per chunk: the unit the two processes share out at the end


def chunks(jobs: Sequence[Job]) -> list[tuple[int, int]]:
    """``jobs`` cut into consecutive (start, end) slices of at most CHUNK_JOBS."""
    return [(at, min(at + CHUNK_JOBS, len(jobs))) for at in range(0, len(jobs), CHUNK_JOBS)]


class Background:
    """One spawned process analysing a tree while the scan does other work.

    The scan starts it once the artifact is open and inventoried
    (``BehaviourCheck.start``): it reopens the tree, plans and analyses the chunks of
    its plan in order, in parallel with the advisory, name and integrity checks of the
    calling process, which leave a core idle most of the time.  When the scan needs the
    results (``take``), its own process analyses the chunks the background process has
    not claimed yet, from the last one back, until the two meet: the end of the work is
    shared by two cores instead of one.  Jobs the process planned differently, and
    everything it could not do, are analysed in the calling process."""

    def __init__(self, pool: ProcessPoolExecutor, future: Future[_Outcome], claim: _Claim) -> None:
        self.pool = pool
        self.future = future
        self.claim = claim
        self.digests: Digests = {}  # of the files the process read whole (once it returned)

    @classmethod
    def start(
        cls,
        reopen: Callable[[], Tree],
        components: Sequence[Component],
        roots: Sequence[str],
        bounds: Bounds,
        *,
        jobs: Sequence[Job] | None = None,
    ) -> Background | None:
        """Start the process; ``jobs``: the caller's plan of the tree, which the process
        then analyses without planning (or importing the planning code) itself."""
        import multiprocessing
        import pickle
        from concurrent.futures import ProcessPoolExecutor

        try:
            pickle.dumps(reopen)
            context = multiprocessing.get_context("spawn")
            claim = context.Array("q", [0, _NO_LIMIT])  # [chunks claimed, first chunk taken back]
            pool = ProcessPoolExecutor(
                1, mp_context=context, initializer=_share_claim, initargs=(claim,)
            )
            given = None if jobs is None else list(jobs)
            wanted = list(components) if jobs is None else []
            future = pool.submit(_background, reopen, wanted, tuple(roots), bounds, given)
        except (pickle.PicklingError, TypeError, AttributeError, OSError, RuntimeError) as exc:
            log.info("no background analysis (%s): analysing in this process", exc)
            return None
        return cls(pool, future, claim)

    def take(
        self, tree: Tree, jobs: Sequence[Job], bounds: Bounds, digests: Digests | None = None
    ) -> list[Result]:
        """Results for ``jobs`` (planned by the caller), in ``run_jobs`` order: the
        chunks the process has not claimed are analysed here, last first, while it
        works; then its results for the jobs it ran exactly as planned here, and the
        rest analysed here.  A hostile member is reported as a serial run reports it:
        the first in job order.  ``digests``: as for ``run_jobs``, from both processes."""
        parts = chunks(jobs)
        here: list[list[Result]] = []
        first = len(parts)  # parts[first:] are analysed here
        failure: HostileArtifactError | None = None
        while first > 0 and self._take_back(first - 1):
            start, end = parts[first - 1]
            try:
                here.append(run_jobs(tree, jobs[start:end], bounds, digests))
            except HostileArtifactError as exc:  # an earlier job may fail in the process
                failure = exc
                break
            first -= 1
        done = self.result()
        if failure is not None:
            raise failure
        rest = jobs[: parts[first][0]] if first < len(parts) else jobs
        results = merge(tree, rest, done, bounds, digests)
        if digests is not None:
            digests.update(self.digests)
        for part in reversed(here):
            results.extend(part)
        return results

    def _take_back(self, index: int) -> bool:
        """Chunk ``index`` and every later one are analysed here, if the process has
        not claimed it yet."""
        with self.claim.get_lock():
            if self.claim[0] > index:
                return False
            self.claim[1] = index
            return True

    def result(self) -> tuple[list[Job], list[Result]] | None:
        """What the process did; None when it could not run (then analyse here)."""
        import pickle
        from concurrent.futures.process import BrokenProcessPool

        try:
            jobs, results, digests, failure = self.future.result()
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
        self.digests = digests
        return jobs, results

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


def merge(
    tree: Tree,
    jobs: Sequence[Job],
    done: tuple[list[Job], list[Result]] | None,
    bounds: Bounds,
    digests: Digests | None = None,
) -> list[Result]:
    """Results for ``jobs``: the background process's for the jobs it ran exactly as
    planned here, the rest analysed in this process (``digests``: of what it read).
    Same order as ``run_jobs``."""
    if done is None:
        return run_jobs(tree, jobs, bounds, digests)
    ran = set(done[0])
    by_path: dict[str, Result] = {r.path: r for r in done[1]}
    results: list[Result] = []
    for job in jobs:
        if job in ran:
            if job.path in by_path:
                results.append(by_path[job.path])
        else:
            results.extend(run_jobs(tree, [job], bounds, digests))
    return results


_Outcome = tuple[list[Job], list[Result], Digests, "_Failure | None"]
_NO_LIMIT = 2**62
_CLAIM: _Claim | None = None  # in the background process: shared with the scan's process


def _share_claim(claim: _Claim) -> None:
    global _CLAIM
    _CLAIM = claim


def _claim(index: int) -> bool:
    """In the background process: chunk ``index`` is analysed here, unless the scan's
    process took it back."""
    if _CLAIM is None:
        return True
    with _CLAIM.get_lock():
        if index >= _CLAIM[1]:
            return False
        _CLAIM[0] = index + 1
        return True


def _background(
    reopen: Callable[[], Tree],
    components: list[Component],
    roots: tuple[str, ...],
    bounds: Bounds,
    given: list[Job] | None = None,
) -> _Outcome:
    """Worker: reopen one tree, plan it (unless ``given`` the plan's jobs) and analyse
    it chunk by chunk while the scan's process has not taken the chunk back; errors
    come back as values."""
    ran: list[Job] = []
    results: list[Result] = []
    digests: Digests = {}
    try:
        tree = reopen()
        if given is None:
            from wellcheck.signals.behaviour.files import plan_tree

            jobs = plan_tree(tree, components, roots).jobs
        else:
            jobs = given
        for index, (start, end) in enumerate(chunks(jobs)):
            if not _claim(index):
                break
            results.extend(run_jobs(tree, jobs[start:end], bounds, digests))
            ran.extend(jobs[start:end])
        return ran, results, digests, None
    except HostileArtifactError as exc:
        return [], [], {}, (type(exc).__name__, exc.member, exc.rule, exc.detail)
    except ArtifactError as exc:
        return [], [], {}, ("ArtifactError", "", "", str(exc))

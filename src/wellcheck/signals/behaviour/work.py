"""Reading and analysing the planned files, in this process or in worker processes.

A 120-package function holds ~130 MB of Python: inflating it and running the
prefilter costs one core about a second, so a tree that can be reopened in
another process (``Tree.reopener()``, or a zip on disk) and holds at least
``PROCESS_THRESHOLD`` bytes of code is split by size between this process and
spawned workers (the integrity check's recipe: ``signals.integrity_hashing``).
Results are plain frozen values; a worker that cannot run costs speed, never
correctness (its share is analysed here).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from wellcheck.artifact.base import Tree
from wellcheck.errors import ArtifactError, HostileArtifactError, LimitExceededError
from wellcheck.signals.behaviour.analyse import analyse_pth, analyse_source
from wellcheck.signals.behaviour.binary import HEAD, PYC_HEADER, native_format, pyc_issue
from wellcheck.signals.behaviour.budget import Bounds
from wellcheck.signals.behaviour.facts import BinaryFile, FileFacts, PycFile
from wellcheck.signals.behaviour.files import Job

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

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


class Workers:
    """Spawned processes that each reopen one tree, started before the plan is made."""

    def __init__(self, reopen: Callable[[], Tree], pool: ProcessPoolExecutor, count: int) -> None:
        self.reopen = reopen
        self.pool = pool
        self.count = count

    @classmethod
    def start(cls, reopen: Callable[[], Tree] | None, count: int) -> Workers | None:
        if reopen is None or count < 1:
            return None
        import multiprocessing
        import pickle
        from concurrent.futures import ProcessPoolExecutor

        try:
            pickle.dumps(reopen)
            pool = ProcessPoolExecutor(count, mp_context=multiprocessing.get_context("spawn"))
            for _ in range(count):
                pool.submit(_shard, reopen, [], Bounds())  # warm up: spawn, import, reopen
        except (pickle.PicklingError, TypeError, AttributeError, OSError, RuntimeError) as exc:
            log.info("no behaviour workers (%s): analysing in this process", exc)
            return None
        return cls(reopen, pool, count)

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


def run_sharded(
    tree: Tree,
    jobs: Sequence[Job],
    bounds: Bounds,
    workers: Workers | None,
    sizes: dict[str, int],
    threshold: int = PROCESS_THRESHOLD,
) -> list[Result]:
    """Split ``jobs`` by size between this process and ``workers``; same results as
    ``run_jobs`` in a stable order (the plan's)."""
    if workers is None or sum(sizes.get(j.path, 0) for j in jobs) < threshold:
        return run_jobs(tree, jobs, bounds)
    import pickle
    from concurrent.futures.process import BrokenProcessPool

    shards: list[list[Job]] = [[] for _ in range(workers.count + 1)]
    loads = [0] * len(shards)
    for job in sorted(jobs, key=lambda j: sizes.get(j.path, 0), reverse=True):
        lightest = loads.index(min(loads))
        shards[lightest].append(job)
        loads[lightest] += sizes.get(job.path, 0) + 512
    futures = [workers.pool.submit(_shard, workers.reopen, shard, bounds) for shard in shards[1:]]
    results = run_jobs(tree, shards[0], bounds)
    for shard, future in zip(shards[1:], futures, strict=True):
        try:
            part, failure = future.result()
        except (BrokenProcessPool, OSError, pickle.PicklingError, TypeError) as exc:
            log.info("behaviour worker failed (%s): analysing its share here", exc)
            part, failure = run_jobs(tree, shard, bounds), None
        if failure is not None and failure[0] == "ArtifactError":
            part, failure = run_jobs(tree, shard, bounds), None
        if failure is not None:
            kind = (
                LimitExceededError if failure[0] == "LimitExceededError" else HostileArtifactError
            )
            raise kind(failure[1], failure[2], failure[3])
        results.extend(part)
    order = {job.path: index for index, job in enumerate(jobs)}
    results.sort(key=lambda r: order.get(r.path, 0))
    return results


_TREES: dict[str, Tree] = {}  # in a worker: trees reopened so far, by recipe


def _shard(
    reopen: Callable[[], Tree], jobs: list[Job], bounds: Bounds
) -> tuple[list[Result], _Failure | None]:
    """Worker: reopen the tree once, analyse a shard; errors travel back as values."""
    try:
        key = repr(reopen)
        tree = _TREES.get(key)
        if tree is None:
            tree = _TREES[key] = reopen()
        return run_jobs(tree, jobs, bounds), None
    except HostileArtifactError as exc:
        return [], (type(exc).__name__, exc.member, exc.rule, exc.detail)
    except ArtifactError as exc:
        return [], ("ArtifactError", "", "", str(exc))

"""Hashing many files of one tree fast: worker processes when the tree can be reopened.

Decompressing and hashing the ~424 MB of a 120-package Lambda zip takes one core ~2.3 s.
Threads barely help there (measured 2.28 s vs 2.37 s: the zip stream's per-chunk Python
work holds the GIL); processes scale (1.34 s).  So a tree with a reopen recipe
(``Tree.reopener()``, or ``zip_reopener`` for a zip on disk) gets ``HashWorkers``:
spawned processes started *before* the RECORDs are parsed, each reopening the artifact
once; the calling process hashes the first size-balanced shard itself, with a head
start.  Trees without a recipe hash in-process (threads when ``Tree.concurrent_open``).
Small jobs (< PROCESS_THRESHOLD) never start a process: a spawn costs ~0.15 s.
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from wellcheck.artifact.base import EntryKind, FileDigest, Tree
from wellcheck.artifact.limits import Limits
from wellcheck.cpus import usable_cpus
from wellcheck.errors import ArtifactError, HostileArtifactError, LimitExceededError

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

#: below this many declared bytes, starting worker processes costs more than it saves
PROCESS_THRESHOLD = 48 * 1024 * 1024
MAX_WORKERS = 8
#: what the calling process hashes while a worker starts (~0.2 s of spawn and imports)
WORKER_START_BYTES = 32 * 1024 * 1024

log = logging.getLogger(__name__)
_Failure = tuple[str, str, str, str]  # (error class, member, rule, detail-or-message)


def default_workers() -> int:
    """The CPUs this process may run on, at most MAX_WORKERS."""
    return min(usable_cpus(), MAX_WORKERS)


def head_start(sizes: dict[str, int], count: int) -> int:
    """Bytes the calling process hashes while workers start: WORKER_START_BYTES, but never
    so much that small jobs leave the workers idle."""
    return min(WORKER_START_BYTES, sum(sizes.values()) // (2 * count))


def shard_by_size(sizes: dict[str, int], count: int, handicap: int = 0) -> list[list[str]]:
    """Split paths into ``count`` lists of near-equal total size (largest first, greedy).

    Every shard but the first starts ``handicap`` bytes behind: the first is hashed by
    the calling process at once, the others only once a worker process has started."""
    shards: list[list[str]] = [[] for _ in range(count)]
    loads = [0] + [handicap] * (count - 1)
    for path in sorted(sizes, key=sizes.__getitem__, reverse=True):
        lightest = loads.index(min(loads))
        shards[lightest].append(path)
        loads[lightest] += sizes[path]
    return [shard for shard in shards if shard]


def hash_tree_files(
    tree: Tree,
    paths: Iterable[str],
    workers: int = 1,
    *,
    threshold: int = PROCESS_THRESHOLD,
    reopen: Callable[[], Tree] | None = None,
    pool: HashWorkers | None = None,
) -> dict[str, FileDigest]:
    """sha256 and size of the regular files among ``paths`` (see ``Tree.hash_files``).

    Worker processes are used when ``pool`` is given (started early by the caller), or
    when ``workers`` > 1, the files declare at least ``threshold`` bytes and the tree
    offers a ``reopener`` (``reopen`` stands in for a tree without one); otherwise the
    tree hashes them itself (with threads when its ``open`` allows it).  Files whose
    digests the tree already knows (``Tree.known_digests``) are not read again."""
    entries = tree.entries()
    known = tree.known_digests()
    digests: dict[str, FileDigest] = {}
    sizes: dict[str, int] = {}
    for path in paths:
        entry = entries.get(path)
        if entry is None or entry.kind is not EntryKind.FILE:
            continue
        if path in known:
            digests[path] = known[path]
        else:
            sizes[path] = entry.size
    if pool is not None and len(sizes) > 1:
        shards = shard_by_size(sizes, pool.count + 1, head_start(sizes, pool.count + 1))
        digests.update(hash_in_processes(tree, pool, shards))
        return digests
    if workers > 1 and len(sizes) > 1 and sum(sizes.values()) >= threshold:
        reopen = tree.reopener() or reopen
        started = HashWorkers.start(reopen, workers - 1) if reopen else None
        if started is not None:
            with started:
                shards = shard_by_size(sizes, workers, head_start(sizes, workers))
                digests.update(hash_in_processes(tree, started, shards))
                return digests
    digests.update(tree.hash_files(list(sizes), workers=workers))
    return digests


class HashWorkers:
    """Spawned worker processes that each reopen one tree, started before the caller
    knows what to hash: spawning (~0.15 s) and reopening overlap its RECORD parsing."""

    def __init__(self, reopen: Callable[[], Tree], pool: ProcessPoolExecutor, count: int) -> None:
        self.reopen = reopen
        self.count = count
        self._pool = pool

    @classmethod
    def start(cls, reopen: Callable[[], Tree], count: int) -> HashWorkers | None:
        """Start ``count`` workers (spawn, not fork: thread-safe and the same on every
        platform); None when this platform or process cannot start any."""
        import multiprocessing
        import pickle
        from concurrent.futures import ProcessPoolExecutor

        try:
            pickle.dumps(reopen)  # a recipe that cannot reach a worker: no pool at all
        except (pickle.PicklingError, TypeError, AttributeError) as exc:
            log.info("tree cannot be reopened in a worker (%s): hashing in this process", exc)
            return None
        try:
            pool = ProcessPoolExecutor(count, mp_context=multiprocessing.get_context("spawn"))
            for _ in range(count):
                pool.submit(_hash_shard, reopen, [])  # warm up: spawn and reopen now
        except (OSError, NotImplementedError, RuntimeError) as exc:
            log.info("no worker processes (%s): hashing in this process", exc)
            return None
        return cls(reopen, pool, count)

    def submit(self, paths: list[str]) -> Future[_ShardResult]:
        return self._pool.submit(_hash_shard, self.reopen, paths)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> HashWorkers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def hash_in_processes(
    tree: Tree, workers: HashWorkers, shards: list[list[str]]
) -> dict[str, FileDigest]:
    """Hash ``shards[0]`` here and every other shard in a worker process.

    A worker that cannot run (a broken pool, an unpicklable recipe: PicklingError, or
    TypeError for one holding a file handle) costs speed, never correctness: its shard
    is hashed here instead."""
    import pickle
    from concurrent.futures.process import BrokenProcessPool

    futures = [workers.submit(shard) for shard in shards[1:]]
    digests = tree.hash_files(shards[0]) if shards else {}
    for shard, future in zip(shards[1:], futures, strict=True):
        try:
            part, failure = future.result()
        except (BrokenProcessPool, OSError, pickle.PicklingError, TypeError) as exc:
            log.info("hashing worker failed (%s): hashing its shard here", exc)
            part, failure = tree.hash_files(shard), None
        if failure is not None and failure[0] == "ArtifactError":  # could not reopen
            log.info("hashing worker could not reopen the tree (%s)", failure[3])
            part, failure = tree.hash_files(shard), None
        if failure is not None:
            raise _rebuild(failure)
        digests.update(part)
    return digests


_ShardResult = tuple[dict[str, FileDigest], "_Failure | None"]
_WORKER_TREES: dict[str, Tree] = {}  # in a worker: trees reopened so far, by recipe


def _hash_shard(reopen: Callable[[], Tree], paths: list[str]) -> _ShardResult:
    """Worker: reopen the tree once, hash a shard.  Errors travel back as plain values
    (HostileArtifactError's constructor does not survive pickling)."""
    try:
        key = repr(reopen)
        tree = _WORKER_TREES.get(key)
        if tree is None:
            tree = _WORKER_TREES[key] = reopen()
        return tree.hash_files(paths), None
    except HostileArtifactError as exc:
        return {}, (type(exc).__name__, exc.member, exc.rule, exc.detail)
    except ArtifactError as exc:
        return {}, ("ArtifactError", "", "", str(exc))


def _rebuild(failure: _Failure) -> ArtifactError:
    kind, member, rule, detail = failure
    if kind == "LimitExceededError":
        return LimitExceededError(member, rule, detail)
    if kind == "HostileArtifactError":
        return HostileArtifactError(member, rule, detail)
    return ArtifactError(detail or f"{member}: {rule}")


@contextlib.contextmanager
def start_workers(
    tree: Tree, artifact_path: str, limits: Limits, workers: int
) -> Iterator[HashWorkers | None]:
    """Worker processes for a tree worth them (a reopen recipe, ``workers`` > 1, at least
    PROCESS_THRESHOLD declared bytes), started now and stopped on exit; else None."""
    reopen = tree.reopener() or zip_reopener(tree, artifact_path, limits)
    pool = None
    if reopen is not None and workers > 1:
        declared = sum(e.size for e in tree.entries().values() if e.kind is EntryKind.FILE)
        if declared >= PROCESS_THRESHOLD:
            pool = HashWorkers.start(reopen, workers - 1)
    try:
        yield pool
    finally:
        if pool is not None:
            pool.close()


def zip_reopener(tree: Tree, artifact_path: str, limits: Limits) -> Callable[[], Tree] | None:
    """A reopen recipe for the top-level tree of a zip artifact on disk (the zip reader's
    trees do not offer ``reopener`` yet); None for anything else."""
    from wellcheck.artifact.zipreader import ZipTree

    if tree.chain or type(tree) is not ZipTree or not Path(artifact_path).is_file():
        return None
    return functools.partial(_open_zip, artifact_path, limits)


def _open_zip(path: str, limits: Limits) -> Tree:
    from wellcheck.artifact.common import Budget
    from wellcheck.artifact.zipreader import open_zip_file

    return open_zip_file(path, limits, Budget(limits), ())

"""Hashing many files of one tree fast: worker processes when the tree can be reopened.

Decompressing and hashing a 424 MB Lambda zip takes one core ~2.2 s.  Threads help only
when the reader's ``open`` drops the GIL in big slices (``Tree.concurrent_open``);
processes always scale, so a tree that offers ``Tree.reopener()`` is split into one
size-balanced shard per worker: the calling process hashes the first shard itself while
spawned workers reopen the artifact and hash the others.  Small jobs stay serial: a
spawned worker costs ~0.15 s.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable

from wellcheck.artifact.base import EntryKind, FileDigest, Tree
from wellcheck.errors import ArtifactError, HostileArtifactError, LimitExceededError

#: below this many declared bytes, starting worker processes costs more than it saves
PROCESS_THRESHOLD = 48 * 1024 * 1024
MAX_WORKERS = 8

_Failure = tuple[str, str, str, str]  # (error class, member, rule, detail-or-message)


def default_workers() -> int:
    """The CPUs this process may run on (affinity-aware where the platform tells it)."""
    counter = getattr(os, "process_cpu_count", None)  # Python 3.13+
    if counter is not None:
        count = counter()
    elif hasattr(os, "sched_getaffinity"):
        count = len(os.sched_getaffinity(0))
    else:
        count = os.cpu_count()
    return max(1, min(count or 1, MAX_WORKERS))


def shard_by_size(sizes: dict[str, int], count: int) -> list[list[str]]:
    """Split paths into ``count`` lists of near-equal total size (largest first, greedy)."""
    shards: list[list[str]] = [[] for _ in range(count)]
    loads = [0] * count
    for path in sorted(sizes, key=sizes.__getitem__, reverse=True):
        lightest = loads.index(min(loads))
        shards[lightest].append(path)
        loads[lightest] += sizes[path]
    return [shard for shard in shards if shard]


def hash_tree_files(
    tree: Tree, paths: Iterable[str], workers: int = 1, *, threshold: int = PROCESS_THRESHOLD
) -> dict[str, FileDigest]:
    """sha256 and size of the regular files among ``paths`` (see ``Tree.hash_files``).

    Worker processes are used when ``workers`` > 1, the files declare at least
    ``threshold`` bytes and the tree offers a ``reopener``; otherwise the tree hashes
    them itself (with threads when its ``open`` allows it)."""
    entries = tree.entries()
    sizes: dict[str, int] = {}
    for path in paths:
        entry = entries.get(path)
        if entry is not None and entry.kind is EntryKind.FILE:
            sizes[path] = entry.size
    reopen = None
    if workers > 1 and len(sizes) > 1 and sum(sizes.values()) >= threshold:
        reopen = tree.reopener()
    if reopen is None:
        return tree.hash_files(list(sizes), workers=workers)
    return hash_in_processes(tree, reopen, shard_by_size(sizes, workers))


def hash_in_processes(
    tree: Tree, reopen: Callable[[], Tree], shards: list[list[str]]
) -> dict[str, FileDigest]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    if len(shards) < 2:
        return tree.hash_files(shards[0] if shards else [])
    # spawn, not fork: safe with threads, and the same behaviour on every platform
    context = multiprocessing.get_context("spawn")
    digests: dict[str, FileDigest] = {}
    with ProcessPoolExecutor(len(shards) - 1, mp_context=context) as pool:
        futures = [pool.submit(_hash_shard, reopen, shard) for shard in shards[1:]]
        digests.update(tree.hash_files(shards[0]))
        for future in futures:
            part, failure = future.result()
            if failure is not None:
                raise _rebuild(failure)
            digests.update(part)
    return digests


def _hash_shard(
    reopen: Callable[[], Tree], paths: list[str]
) -> tuple[dict[str, FileDigest], _Failure | None]:
    """Worker: reopen the tree, hash a shard.  Errors travel back as plain values
    (HostileArtifactError's constructor does not survive pickling)."""
    try:
        tree = reopen()
        try:
            return tree.hash_files(paths), None
        finally:
            tree.close()
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

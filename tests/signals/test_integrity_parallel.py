"""Hashing in parallel (threads or worker processes) gives exactly the serial answer."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from typing import BinaryIO

import pytest

from wellcheck.artifact.base import Tree
from wellcheck.artifact.memory import MemoryTree
from wellcheck.errors import ArtifactError, LimitExceededError
from wellcheck.signals.integrity_hashing import hash_tree_files, shard_by_size

FILES = {f"pkg/m{i}.py": (f"# module {i}\n" * (i * 300 + 1)).encode() for i in range(40)}
EXPECTED = {path: (hashlib.sha256(data).hexdigest(), len(data)) for path, data in FILES.items()}


class ThreadedTree(MemoryTree):
    concurrent_open = True


class ReopenableTree(MemoryTree):
    """Reopened by worker processes from a picklable recipe, like a zip on disk would be."""

    def reopener(self) -> Callable[[], Tree] | None:
        return functools.partial(ReopenableTree, dict(self._data))


class HostileTree(ReopenableTree):
    def open(self, path: str) -> BinaryIO:
        if path.endswith("m7.py"):
            raise LimitExceededError(path, "max_ratio", "inflates more than 250 times")
        if path.endswith("m3.py"):
            raise ArtifactError("corrupt zip member")
        return super().open(path)

    def reopener(self) -> Callable[[], Tree] | None:
        return functools.partial(HostileTree, dict(self._data))


@pytest.mark.parametrize("tree_class", [MemoryTree, ThreadedTree])
@pytest.mark.parametrize("workers", [1, 2, 3])
def test_threads_and_serial_agree(tree_class: type[MemoryTree], workers: int) -> None:
    tree = tree_class(FILES)
    assert hash_tree_files(tree, [*FILES, "absent.py"], workers) == EXPECTED


def test_worker_processes_agree_with_serial_hashing() -> None:
    assert hash_tree_files(ReopenableTree(FILES), FILES, workers=2, threshold=0) == EXPECTED


def test_hostile_members_abort_and_unreadable_ones_are_left_out() -> None:
    with pytest.raises(LimitExceededError, match="max_ratio"):
        hash_tree_files(HostileTree(FILES), FILES, workers=2, threshold=0)
    readable = {p: d for p, d in EXPECTED.items() if not p.endswith(("m7.py", "m3.py"))}
    partial = [p for p in FILES if not p.endswith("m7.py")]
    assert hash_tree_files(HostileTree(FILES), partial, workers=2, threshold=0) == readable


def test_shards_are_balanced_by_size() -> None:
    sizes = {f"f{i}": size for i, size in enumerate([90, 50, 40, 30, 20, 10, 10])}
    shards = shard_by_size(sizes, 2)
    loads = sorted(sum(sizes[p] for p in shard) for shard in shards)
    assert loads[1] - loads[0] <= 10  # greedy, largest first: near-equal
    assert sorted(p for shard in shards for p in shard) == sorted(sizes)

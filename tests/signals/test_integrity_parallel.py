"""Hashing in parallel (threads or worker processes) gives exactly the serial answer."""

from __future__ import annotations

import functools
import hashlib
import threading
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import pytest

from wellcheck.artifact import open_artifact
from wellcheck.artifact.base import Tree
from wellcheck.artifact.limits import DEFAULT_LIMITS
from wellcheck.artifact.memory import MemoryTree
from wellcheck.errors import ArtifactError, LimitExceededError
from wellcheck.signals.integrity import check_tree
from wellcheck.signals.integrity_hashing import (
    HashWorkers,
    hash_tree_files,
    shard_by_size,
    start_workers,
    zip_reopener,
)

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


class BombInWorker(MemoryTree):
    """Benign here; reopened in a worker, every member is a bomb."""

    bomb = False

    def open(self, path: str) -> BinaryIO:
        if self.bomb:
            raise LimitExceededError(path, "max_member_size", "inflates past the cap")
        return super().open(path)

    def reopener(self) -> Callable[[], Tree] | None:
        return functools.partial(_bomb, dict(self._data))


def _bomb(files: dict[str, bytes]) -> Tree:
    tree = BombInWorker(files)
    tree.bomb = True
    return tree


class OtherContentInWorker(MemoryTree):
    """Reopened in a worker with other content: shows which files a worker hashed."""

    def reopener(self) -> Callable[[], Tree] | None:
        return functools.partial(MemoryTree, dict.fromkeys(self._data, b"worker"))


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


def test_worker_processes_really_hash_a_share_of_the_files() -> None:
    digests = hash_tree_files(OtherContentInWorker(FILES), FILES, workers=2, threshold=0)
    by_worker = {p for p, (_, size) in digests.items() if size == len(b"worker")}
    assert sorted(digests) == sorted(FILES)
    assert by_worker and len(by_worker) < len(FILES)


def test_a_limit_broken_in_a_worker_aborts_like_one_broken_here() -> None:
    with pytest.raises(LimitExceededError, match="max_member_size"):
        hash_tree_files(BombInWorker(FILES), FILES, workers=2, threshold=0)


def test_shards_are_balanced_by_size() -> None:
    sizes = {f"f{i}": size for i, size in enumerate([90, 50, 40, 30, 20, 10, 10])}
    shards = shard_by_size(sizes, 2)
    loads = sorted(sum(sizes[p] for p in shard) for shard in shards)
    assert loads[1] - loads[0] <= 10  # greedy, largest first: near-equal
    assert sorted(p for shard in shards for p in shard) == sorted(sizes)


def test_worker_shards_give_the_calling_process_a_head_start() -> None:
    sizes = {f"f{i}": 10 for i in range(20)}
    first, second = shard_by_size(sizes, 2, handicap=40)
    assert (len(first), len(second)) == (12, 8)


def test_a_zip_on_disk_is_reopened_by_worker_processes(tmp_path: Path) -> None:
    artifact = tmp_path / "function.zip"
    with zipfile.ZipFile(artifact, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in FILES.items():
            zf.writestr(name, data)
    with open_artifact(str(artifact)) as opened:
        (tree,) = opened.trees
        reopen = zip_reopener(tree, str(artifact), DEFAULT_LIMITS)
        assert reopen is not None
        assert zip_reopener(MemoryTree(FILES), str(artifact), DEFAULT_LIMITS) is None
        digests = hash_tree_files(tree, FILES, workers=2, threshold=0, reopen=reopen)
    assert digests == EXPECTED


class UnpicklableTree(MemoryTree):
    """A reopen recipe that holds a lock cannot travel to a worker process."""

    def reopener(self) -> Callable[[], Tree] | None:
        return functools.partial(UnpicklableTree, dict(self._data), symlinks=threading.Lock())  # type: ignore[arg-type]


def test_a_recipe_that_cannot_reach_a_worker_falls_back_to_this_process() -> None:
    assert hash_tree_files(UnpicklableTree(FILES), FILES, workers=2, threshold=0) == EXPECTED


def test_a_modified_file_is_found_by_a_worker_process(tmp_path: Path) -> None:
    from test_integrity import install

    modules = {f"bigpkg/m{i}.py": f"X = {i}\n".encode() * 5000 for i in range(8)}
    files, component = install("bigpkg", "1.0", modules, site="")
    files["bigpkg/m3.py"] = b"tampered = True\n" + files["bigpkg/m3.py"][16:]
    artifact = tmp_path / "function.zip"
    with zipfile.ZipFile(artifact, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    with open_artifact(str(artifact)) as opened:
        (tree,) = opened.trees
        with start_workers(tree, str(artifact), DEFAULT_LIMITS, workers=2) as pool:
            assert pool is None  # a small artifact is not worth a worker process
        reopen = zip_reopener(tree, str(artifact), DEFAULT_LIMITS)
        assert reopen is not None
        with HashWorkers.start(reopen, 1) as started:  # type: ignore[union-attr]
            findings, skipped = check_tree(tree, [component], workers=2, pool=started)
    assert skipped == []
    assert [(f.rule, f.title) for f in findings] == [
        ("WC-INTEG-MODIFIED", "bigpkg/m3.py was changed after installation")
    ]

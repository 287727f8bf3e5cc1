"""Digests a tree was given (``Tree.remember_digests``: files a check already read whole
through the tree's reader) are returned by hashing instead of reading those files again."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import BinaryIO

from zipkit import zip_bytes

from wellcheck.artifact import open_artifact
from wellcheck.artifact.base import file_digest
from wellcheck.artifact.limits import DEFAULT_LIMITS
from wellcheck.artifact.memory import MemoryTree
from wellcheck.artifact.sdist import SdistTree
from wellcheck.signals.integrity_hashing import hash_tree_files, zip_reopener

FILES = {f"pkg/m{i}.py": (f"# module {i}\n" * (i * 300 + 1)).encode() for i in range(12)}
EXPECTED = {path: (hashlib.sha256(data).hexdigest(), len(data)) for path, data in FILES.items()}
#: a digest no file has: returned as given, so the file was not read again
GIVEN = ("0" * 64, 1)


class CountingTree(MemoryTree):
    def __init__(self, files: dict[str, bytes]) -> None:
        super().__init__(files)
        self.opened: list[str] = []

    def open(self, path: str) -> BinaryIO:
        self.opened.append(path)
        return super().open(path)


def test_file_digest_is_what_hashing_the_file_gives() -> None:
    tree = MemoryTree(FILES)
    assert {path: file_digest(data) for path, data in FILES.items()} == tree.hash_files(FILES)


def test_remembered_files_are_not_read_again() -> None:
    tree = CountingTree(FILES)
    tree.remember_digests({"pkg/m0.py": GIVEN, "pkg/m1.py": EXPECTED["pkg/m1.py"]})
    digests = tree.hash_files(FILES)
    assert digests == {**EXPECTED, "pkg/m0.py": GIVEN}
    assert sorted(tree.opened) == sorted(set(FILES) - {"pkg/m0.py", "pkg/m1.py"})


def test_only_regular_files_of_the_tree_are_answered() -> None:
    tree = CountingTree(FILES)
    tree.remember_digests({"pkg/m0.py": GIVEN})
    assert tree.hash_files(["pkg/m0.py", "pkg/absent.py", "pkg"]) == {"pkg/m0.py": GIVEN}
    assert tree.opened == []


def test_worker_processes_skip_remembered_files(tmp_path: Path) -> None:
    artifact = tmp_path / "a.zip"
    artifact.write_bytes(zip_bytes(FILES))
    with open_artifact(str(artifact), DEFAULT_LIMITS) as opened:
        tree = opened.trees[0]
        reopen = zip_reopener(tree, str(artifact), DEFAULT_LIMITS)
        tree.remember_digests({"pkg/m11.py": GIVEN})
        digests = hash_tree_files(tree, FILES, workers=2, threshold=0, reopen=reopen)
        assert digests == {**EXPECTED, "pkg/m11.py": GIVEN}


def test_an_sdist_tree_remembers_in_the_tree_it_reads() -> None:
    inner = CountingTree(FILES)
    sdist = SdistTree(inner, "")
    sdist.remember_digests({"pkg/m0.py": GIVEN})
    assert inner.known_digests() == {"pkg/m0.py": GIVEN}
    assert sdist.hash_files(["pkg/m0.py"]) == {"pkg/m0.py": GIVEN}
    assert inner.opened == []

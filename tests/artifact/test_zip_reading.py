"""Reading zips in place: lookups, directory listings, streaming, concurrent reads."""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from zipkit import RawMember, raw_zip, symlink, zip_bytes

from wellcheck.artifact import open_artifact
from wellcheck.artifact.base import EntryKind, Tree
from wellcheck.artifact.common import ChildIndex
from wellcheck.artifact.memory import MemoryTree
from wellcheck.errors import ArtifactError


def open_zip(tmp_path: Path, data: bytes):  # type: ignore[no-untyped-def]
    path = tmp_path / "a.zip"
    path.write_bytes(data)
    return open_artifact(str(path))


def test_implicit_directories_are_listed(tmp_path: Path) -> None:
    data = zip_bytes({"site/numpy/core/_multiarray.py": b"", "site/numpy/__init__.py": b""})
    with open_zip(tmp_path, data) as opened:
        tree = opened.trees[0]
        assert "site/numpy" not in tree.entries()  # no directory records in this zip
        children = {(e.path, e.kind) for e in tree.iter_dir("site/numpy")}
        assert children == {
            ("site/numpy/core", EntryKind.DIR),
            ("site/numpy/__init__.py", EntryKind.FILE),
        }
        assert [e.path for e in tree.iter_dir("")] == ["site"]
        assert list(tree.iter_dir("no/such/dir")) == []


def test_directory_records_are_dir_entries(tmp_path: Path) -> None:
    data = raw_zip([RawMember("pkg/", b"", method=0), RawMember("pkg/a.py", b"a")])
    with open_zip(tmp_path, data) as opened:
        tree = opened.trees[0]
        assert tree.entries()["pkg"].kind is EntryKind.DIR
        with pytest.raises(ArtifactError, match="directory"):
            tree.read_bytes("pkg")


def test_large_members_stream_in_chunks(tmp_path: Path) -> None:
    payload = random.Random(0).randbytes(10_000_000)
    with open_zip(tmp_path, zip_bytes({"big.so": payload})) as opened:
        digest = hashlib.sha256()
        with opened.trees[0].open("big.so") as fh:
            while chunk := fh.read(100_000):
                assert len(chunk) <= 100_000
                digest.update(chunk)
        assert digest.hexdigest() == hashlib.sha256(payload).hexdigest()


def test_links_to_the_root_or_a_directory_are_not_files(tmp_path: Path) -> None:
    data = raw_zip([RawMember("pkg/a.py", b"a"), symlink("root", "."), symlink("up", "pkg/..")])
    with open_zip(tmp_path, data) as opened:
        for path in ("root", "up"):
            with pytest.raises(ArtifactError):
                opened.trees[0].read_bytes(path)


def test_members_can_be_hashed_from_several_threads(tmp_path: Path) -> None:
    files = {f"pkg/m{i}.py": (b"%d" % i) * 5000 for i in range(40)}
    with open_zip(tmp_path, zip_bytes(files)) as opened:
        tree = opened.trees[0]
        assert tree.concurrent_open
        digests = tree.hash_files(list(files), workers=4)
        assert digests == {
            name: (hashlib.sha256(data).hexdigest(), len(data)) for name, data in files.items()
        }


segment = st.sampled_from(["a", "b", "pkg", "x.dist-info", "m.py"])


@settings(max_examples=80, deadline=None)
@given(st.lists(st.lists(segment, min_size=1, max_size=4).map("/".join), max_size=25))
def test_child_index_lists_what_the_reference_listing_does(paths: list[str]) -> None:
    tree = MemoryTree(dict.fromkeys(paths, b""))
    index = ChildIndex(tree.entries())
    directories = {""} | {p.rsplit("/", 1)[0] for p in paths if "/" in p} | {"nope"}
    for directory in sorted(directories):
        expected = {(e.path, e.kind) for e in Tree.iter_dir(tree, directory)}
        assert {(e.path, e.kind) for e in index.iter_dir(directory)} == expected

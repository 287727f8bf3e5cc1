"""Directories: walked without following links, read only inside the real root."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from wellcheck.artifact import open_artifact
from wellcheck.artifact.base import EntryKind
from wellcheck.artifact.limits import Limits
from wellcheck.errors import ArtifactError, HostileArtifactError, LimitExceededError

needs_symlinks = pytest.mark.skipif(sys.platform == "win32", reason="symlinks need privileges")


def make_root(tmp_path: Path) -> Path:
    root = tmp_path / "wc1"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "real.py").write_bytes(b"real")
    return root


@needs_symlinks
def test_symlinks_are_recorded_with_their_target(tmp_path: Path) -> None:
    root = make_root(tmp_path)
    (root / "pkg" / "inside.py").symlink_to("real.py")
    (root / "etc").symlink_to("/etc")
    with open_artifact(str(root)) as opened:
        tree = opened.trees[0]
        entries = tree.entries()
        assert entries["pkg/inside.py"].kind is EntryKind.SYMLINK
        assert entries["pkg/inside.py"].link_target == "real.py"
        assert entries["etc"].kind is EntryKind.SYMLINK
        assert not any(path.startswith("etc/") for path in entries)  # never descended
        assert tree.read_bytes("pkg/inside.py") == b"real"


@needs_symlinks
def test_symlinks_pointing_outside_are_never_followed(tmp_path: Path) -> None:
    root = make_root(tmp_path)
    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"secret")
    (root / "pkg" / "rel.py").symlink_to("../../secret.txt")
    (root / "pkg" / "abs.py").symlink_to(secret)
    with open_artifact(str(root)) as opened:
        tree = opened.trees[0]
        for path in ("pkg/rel.py", "pkg/abs.py"):
            assert tree.entries()[path].kind is EntryKind.SYMLINK
            with pytest.raises(ArtifactError):
                tree.read_bytes(path)


@needs_symlinks
def test_sibling_prefix_escape_is_caught_by_commonpath(tmp_path: Path) -> None:
    """Root /x/wc1, file resolving to /x/wc1x/f: a startswith check would let it through."""
    root = make_root(tmp_path)
    sibling = tmp_path / "wc1x"
    sibling.mkdir()
    (sibling / "real.py").write_bytes(b"outside")
    with open_artifact(str(root)) as opened:
        tree = opened.trees[0]
        # the tree changes under the scanner: pkg becomes a link to the sibling
        shutil.rmtree(root / "pkg")
        (root / "pkg").symlink_to(sibling)
        with pytest.raises(HostileArtifactError) as caught:
            tree.read_bytes("pkg/real.py")
    assert caught.value.rule == "link-escape"


@needs_symlinks
def test_symlink_loops_stop_with_an_error(tmp_path: Path) -> None:
    root = make_root(tmp_path)
    (root / "a").symlink_to("b")
    (root / "b").symlink_to("a")
    with open_artifact(str(root)) as opened, pytest.raises(LimitExceededError):
        opened.trees[0].read_bytes("a")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_fifos_are_skipped_with_a_warning(tmp_path: Path) -> None:
    root = make_root(tmp_path)
    os.mkfifo(root / "pipe")
    with open_artifact(str(root)) as opened:
        assert "pipe" not in opened.trees[0].entries()
        assert opened.info.warnings == ("pipe: device, FIFO or socket skipped",)


@pytest.mark.skipif(sys.platform != "linux", reason="byte file names are a POSIX thing")
def test_non_utf8_file_names_get_a_stable_spelling(tmp_path: Path) -> None:
    root = make_root(tmp_path)
    with open(os.path.join(os.fsencode(root), b"caf\xe9.py"), "wb") as fh:
        fh.write(b"latin-1 name")
    with open_artifact(str(root)) as opened:
        tree = opened.trees[0]
        assert "caf\\xe9.py" in tree.entries()
        assert tree.read_bytes("caf\\xe9.py") == b"latin-1 name"


def test_limits_apply_to_directories(tmp_path: Path) -> None:
    root = make_root(tmp_path)
    (root / "big.bin").write_bytes(b"x" * 5000)
    with (
        open_artifact(str(root), Limits(max_member_size=1000)) as opened,
        pytest.raises(LimitExceededError, match="max_member_size"),
    ):
        opened.trees[0].read_bytes("big.bin")
    with pytest.raises(LimitExceededError, match="max_members"):
        open_artifact(str(root), Limits(max_members=2))


def test_iter_dir_lists_direct_children(tmp_path: Path) -> None:
    root = make_root(tmp_path)
    (root / "pkg" / "sub").mkdir()
    (root / "pkg" / "sub" / "x.py").write_bytes(b"")
    with open_artifact(str(root)) as opened:
        children = sorted(e.path for e in opened.trees[0].iter_dir("pkg"))
        assert children == ["pkg/real.py", "pkg/sub"]
        assert [e.path for e in opened.trees[0].iter_dir("")] == ["pkg"]


def test_reading_a_directory_or_a_missing_file_is_an_error(tmp_path: Path) -> None:
    with (
        open_artifact(str(make_root(tmp_path))) as opened,
        pytest.raises(ArtifactError, match="directory"),
    ):
        opened.trees[0].read_bytes("pkg")
        with pytest.raises(ArtifactError, match="no regular file"):
            opened.trees[0].read_bytes("nope.py")

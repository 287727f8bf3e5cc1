"""Where SBOMs are written: atomically, one file or one per artifact."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from wellcheck.errors import OutputError
from wellcheck.sbom.output import is_directory_target, per_artifact_paths, write_atomic


def test_write_atomic_replaces_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "sbom.json"
    target.write_text("old")
    write_atomic(target, "new\n")
    assert target.read_bytes() == b"new\n"
    assert [p.name for p in tmp_path.iterdir()] == ["sbom.json"]


def test_write_atomic_keeps_unix_line_ends(tmp_path: Path) -> None:
    write_atomic(tmp_path / "a.json", "a\nb\n")
    assert (tmp_path / "a.json").read_bytes() == b"a\nb\n"


@pytest.mark.skipif(os.name != "posix", reason="permission bits")
def test_new_files_follow_the_umask_not_mkstemp(tmp_path: Path) -> None:
    write_atomic(tmp_path / "a.json", "{}")
    umask = os.umask(0)
    os.umask(umask)
    assert (tmp_path / "a.json").stat().st_mode & 0o777 == 0o666 & ~umask


def test_missing_directory_is_an_output_error(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="does not exist"):
        write_atomic(tmp_path / "nope" / "a.json", "{}")


def test_directory_targets(tmp_path: Path) -> None:
    assert is_directory_target(str(tmp_path))
    assert is_directory_target("out/")
    assert not is_directory_target(str(tmp_path / "sbom.json"))


def test_per_artifact_names_are_unique() -> None:
    paths = per_artifact_paths("out", ["fn.zip", "fn.zip", "layer.zip"], ".cdx.json")
    assert [p.name for p in paths] == ["fn.zip.cdx.json", "fn.zip-2.cdx.json", "layer.zip.cdx.json"]

"""open_artifact: every input kind is recognised by content and opens into trees."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import pytest
from zipkit import RawMember, dist_info, raw_zip, zip_bytes

from wellcheck.artifact import open_artifact
from wellcheck.artifact.base import EntryKind
from wellcheck.artifact.limits import Limits
from wellcheck.errors import ArtifactError, ExitStatus

APP = b"import requests\n\ndef handler(event, context):\n    return 200\n"


def write(path: Path, data: bytes) -> str:
    path.write_bytes(data)
    return str(path)


def function_zip(root: str = "") -> bytes:
    files = {f"{root}app.py": APP, f"{root}requests/__init__.py": b"__version__ = '2.32.3'\n"}
    files.update(dist_info("requests", "2.32.3", root=root))
    files.update(dist_info("urllib3", "2.2.2", root=root))
    return zip_bytes(files)


def test_function_zip_with_code_at_the_root(tmp_path: Path) -> None:
    data = function_zip()
    path = write(tmp_path / "deploy.bin", data)  # the name says nothing: content decides
    with open_artifact(path) as opened:
        assert opened.info.kind == "lambda-zip"
        assert opened.info.sha256 == hashlib.sha256(data).hexdigest()
        assert opened.info.size == len(data)
        tree = opened.trees[0]
        assert tree.chain == ()
        assert tree.read_bytes("app.py") == APP
        assert "requests-2.32.3.dist-info/METADATA" in tree.entries()
        assert opened.not_scanned == []


def test_function_zip_with_a_sub_folder(tmp_path: Path) -> None:
    path = write(tmp_path / "function.zip", function_zip("package/"))
    with open_artifact(path) as opened:
        assert opened.info.kind == "lambda-zip"
        names = {entry.path for entry in opened.trees[0].iter_dir("package")}
        assert "package/urllib3-2.2.2.dist-info" in names
        assert "package/app.py" in names


def test_layer_zip_tells_its_python_version(tmp_path: Path) -> None:
    site = "python/lib/python3.12/site-packages/"
    files = {f"{site}boto3/__init__.py": b"__version__ = '1.34.0'\n"}
    files.update(dist_info("boto3", "1.34.0", root=site))
    path = write(tmp_path / "layer.zip", zip_bytes(files))
    with open_artifact(path) as opened:
        assert opened.info.kind == "lambda-layer"
        assert opened.info.python_version == "3.12"
        dirs = [e.path for e in opened.trees[0].iter_dir("python/lib") if e.kind is EntryKind.DIR]
        assert dirs == ["python/lib/python3.12"]


def test_layer_zip_with_a_flat_python_folder(tmp_path: Path) -> None:
    files = {"python/attr/__init__.py": b""}
    files.update(dist_info("attrs", "23.2.0", root="python/"))
    path = write(tmp_path / "layer.zip", zip_bytes(files))
    with open_artifact(path) as opened:
        assert opened.info.kind == "lambda-layer"
        assert opened.info.python_version is None


def test_wheel(tmp_path: Path) -> None:
    files = {"six.py": b"__version__ = '1.16.0'\n"}
    files.update(dist_info("six", "1.16.0", installer=False))
    path = write(tmp_path / "six-1.16.0-py2.py3-none-any.whl", zip_bytes(files))
    with open_artifact(path) as opened:
        assert opened.info.kind == "wheel"


def test_other_zip(tmp_path: Path) -> None:
    path = write(tmp_path / "docs.zip", zip_bytes({"docs/index.html": b"<html></html>"}))
    with open_artifact(path) as opened:
        assert opened.info.kind == "zip"
        assert opened.trees[0].read_bytes("docs/index.html") == b"<html></html>"


def test_self_extracting_zip_is_read(tmp_path: Path) -> None:
    stub = b"\x7fELF" + b"\x00" * 5000  # an executable stub before the archive
    path = write(tmp_path / "installer", stub + function_zip())
    with open_artifact(path) as opened:
        assert opened.info.kind == "lambda-zip"
        assert opened.trees[0].read_bytes("app.py") == APP


def test_self_extracting_raw_archive_with_relative_offsets(tmp_path: Path) -> None:
    data = raw_zip([RawMember("app.py", APP)], prefix=b"#!/bin/sh\nexit 0\n" * 50)
    with open_artifact(write(tmp_path / "sfx.sh", data)) as opened:
        assert opened.trees[0].read_bytes("app.py") == APP


def test_directory(tmp_path: Path) -> None:
    root = tmp_path / "task"
    (root / "idna-3.7.dist-info").mkdir(parents=True)
    (root / "idna-3.7.dist-info" / "METADATA").write_bytes(b"Name: idna\nVersion: 3.7\n")
    (root / "app.py").write_bytes(APP)
    with open_artifact(str(root)) as opened:
        assert opened.info.kind == "directory"
        assert opened.info.sha256 is None
        tree = opened.trees[0]
        assert set(tree.entries()) == {
            "app.py",
            "idna-3.7.dist-info",
            "idna-3.7.dist-info/METADATA",
        }
        assert tree.read_bytes("app.py") == APP


def test_directory_of_an_unpacked_layer_tells_its_python(tmp_path: Path) -> None:
    site = tmp_path / "opt" / "python" / "lib" / "python3.11" / "site-packages" / "x"
    site.mkdir(parents=True)
    (site / "__init__.py").write_bytes(b"")
    with open_artifact(str(tmp_path / "opt")) as opened:
        assert opened.info.python_version == "3.11"


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("missing", None, "no such file or directory"),
        ("empty", b"", "empty file"),
        ("notes.zip", b"just some text, not an archive\n" * 10, "unknown artifact format"),
    ],
)
def test_unusable_inputs_are_input_errors(
    tmp_path: Path, name: str, data: bytes | None, message: str
) -> None:
    path = tmp_path / name
    if data is not None:
        path.write_bytes(data)
    with pytest.raises(ArtifactError, match=message) as caught:
        open_artifact(str(path))
    assert caught.value.exit_status is ExitStatus.INPUT_ERROR
    assert "\n" not in str(caught.value)


def test_image_like_inputs_go_to_the_image_reader(tmp_path: Path) -> None:
    """An OCI layout directory or a gzip file is never taken for a directory or a zip."""
    layout = tmp_path / "layout"
    layout.mkdir()
    (layout / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')
    for path in (layout, tmp_path / "broken.tar.gz"):
        if path.suffix == ".gz":
            path.write_bytes(gzip.compress(b"not a tar at all"))
        with pytest.raises(ArtifactError):
            open_artifact(str(path))


def test_limits_object_is_passed_through(tmp_path: Path) -> None:
    path = write(tmp_path / "f.zip", function_zip())
    with pytest.raises(ArtifactError, match="max_members"):
        open_artifact(path, Limits(max_members=3))


def test_digest_is_available_after_close(tmp_path: Path) -> None:
    data = function_zip()
    opened = open_artifact(write(tmp_path / "f.zip", data))
    opened.close()
    assert opened.info.sha256 == hashlib.sha256(data).hexdigest()

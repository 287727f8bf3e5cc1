"""Opening container images: docker save and OCI layouts, plain/gzip/zstd layers."""

from __future__ import annotations

import gzip
import hashlib
import tempfile
from pathlib import Path

import pytest
from imagebuilder import (
    build_docker_archive,
    build_oci_layout,
    build_oci_tar,
    dist_info,
    layer_tar,
    sha256,
    write_tar,
)

from wellcheck.artifact.base import EntryKind
from wellcheck.artifact.image import ImageReader, open_image
from wellcheck.artifact.limits import Limits
from wellcheck.errors import ArtifactError, HostileArtifactError

LIMITS = Limits()
SITE = "usr/local/lib/python3.11/site-packages"
BASE = {"etc/os-release": b"ID=debian\n", **dist_info("pip", "24.0", SITE)}
APP = {"var/task/app.py": b"print('hi')\n", **dist_info("requests", "2.31.0", "var/task")}
LAYERS = [BASE, APP]


def _check_two_layers(path: Path, kind: str) -> None:
    with open_image(str(path), LIMITS) as opened:
        info, tree = opened.info, opened.trees[0]
        entries = tree.entries()
        assert info.kind == kind
        assert info.layers == (sha256(layer_tar(BASE)), sha256(layer_tar(APP)))
        assert entries["var/task/requests-2.31.0.dist-info/METADATA"].layer == info.layers[1]
        assert entries[f"{SITE}/pip-24.0.dist-info/METADATA"].layer == info.layers[0]
        assert tree.read_bytes("var/task/app.py") == b"print('hi')\n"
        assert tree.read_bytes("etc/os-release") == b"ID=debian\n"
        assert tree.chain == ()
        assert info.python_version == "3.11"
        if path.is_file():
            assert info.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
            assert info.size == path.stat().st_size
        else:
            assert info.sha256 is None


@pytest.mark.parametrize("compression", [None, "gzip", "zstd"])
@pytest.mark.parametrize("layout", ["legacy", "blobs"])
def test_docker_save_archives_open_with_layer_digests(
    tmp_path: Path, compression: str | None, layout: str
) -> None:
    path = build_docker_archive(tmp_path / "img.tar", LAYERS, compression, layout=layout)  # type: ignore[arg-type]
    _check_two_layers(path, "docker-archive")


@pytest.mark.parametrize("compression", [None, "gzip", "zstd"])
def test_oci_layout_directory_and_tar(tmp_path: Path, compression: str | None) -> None:
    _check_two_layers(build_oci_layout(tmp_path / "oci", LAYERS, compression), "oci-layout")  # type: ignore[arg-type]
    _check_two_layers(build_oci_tar(tmp_path / "oci.tar", LAYERS, compression), "oci-layout")  # type: ignore[arg-type]


def test_a_gzipped_docker_save_is_read_too(tmp_path: Path) -> None:
    plain = build_docker_archive(tmp_path / "img.tar", LAYERS, "gzip")
    packed = tmp_path / "img.tar.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    _check_two_layers(packed, "docker-archive")


def test_multi_platform_index_picks_linux_amd64_and_says_so(tmp_path: Path) -> None:
    arm = [{"opt/python/arm_only.py": b""}]
    amd = [{"opt/python/amd_only.py": b""}]
    path = build_oci_layout(
        tmp_path / "oci", [], platforms={"linux/arm64": arm, "linux/amd64": amd}
    )
    with open_image(str(path), LIMITS) as opened:
        assert "opt/python/amd_only.py" in opened.trees[0].entries()
        assert "opt/python/arm_only.py" not in opened.trees[0].entries()
        assert any("linux/amd64" in w for w in opened.info.warnings)


def test_without_amd64_the_first_manifest_is_scanned(tmp_path: Path) -> None:
    path = build_oci_layout(
        tmp_path / "oci",
        [],
        platforms={"linux/arm64": [{"a.py": b""}], "linux/s390x": [{"b.py": b""}]},
    )
    with open_image(str(path), LIMITS) as opened:
        assert "a.py" in opened.trees[0].entries()
        assert any("linux/arm64" in w for w in opened.info.warnings)


def test_a_tar_that_is_not_an_image_is_one_root_filesystem(tmp_path: Path) -> None:
    path = write_tar(tmp_path / "rootfs.tar", [("/opt/python/six.py", b"x = 1\n")])
    with open_image(str(path), LIMITS) as opened:
        assert opened.info.kind == "tar"
        assert opened.info.layers == ()
        assert opened.trees[0].read_bytes("opt/python/six.py") == b"x = 1\n"


def test_python_version_comes_from_the_config_env(tmp_path: Path) -> None:
    path = build_docker_archive(
        tmp_path / "img.tar", [{"app.py": b""}], env=["PYTHON_VERSION=3.12.4"]
    )
    with open_image(str(path), LIMITS) as opened:
        assert opened.info.python_version == "3.12"


@pytest.mark.parametrize(
    ("root", "version"),
    [
        ("var/task", None),
        ("opt/python", None),
        ("var/lang/lib/python3.12/site-packages", "3.12"),
        ("usr/local/lib/python3.11/site-packages", "3.11"),
        ("usr/lib/python3/dist-packages", None),
        ("opt/python/lib/python3.10/site-packages", "3.10"),
    ],
)
def test_python_is_found_wherever_it_lives(tmp_path: Path, root: str, version: str | None) -> None:
    layers = [{"etc/hostname": b"x\n"}, dist_info("boto3", "1.34.0", root)]
    path = build_docker_archive(tmp_path / "img.tar", layers, "gzip")
    with open_image(str(path), LIMITS) as opened:
        entries = opened.trees[0].entries()
        assert entries[f"{root}/boto3-1.34.0.dist-info/METADATA"].kind is EntryKind.FILE
        assert (
            opened.trees[0].read_bytes(f"{root}/boto3/__init__.py") == b"__version__ = '1.34.0'\n"
        )
        assert opened.info.python_version == version


def test_every_regular_file_can_be_opened_and_hashed(tmp_path: Path) -> None:
    path = build_docker_archive(tmp_path / "img.tar", LAYERS, "zstd")
    with open_image(str(path), LIMITS) as opened:
        tree = opened.trees[0]
        files = [p for p, e in tree.entries().items() if e.kind is EntryKind.FILE]
        digests = tree.hash_files(files, workers=2)
        assert set(digests) == set(files)
        assert digests["var/task/app.py"][1] == len(b"print('hi')\n")


def test_temporary_files_are_removed_on_close(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    private = tmp_path / "tmp"
    private.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    path = build_docker_archive(tmp_path / "img.tar", LAYERS, "gzip")
    opened = open_image(str(path), LIMITS)
    assert [p.name.startswith("wellcheck-image-") for p in private.iterdir()] == [True]
    opened.close()
    assert list(private.iterdir()) == []


def test_the_reader_claims_tars_and_oci_directories_only(tmp_path: Path) -> None:
    reader = ImageReader()
    tar = build_docker_archive(tmp_path / "img.tar", LAYERS)
    oci = build_oci_layout(tmp_path / "oci", LAYERS)
    assert reader.matches(str(tar), tar.read_bytes()[:4096])
    assert reader.matches(str(oci), b"")
    assert not reader.matches(str(tmp_path), b"")
    assert not reader.matches("x.zip", b"PK\x03\x04" + bytes(600))
    with reader.open(str(tar), LIMITS) as opened:
        assert opened.info.kind == "docker-archive"


def test_a_missing_layer_blob_is_an_input_error(tmp_path: Path) -> None:
    oci = build_oci_layout(tmp_path / "oci", LAYERS, "gzip")
    biggest = max((oci / "blobs" / "sha256").iterdir(), key=lambda p: p.stat().st_size)
    biggest.unlink()
    with pytest.raises(ArtifactError, match="missing"):
        open_image(str(oci), LIMITS)


def test_open_artifact_routes_images_here_by_content(tmp_path: Path) -> None:
    from wellcheck.artifact import open_artifact

    tar = build_oci_tar(tmp_path / "image.bin", LAYERS, "zstd")  # the name says nothing
    with open_artifact(str(tar)) as opened:
        assert opened.info.kind == "oci-layout"
    with open_artifact(str(build_oci_layout(tmp_path / "oci", LAYERS))) as opened:
        assert opened.info.kind == "oci-layout"


def test_an_oci_blob_linking_out_of_the_layout_is_hostile(tmp_path: Path) -> None:
    oci = build_oci_layout(tmp_path / "oci", LAYERS, "gzip")
    secret = tmp_path / "secret"
    secret.write_bytes(b"not yours")
    blob = max((oci / "blobs" / "sha256").iterdir(), key=lambda p: p.stat().st_size)
    blob.unlink()
    try:
        blob.symlink_to(secret)
    except OSError:  # Windows without the symlink privilege
        pytest.skip("cannot create symlinks here")
    with pytest.raises(HostileArtifactError) as caught:
        open_image(str(oci), LIMITS)
    assert caught.value.rule == "link-escape"

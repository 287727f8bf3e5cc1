"""Source distributions as artifacts: recognised by content, read as pip would unpack them."""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from imagebuilder import DIR, Hardlink, Special, Symlink
from sdistkit import PACKINGS, Packing, pkg_info, project, sdist_bytes, write_sdist
from zipkit import RawMember, raw_zip, symlink

from wellcheck.artifact import open_artifact
from wellcheck.artifact.limits import Limits
from wellcheck.artifact.sdist import SdistTree
from wellcheck.artifact.sdisttar import leading_dir, split_leading_dir
from wellcheck.errors import ArtifactError, HostileArtifactError, LimitExceededError

TOP = "attrs-23.2.0"


@pytest.mark.parametrize("packing", PACKINGS)
def test_an_sdist_opens_by_its_content_whatever_its_name(tmp_path: Path, packing: Packing) -> None:
    path = write_sdist(tmp_path / "download.bin", project("attrs", "23.2.0"), packing)
    with open_artifact(str(path)) as opened:
        assert opened.info.kind == "sdist"
        assert opened.info.sha256 is not None
        (tree,) = opened.trees
        assert isinstance(tree, SdistTree)
        assert tree.root == TOP and tree.chain == ()
        assert tree.read_bytes(f"{TOP}/PKG-INFO") == pkg_info("attrs", "23.2.0")
        assert tree.read_bytes(f"{TOP}/attrs/__init__.py") == b"__version__ = '23.2.0'\n"


@pytest.mark.parametrize("marker", ["setup.py", "pyproject.toml", "PKG-INFO"])
def test_any_one_marker_makes_an_sdist(tmp_path: Path, marker: str) -> None:
    members = {f"{TOP}/{marker}": b"x\n", f"{TOP}/attr/__init__.py": b""}
    path = write_sdist(tmp_path / "a.tar.gz", members)
    with open_artifact(str(path)) as opened:
        assert opened.info.kind == "sdist"


def test_an_sdist_without_a_top_directory_is_read_from_its_root(tmp_path: Path) -> None:
    members = {"setup.py": b"", "PKG-INFO": pkg_info("attrs", "23.2.0"), "attr/__init__.py": b""}
    path = write_sdist(tmp_path / "attrs-23.2.0.tar.gz", members)
    with open_artifact(str(path)) as opened:
        (tree,) = opened.trees
        assert isinstance(tree, SdistTree)
        assert tree.root == "" and tree.path("setup.py") == "setup.py"


@pytest.mark.parametrize("packing", ["gzip", "tar", "zip"])
def test_a_look_alike_that_is_no_sdist_goes_to_the_other_readers(
    tmp_path: Path, packing: Packing
) -> None:
    """``NAME-VERSION/`` first, but nothing pip could build: an ordinary tar or zip, read
    by its own reader's rules (a file system tar may repeat names and hold backslashes)."""
    members = [(f"{TOP}/README", b"docs only\n"), (f"{TOP}/attr/__init__.py", b"")]
    if packing != "zip":
        members += [(f"{TOP}/README", b"again\n"), (f"{TOP}/unit\\x2d.service", b"")]
    path = write_sdist(tmp_path / "a", members, packing)
    with open_artifact(str(path)) as opened:
        assert opened.info.kind == ("tar" if packing != "zip" else "zip")
        assert not any(isinstance(tree, SdistTree) for tree in opened.trees)
        if packing != "zip":  # the image reader's rules: the last of a repeated name wins
            assert opened.trees[0].read_bytes(f"{TOP}/README") == b"again\n"
        assert (opened.info.path, opened.info.size) == (str(path), path.stat().st_size)
        assert opened.info.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_gzip_tar_that_is_no_sdist_is_inflated_once_and_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The image reader reads the tar this reader inflated; both temp dirs go on close."""
    private = tmp_path / "tmp"
    private.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    path = write_sdist(tmp_path / "rootfs.tar.gz", {"usr/lib/x.py": b"", "etc/os-release": b""})
    with open_artifact(str(path)) as opened:
        assert opened.info.kind == "tar"
        assert sorted(p.name[:15] for p in private.iterdir()) == [
            "wellcheck-image",
            "wellcheck-sdist",
        ]
        assert opened.trees[0].read_bytes("usr/lib/x.py") == b""
    assert list(private.iterdir()) == []


@pytest.mark.parametrize("packing", ["bzip2", "xz"])
def test_a_compressed_tar_that_is_no_sdist_is_an_input_error(
    tmp_path: Path, packing: Packing
) -> None:
    path = write_sdist(tmp_path / "a", {"notes/README": b"text\n"}, packing)
    with pytest.raises(ArtifactError, match="no source distribution") as raised:
        open_artifact(str(path))
    assert not isinstance(raised.value, HostileArtifactError)


def test_images_are_not_taken_for_sdists(tmp_path: Path) -> None:
    from imagebuilder import build_docker_archive

    layer = {"app/setup.py": b"", "app/PKG-INFO": pkg_info("attrs", "23.2.0")}
    path = build_docker_archive(tmp_path / "image.tar", [layer])
    with open_artifact(str(path)) as opened:
        assert opened.info.kind == "docker-archive"


HOSTILE: list[tuple[str, list[tuple[str, object]], str]] = [
    ("dot-dot", [(f"{TOP}/setup.py", b""), (f"{TOP}/../../evil.py", b"")], "path-traversal"),
    ("backslash", [(f"{TOP}/setup.py", b""), (f"{TOP}\\setup.py", b"")], "backslash-path"),
    ("absolute link", [(f"{TOP}/setup.py", Symlink("/etc/passwd"))], "link-escape"),
    ("escaping link", [(f"{TOP}/setup.py", Symlink("../../x.py"))], "link-escape"),
    (
        "link out of the source directory",
        [(f"{TOP}/setup.py", b""), (f"{TOP}/a", Symlink("../other-1.0/setup.py"))],
        "link-escape",
    ),
    (
        "member below a symlink",
        [(f"{TOP}/setup.py", b""), (f"{TOP}/x", Symlink(".")), (f"{TOP}/x/setup.py", b"evil")],
        "through-symlink",
    ),
    (
        "link through a link",
        [
            (f"{TOP}/setup.py", Symlink("d/../real.py")),
            (f"{TOP}/d", Symlink("sub/deeper")),
            (f"{TOP}/real.py", b"benign"),
        ],
        "link-through-symlink",
    ),
    (
        "duplicate file",
        [(f"{TOP}/setup.py", b"benign"), (f"{TOP}/setup.py", b"evil")],
        "duplicate-member",
    ),
    (
        "same bytes, but written through an earlier hardlink",
        [
            (f"{TOP}/benign.py", b"x"),
            (f"{TOP}/setup.py", Hardlink(f"{TOP}/benign.py")),
            (f"{TOP}/benign.py", b"x"),
        ],
        "duplicate-member",
    ),
    (
        "same size, other bytes",
        [(f"{TOP}/setup.py", b"pass  "), (f"{TOP}/setup.py", b"import")],
        "duplicate-member",
    ),
    (
        "file written through an earlier hardlink",
        [
            (f"{TOP}/benign.py", b"x"),
            (f"{TOP}/setup.py", Hardlink(f"{TOP}/benign.py")),
            (f"{TOP}/benign.py", b"evil"),
        ],
        "duplicate-member",
    ),
    ("hardlink to a later member", [(f"{TOP}/setup.py", Hardlink(f"{TOP}/b.py"))], "hardlink"),
]


@pytest.mark.parametrize(
    ("members", "rule"), [(m, r) for _, m, r in HOSTILE], ids=[h[0] for h in HOSTILE]
)
@pytest.mark.parametrize("packing", ["gzip", "tar"])
def test_what_pip_would_unpack_differently_is_hostile(
    tmp_path: Path, members: list[tuple[str, object]], rule: str, packing: Packing
) -> None:
    path = write_sdist(tmp_path / "a.tar.gz", members, packing)  # type: ignore[arg-type]
    with pytest.raises(HostileArtifactError, match=rule):
        open_artifact(str(path))


@pytest.mark.parametrize("packing", ["gzip", "tar"])
def test_a_file_repeated_with_the_same_bytes_is_read_once(tmp_path: Path, packing: Packing) -> None:
    """pyarrow's sdists carry LICENSE.txt twice, byte for byte: pip keeps the last,
    a reader keeping the first sees the same; nothing to refuse."""
    members = [
        (f"{TOP}/PKG-INFO", pkg_info("attrs", "23.2.0")),
        (f"{TOP}/setup.py", b""),
        (f"{TOP}/LICENSE.txt", b"Apache License 2.0\n"),
        (f"{TOP}/LICENSE.txt", b"Apache License 2.0\n"),
    ]
    path = write_sdist(tmp_path / "a.tar.gz", members, packing)  # type: ignore[arg-type]
    with open_artifact(str(path)) as opened:
        (tree,) = opened.trees
        assert tree.read_bytes(f"{TOP}/LICENSE.txt") == b"Apache License 2.0\n"
        assert any("LICENSE.txt appears twice" in w for w in opened.info.warnings)


def test_hardlinks_to_earlier_files_and_inner_links_are_read(tmp_path: Path) -> None:
    members = [
        (f"{TOP}/PKG-INFO", pkg_info("attrs", "23.2.0")),
        (f"{TOP}/build_helper.py", b"print('hi')\n"),
        (f"{TOP}/setup.py", Hardlink(f"{TOP}/build_helper.py")),
        (f"{TOP}/docs", DIR),
        (f"{TOP}/README", Symlink("docs/README.md")),
        (f"{TOP}/docs/README.md", b"# attrs\n"),
    ]
    with open_artifact(str(write_sdist(tmp_path / "a.tar.gz", members))) as opened:
        (tree,) = opened.trees
        assert tree.read_bytes(f"{TOP}/setup.py") == b"print('hi')\n"
        assert tree.read_bytes(f"{TOP}/README") == b"# attrs\n"


def test_devices_are_skipped_with_a_warning(tmp_path: Path) -> None:
    import tarfile

    members = [(f"{TOP}/setup.py", b""), (f"{TOP}/fifo", Special(tarfile.FIFOTYPE))]
    with open_artifact(str(write_sdist(tmp_path / "a.tar.gz", members))) as opened:
        assert f"{TOP}/fifo" not in opened.trees[0].entries()
        assert any("fifo" in w and "skipped" in w for w in opened.info.warnings)


def test_a_zip_sdist_with_a_symlink_member_is_hostile(tmp_path: Path) -> None:
    """pip writes the member as a regular file holding the "target": Python code."""
    members = [
        RawMember(f"{TOP}/PKG-INFO", pkg_info("attrs", "23.2.0")),
        symlink(f"{TOP}/setup.py", "import os; os.system('id')"),
    ]
    (tmp_path / "a.zip").write_bytes(raw_zip(members))
    with pytest.raises(HostileArtifactError, match=r"zip-symlink|ambiguous-symlink"):
        open_artifact(str(tmp_path / "a.zip"))


def test_a_tar_sdist_that_is_also_a_zip_is_hostile(tmp_path: Path) -> None:
    """pip tries ``zipfile.is_zipfile`` first and would install the zip's files."""
    from zipkit import zip_bytes

    tar = sdist_bytes(project("attrs", "23.2.0"), "tar")
    other = zip_bytes({f"{TOP}/setup.py": b"evil\n", f"{TOP}/PKG-INFO": b""})
    (tmp_path / "a.tar").write_bytes(tar + other)
    with pytest.raises(HostileArtifactError, match="ambiguous-archive"):
        open_artifact(str(tmp_path / "a.tar"))


def _image_files(kind: str, tmp_path: Path) -> list[tuple[str, bytes]]:
    """The members of a docker-save or OCI archive (one small layer)."""
    import tarfile

    from imagebuilder import build_docker_archive, oci_files

    layers = [{"usr/local/lib/python3.12/os.py": b""}]
    if kind == "oci":
        return oci_files(layers)
    with tarfile.open(build_docker_archive(tmp_path / "image.tar", layers)) as tar:
        return [(m.name, tar.extractfile(m).read()) for m in tar if m.isfile()]  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("kind", "prefix", "packing"),
    [("docker", "", "tar"), ("docker", "./", "gzip"), ("oci", "", "tar"), ("oci", "./", "tar")],
)
def test_a_tar_sdist_that_is_also_an_image_archive_is_hostile(
    tmp_path: Path, kind: str, prefix: str, packing: Packing
) -> None:
    """``docker load`` or containerd would load the image (and its layers' start-up
    hooks), pip would build the sdist (a setup.py at the archive's root): read as the
    sdist only, the image went unread and the scan passed."""
    sdist = {"PKG-INFO": pkg_info("attrs", "23.2.0"), "setup.py": b"from setuptools import setup\n"}
    members = [
        (prefix + name, data) for name, data in [*_image_files(kind, tmp_path), *sdist.items()]
    ]
    path = write_sdist(tmp_path / "image-and-sdist.tar", members, packing)
    with pytest.raises(HostileArtifactError, match="ambiguous-archive") as raised:
        open_artifact(str(path))
    assert "container image archive" in str(raised.value)


def test_a_flat_sdist_with_a_manifest_that_is_no_image_opens(tmp_path: Path) -> None:
    members = {"setup.py": b"", "manifest.json": b'{"name": "web app"}', "index.json": b"[]"}
    with open_artifact(str(write_sdist(tmp_path / "flat.tar", members, "tar"))) as opened:
        assert opened.info.kind == "sdist"


SMALL = Limits(max_member_size=1 << 20, max_total_size=4 << 20, max_ratio=50)


@pytest.mark.parametrize("packing", ["gzip", "bzip2", "xz"])
def test_bombs_stop_at_the_limits(tmp_path: Path, packing: Packing) -> None:
    ratio = project("attrs", "23.2.0", extra={"big.bin": bytes(900_000) * 2})  # one member > cap
    path = write_sdist(tmp_path / "a", ratio, packing)
    with pytest.raises(LimitExceededError):
        open_artifact(str(path), SMALL)
    total = project("attrs", "23.2.0", extra={f"f{n}.bin": bytes(900_000) for n in range(6)})
    path = write_sdist(tmp_path / "b", total, packing)
    with pytest.raises(LimitExceededError):
        open_artifact(str(path), Limits(max_member_size=1 << 20, max_total_size=4 << 20))


def test_member_count_is_bounded(tmp_path: Path) -> None:
    members = project("attrs", "23.2.0", extra={f"m{n}.py": b"" for n in range(50)})
    with pytest.raises(LimitExceededError, match="max_members"):
        open_artifact(str(write_sdist(tmp_path / "a", members)), Limits(max_members=20))


@pytest.mark.parametrize("packing", ["gzip", "bzip2", "xz", "tar"])
def test_truncated_or_trailing_data_is_an_input_error_never_a_partial_tree(
    tmp_path: Path, packing: Packing
) -> None:
    data = sdist_bytes(project("attrs", "23.2.0", extra={"x.py": bytes(range(256)) * 64}), packing)
    for damaged in (data[: len(data) * 2 // 3], data + b"garbage" if packing != "tar" else None):
        if damaged is None:
            continue
        (tmp_path / "a").write_bytes(damaged)
        with pytest.raises(ArtifactError) as raised:
            open_artifact(str(tmp_path / "a"))
        assert not isinstance(raised.value, LimitExceededError)


def test_the_inflated_tar_lives_in_a_private_dir_removed_on_close(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    private = tmp_path / "tmp"
    private.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    path = write_sdist(tmp_path / "a.tar.xz", project("attrs", "23.2.0"), "xz")
    with open_artifact(str(path)) as opened:
        (workdir,) = private.iterdir()
        assert workdir.stat().st_mode & 0o077 == 0
        assert opened.trees[0].entries()
    assert list(private.iterdir()) == []
    bad = write_sdist(tmp_path / "b.tar.gz", [(f"{TOP}/setup.py", b""), (f"{TOP}/setup.py", b"x")])
    with pytest.raises(HostileArtifactError):
        open_artifact(str(bad))
    assert list(private.iterdir()) == []


names = st.lists(st.text(alphabet="ab/\\.", min_size=1, max_size=8), min_size=1, max_size=4)


@settings(max_examples=200, deadline=None)
@given(names)
def test_the_source_directory_is_the_one_pip_strips(paths: list[str]) -> None:
    """Checked against pip's own functions, from the pip installed with the tests (pip's
    ``split_leading_dir`` and ``has_leading_dir`` are the same in pip 23 to 25)."""
    unpacking = pytest.importorskip("pip._internal.utils.unpacking")
    for path in paths:
        assert split_leading_dir(path) == tuple(unpacking.split_leading_dir(path))
    pip_root = unpacking.split_leading_dir(paths[0])[0] if unpacking.has_leading_dir(paths) else ""
    assert leading_dir(paths) == pip_root


def test_a_flat_sdist_is_found_whatever_its_first_member(tmp_path: Path) -> None:
    """pip builds from the archive root when the members share no top directory."""
    members = [("aaa.txt", b""), ("setup.py", b"evil"), ("PKG-INFO", pkg_info("six", "1.16.0"))]
    with open_artifact(str(write_sdist(tmp_path / "x", members))) as opened:
        assert opened.info.kind == "sdist"
        assert isinstance(opened.trees[0], SdistTree) and opened.trees[0].root == ""

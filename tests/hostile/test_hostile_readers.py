"""Reader-level hostile cases the artifact tests leave open (issue 5, items 2, 3, 8, 12, 15, 18).

Images follow POSIX/container semantics: a backslash or a drive letter is an
ordinary character of a Linux file name, so such members are kept verbatim
(never used as separators, never written anywhere); zips refuse them (see
tests/artifact/test_zip_safety.py).
"""

from __future__ import annotations

import gzip
import io
import json
import os
import socket
import stat
import sys
import tarfile
from pathlib import Path

import pytest
from imagebuilder import DIR, build_docker_archive, build_oci_layout, layer_tar
from zipkit import RawMember, raw_zip

from wellcheck.artifact import open_artifact
from wellcheck.errors import ArtifactError, HostileArtifactError


def _pax_layer(name: str, data: bytes = b"x", **pax: str) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        info = tarfile.TarInfo(name)
        info.size, info.pax_headers = len(data), pax
        tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "kept_as"),
    [
        ("C:/Windows/evil.dll", "C:/Windows/evil.dll"),
        ("C:\\Windows\\evil.dll", "C:\\Windows\\evil.dll"),
        ("\\\\server\\share\\evil", "\\\\server\\share\\evil"),
        ("pkg\\..\\..\\evil.py", "pkg\\..\\..\\evil.py"),
        ("//server/share/evil", "server/share/evil"),
        ("/etc/cron.d/evil", "etc/cron.d/evil"),
    ],
)
def test_image_names_are_posix_and_never_leave_the_root(
    tmp_path: Path, private_tmp: Path, name: str, kept_as: str
) -> None:
    """Item 2 for images: kept verbatim as one root-relative name, nothing on disk."""
    path = build_docker_archive(tmp_path / "i.tar", [{name: b"evil", "ok.py": b"ok"}], "gzip")
    with open_artifact(str(path)) as opened:
        tree = opened.trees[0]
        assert sorted(tree.entries()) == sorted([kept_as, "ok.py"])
        assert tree.read_bytes(kept_as) == b"evil"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["i.tar", "private-tmp"]


@pytest.mark.skipif(sys.platform == "win32", reason="symlinks need privileges")
def test_oci_layout_sibling_prefix_escape_is_hostile(tmp_path: Path) -> None:
    """Item 3: layout at /x/wc1, a blob resolving to /x/wc1x/...: commonpath catches it."""
    layout = build_oci_layout(tmp_path / "wc1", [{"app.py": b"ok"}], "gzip")
    sibling = tmp_path / "wc1x"
    sibling.mkdir()
    blob = max((layout / "blobs" / "sha256").iterdir(), key=lambda p: p.stat().st_size)
    (sibling / blob.name).write_bytes(blob.read_bytes())
    blob.unlink()
    blob.symlink_to(sibling / blob.name)
    with pytest.raises(HostileArtifactError) as caught:
        open_artifact(str(layout))
    assert caught.value.rule == "link-escape"


def test_socket_members_are_read_as_regular_files(tmp_path: Path) -> None:
    """Item 8: a zip member whose mode says socket is what unzip and zipfile write, a file."""
    data = raw_zip(
        [
            RawMember("run/app.sock", b"data", method=0, mode=stat.S_IFSOCK | 0o644),
            RawMember("app.py", b"x", mode=stat.S_IFREG | 0o644),
        ]
    )
    (tmp_path / "a.zip").write_bytes(data)
    with open_artifact(str(tmp_path / "a.zip")) as opened:
        assert sorted(opened.trees[0].entries()) == ["app.py", "run/app.sock"]
        assert opened.trees[0].read_bytes("run/app.sock") == b"data"
        assert opened.info.warnings == (
            "run/app.sock: unix mode says device, FIFO or socket; zipfile and unzip write "
            "a regular file, read as one",
        )


@pytest.mark.skipif(not hasattr(socket, "AF_UNIX"), reason="no unix sockets here")
def test_a_real_socket_in_a_directory_is_skipped_with_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Item 8: a live unix socket inside a scanned directory is never opened."""
    root = tmp_path / "root"
    root.mkdir()
    (root / "app.py").write_bytes(b"x")
    monkeypatch.chdir(root)  # bind by a short relative name (sun_path is ~100 bytes)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind("app.sock")
        with open_artifact(str(root)) as opened:
            assert list(opened.trees[0].entries()) == ["app.py"]
            assert opened.info.warnings == ("app.sock: device, FIFO or socket skipped",)


@pytest.mark.parametrize(
    ("damage", "message"),
    [(-8, "incorrect data check"), (-1, "incorrect length check")],
)
def test_gzip_crc_and_size_trailer_mismatches_are_rejected(
    tmp_path: Path, private_tmp: Path, damage: int, message: str
) -> None:
    """Item 12 for layers: the gzip trailer's CRC-32 and ISIZE are checked."""
    blob = bytearray(gzip.compress(layer_tar({"a.py": b"hello" * 100})))
    blob[damage] ^= 0x01
    path = build_docker_archive(tmp_path / "i.tar", [bytes(blob)])
    with pytest.raises(ArtifactError, match=message):
        open_artifact(str(path))


def test_zstd_checksum_mismatch_is_rejected(tmp_path: Path, private_tmp: Path) -> None:
    """Item 12 for layers: a zstd frame's content checksum is checked."""
    import zstandard

    compressor = zstandard.ZstdCompressor(write_checksum=True)
    blob = bytearray(compressor.compress(layer_tar({"a.py": b"hello" * 100})))
    blob[-1] ^= 0x01
    path = build_docker_archive(tmp_path / "i.tar", [bytes(blob)])
    with pytest.raises(ArtifactError, match="checksum"):
        open_artifact(str(path))


@pytest.mark.parametrize(
    ("layer", "rule"),
    [
        (_pax_layer("ok.py", path="pkg/a\x00b.py"), "nul-byte-in-name"),
        (_pax_layer("d/" * 2100 + "x.py"), "name-too-long"),
    ],
)
def test_tar_names_with_nul_or_past_the_length_limit_are_hostile(
    tmp_path: Path, private_tmp: Path, layer: bytes, rule: str
) -> None:
    """Item 15 for tars: a PAX path with a NUL byte; a 4 KiB+ name."""
    path = build_docker_archive(tmp_path / "i.tar", [layer])
    with pytest.raises(HostileArtifactError) as caught:
        open_artifact(str(path))
    assert caught.value.rule == rule


def test_non_utf8_tar_names_decode_the_same_way_every_time(
    tmp_path: Path, private_tmp: Path
) -> None:
    """Item 15: raw bytes that are not UTF-8 get one stable spelling."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for raw in (b"caf\xe9.py", b"\xff\xfe.py", b"na\xc3\xafve.py"):
            info = tarfile.TarInfo(raw.decode("utf-8", "surrogateescape"))
            info.size = len(raw)
            tar.addfile(info, io.BytesIO(raw))
    path = build_docker_archive(tmp_path / "i.tar", [out.getvalue()])
    listings = []
    for _ in range(2):
        with open_artifact(str(path)) as opened:
            listings.append(sorted(opened.trees[0].entries()))
            assert opened.trees[0].read_bytes("naïve.py") == b"na\xc3\xafve.py"
    assert listings[0] == listings[1]
    assert len(listings[0]) == 3 and "naïve.py" in listings[0]


def test_duplicate_names_in_one_layer_are_reported(tmp_path: Path, private_tmp: Path) -> None:
    """Item 18 for images: last wins, and a repeat within one layer is a warning."""
    layer = [("app.py", b"first"), ("app.py", b"second"), ("cfg", DIR), ("cfg/a", b"a")]
    path = build_docker_archive(tmp_path / "i.tar", [layer, {"app.py": b"upgrade"}], "gzip")
    with open_artifact(str(path)) as opened:
        assert opened.trees[0].read_bytes("app.py") == b"upgrade"
        duplicates = [w for w in opened.info.warnings if "duplicate member" in w]
        assert len(duplicates) == 1 and "'app.py': the last one wins" in duplicates[0]
        assert opened.info.layers[0] in duplicates[0]  # names the layer


@pytest.mark.skipif(os.name != "posix", reason="the reader's temp dir check is POSIX-only here")
def test_image_temp_dir_is_private_and_removed(tmp_path: Path, private_tmp: Path) -> None:
    """Item 1: the only thing written is the inflated layer, inside a 0700 temp dir."""
    path = build_docker_archive(tmp_path / "i.tar", [{"a.py": b"x" * 5000}], "gzip")
    with open_artifact(str(path)) as opened:
        [workdir] = list(private_tmp.iterdir())
        assert stat.S_IMODE(workdir.stat().st_mode) == 0o700
        assert {p.name for p in workdir.iterdir()} <= {"outer.tar", "layer-0.tar"}
        assert opened.trees[0].read_bytes("a.py") == b"x" * 5000


@pytest.mark.parametrize("media_type", [{"a": 1}, ["x"], 7])
def test_an_index_media_type_that_is_not_a_string_is_an_input_error(
    tmp_path: Path, private_tmp: Path, media_type: object
) -> None:
    """Found by tests/fuzz/fuzz_archives.py: a dict or list mediaType raised TypeError."""
    members = [
        ("oci-layout", b'{"imageLayoutVersion": "1.0.0"}'),
        ("index.json", json.dumps({"schemaVersion": 2, "mediaType": media_type}).encode()),
    ]
    path = tmp_path / "oci.tar"
    with tarfile.open(path, "w") as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    with pytest.raises(ArtifactError, match="unsupported media type"):
        open_artifact(str(path))


@pytest.mark.parametrize("name", ["manifest.json", "index.json"])
def test_image_json_nested_too_deeply_is_an_input_error(
    tmp_path: Path, private_tmp: Path, name: str
) -> None:
    """json.loads recurses once per level: a manifest of 100,000 brackets was an internal
    error (RecursionError) instead of a corrupt image."""
    members = [("oci-layout", b'{"imageLayoutVersion": "1.0.0"}'), (name, b"[" * 100_000)]
    path = tmp_path / "image.tar"
    with tarfile.open(path, "w") as tar:
        for member, data in members:
            info = tarfile.TarInfo(member)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    with pytest.raises(ArtifactError, match="nested too deeply"):
        open_artifact(str(path))


@pytest.mark.parametrize("layout", ["docker", "oci"])
def test_a_layer_altered_under_its_digest_is_hostile(
    tmp_path: Path, private_tmp: Path, layout: str
) -> None:
    """Item 12 for images: same blob name, same size, other content.  The layer's tar must
    hash to the config's diff_id, the digest the SBOM reports for it."""
    from imagebuilder import oci_files, write_tar

    layers: list[object] = [{"app.py": b"good" * 100}]
    if layout == "docker":
        build_docker_archive(tmp_path / "src.tar", layers, None)  # type: ignore[arg-type]
        with tarfile.open(tmp_path / "src.tar") as tar:
            files = [(m.name, tar.extractfile(m).read()) for m in tar.getmembers()]  # type: ignore[union-attr]
    else:
        files = oci_files(layers, None)  # type: ignore[arg-type]
    altered = [(n, d.replace(b"good", b"evil", 1) if b"goodgood" in d else d) for n, d in files]
    assert altered != files
    path = write_tar(tmp_path / "i.tar", altered)
    with pytest.raises(HostileArtifactError) as caught:
        open_artifact(str(path))
    assert caught.value.rule == "digest-mismatch"
    assert caught.value.member.startswith("layer sha256:")
    with open_artifact(str(write_tar(tmp_path / "ok.tar", files))) as opened:
        assert opened.trees[0].read_bytes("app.py") == b"good" * 100

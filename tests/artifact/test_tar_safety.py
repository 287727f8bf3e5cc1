"""Hostile image layers: traversal, link tricks, special files, bombs (issue 5).

Every image is generated here with tarfile.  Each test also checks that nothing
was written next to the artifact and that the private temp dir is gone.
"""

from __future__ import annotations

import gzip
import io
import json
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from imagebuilder import (
    DIR,
    Hardlink,
    Layer,
    Special,
    Symlink,
    build_docker_archive,
    compress,
    layer_tar,
)

from wellcheck.artifact.base import EntryKind
from wellcheck.artifact.image import open_image
from wellcheck.artifact.limits import Limits
from wellcheck.errors import ArtifactError, HostileArtifactError, LimitExceededError

LIMITS = Limits()


@pytest.fixture(autouse=True)
def _nothing_left_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    private = tmp_path / "tmp"
    private.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private))  # where mkdtemp puts our work dir
    yield
    assert list(private.iterdir()) == []
    assert {p.name for p in tmp_path.rglob("*")} <= {"img.tar", "tmp"}


def _image(tmp_path: Path, layers: list[Layer], compression: str | None = "gzip") -> str:
    return str(build_docker_archive(tmp_path / "img.tar", layers, compression))  # type: ignore[arg-type]


def _hostile(tmp_path: Path, layers: list[Layer], rule: str, limits: Limits = LIMITS) -> None:
    with pytest.raises(HostileArtifactError) as caught:
        open_image(_image(tmp_path, layers), limits).close()
    assert caught.value.rule == rule
    assert caught.value.exit_status == 2


def test_dot_dot_members_are_hostile(tmp_path: Path) -> None:
    _hostile(tmp_path, [{"var/task/../../../../tmp/evil.py": b"x"}], "path-traversal")


def test_absolute_members_are_image_root_relative(tmp_path: Path) -> None:
    with open_image(_image(tmp_path, [{"/etc/passwd": b"root:x:0:0\n"}]), LIMITS) as opened:
        assert opened.trees[0].read_bytes("etc/passwd") == b"root:x:0:0\n"


@pytest.mark.parametrize("target", ["../../../../etc/shadow", "/etc/shadow"])
def test_symlinks_are_recorded_and_never_followed(tmp_path: Path, target: str) -> None:
    with open_image(_image(tmp_path, [{"var/task/leak": Symlink(target)}]), LIMITS) as opened:
        entry = opened.trees[0].entries()["var/task/leak"]
        assert (entry.kind, entry.link_target) == (EntryKind.SYMLINK, target)
        with pytest.raises(ArtifactError):
            opened.trees[0].open("var/task/leak")
        if target.startswith(".."):
            assert any("leaves the image" in w for w in opened.info.warnings)


def test_writing_through_a_symlink_to_dot_dot_in_one_layer(tmp_path: Path) -> None:
    layer = [("up", Symlink("..")), ("up/etc/cron.d/evil", b"* * * * * root sh\n")]
    _hostile(tmp_path, [layer], "link-escape")


def test_writing_through_a_symlink_to_dot_dot_across_layers(tmp_path: Path) -> None:
    layers: list[Layer] = [{"a/b": DIR, "a/b/up": Symlink("../../..")}, {"a/b/up/x.pth": b"x"}]
    _hostile(tmp_path, layers, "link-escape")


def test_links_resolving_to_the_root_itself_are_hostile(tmp_path: Path) -> None:
    _hostile(tmp_path, [{"var/root": Symlink("/")}], "link-to-root")
    _hostile(tmp_path, [{"var/up": Symlink("..")}], "link-to-root")
    _hostile(tmp_path, [{"f": b"", "root": Hardlink("./")}], "link-to-root")


def test_hardlinks_to_outside_or_to_later_members_are_hostile(tmp_path: Path) -> None:
    _hostile(tmp_path, [{"x": Hardlink("../../etc/passwd")}], "path-traversal")
    later = [("early", Hardlink("late")), ("late", b"secret")]
    _hostile(tmp_path, [later], "hardlink-target")


def test_a_hardlink_to_an_earlier_member_reads_its_data(tmp_path: Path) -> None:
    layers: list[Layer] = [{"opt/a.py": b"data"}, {"opt/b.py": Hardlink("/opt/a.py")}]
    with open_image(_image(tmp_path, layers), LIMITS) as opened:
        assert opened.trees[0].read_bytes("opt/b.py") == b"data"


def test_symlink_loops_stop_with_an_error(tmp_path: Path) -> None:
    layer = [("a", Symlink("b")), ("b", Symlink("a")), ("a/x.py", b"")]
    with pytest.raises(LimitExceededError) as caught:
        open_image(_image(tmp_path, [layer]), LIMITS)
    assert caught.value.rule == "max_symlink_depth"


def test_symlink_chains_deeper_than_the_limit_stop(tmp_path: Path) -> None:
    chain: list[tuple[str, object]] = [("real", DIR)]
    chain += [(f"l{i}", Symlink(f"l{i + 1}")) for i in range(5)] + [("l5", Symlink("real"))]
    layers: list[Layer] = [chain, {"l0/mod.py": b"x"}]  # type: ignore[list-item]
    with open_image(_image(tmp_path, layers), LIMITS) as opened:
        assert "real/mod.py" in opened.trees[0].entries()
    with pytest.raises(LimitExceededError):
        open_image(_image(tmp_path, layers), Limits(max_symlink_depth=3))


def test_devices_and_fifos_are_skipped_with_a_warning(tmp_path: Path) -> None:
    layer = {
        "dev/sda": Special(tarfile.BLKTYPE),
        "dev/null": Special(tarfile.CHRTYPE),
        "tmp/pipe": Special(tarfile.FIFOTYPE),
        "app.py": b"ok",
    }
    with open_image(_image(tmp_path, [layer]), LIMITS) as opened:
        assert set(opened.trees[0].entries()) == {"app.py"}
        text = " ".join(opened.info.warnings)
        assert "block device" in text and "character device" in text and "FIFO" in text


def test_a_member_past_the_size_cap_is_refused(tmp_path: Path) -> None:
    limits = Limits(max_member_size=1024 * 1024)
    _hostile(tmp_path, [{"big.bin": bytes(2 * 1024 * 1024)}], "max_member_size", limits)


@pytest.mark.parametrize("compression", ["gzip", "zstd"])
def test_a_compression_ratio_bomb_is_aborted(tmp_path: Path, compression: str) -> None:
    data = layer_tar({"zeros": bytes(64 * 1024 * 1024)})
    bomb = gzip.compress(data, compresslevel=9) if compression == "gzip" else compress(data, "zstd")
    _hostile(tmp_path, [bomb], "max_ratio")


def test_a_total_size_bomb_is_aborted(tmp_path: Path) -> None:
    layers: list[Layer] = [{f"f{i}": bytes(range(256)) * 4096} for i in range(4)]
    limits = Limits(max_total_size=3 * 1024 * 1024, max_member_size=1024 * 1024)
    _hostile(tmp_path, layers, "max_total_size", limits)


def test_a_member_count_bomb_is_aborted(tmp_path: Path) -> None:
    layer = {f"e/{i}": b"" for i in range(3000)}
    _hostile(tmp_path, [layer], "max_members", Limits(max_members=1000))


def test_too_many_layers_are_refused(tmp_path: Path) -> None:
    _hostile(tmp_path, [{f"{i}": b""} for i in range(5)], "max_layers", Limits(max_layers=4))


def _corrupt(tmp_path: Path, blob: bytes, message: str) -> None:
    with pytest.raises(ArtifactError, match=message) as caught:
        open_image(_image(tmp_path, [{"ok.py": b"fine"}, blob]), LIMITS).close()
    assert not isinstance(caught.value, HostileArtifactError)


def _layer_bytes() -> bytes:
    return layer_tar({f"pkg/m{i}.py": bytes([i]) * 3000 for i in range(40)})


def test_truncated_and_corrupt_gzip_layers_are_input_errors(tmp_path: Path) -> None:
    packed = compress(_layer_bytes(), "gzip")
    _corrupt(tmp_path, packed[: len(packed) // 2], "truncated gzip")
    damaged = packed[:20] + bytes(b ^ 0xFF for b in packed[20:60]) + packed[60:]
    _corrupt(tmp_path, damaged, "corrupt gzip")
    _corrupt(tmp_path, packed + b"garbage!", "trailing garbage")


def test_truncated_and_corrupt_zstd_layers_are_input_errors(tmp_path: Path) -> None:
    packed = compress(_layer_bytes(), "zstd")
    _corrupt(tmp_path, packed[: len(packed) // 2], "truncated zstd")
    _corrupt(tmp_path, packed[:-2], "truncated zstd")
    _corrupt(tmp_path, packed + b"\x01\x02\x03\x04\x05", "zstd")


def test_truncated_and_corrupt_tar_layers_are_input_errors(tmp_path: Path) -> None:
    raw = _layer_bytes()
    _corrupt(tmp_path, raw[: 512 * 7 + 100], "truncated")
    _corrupt(tmp_path, raw[: 512 * 7], "truncated")  # cut at a member boundary
    _corrupt(tmp_path, raw[: 512 * 7] + b"\x07" * 512 + raw[512 * 8 :], "corrupt tar")


def test_a_truncated_image_archive_is_an_input_error(tmp_path: Path) -> None:
    path = Path(_image(tmp_path, [{"a.py": b"x" * 5000}, {"b.py": b"y" * 5000}], None))
    path.write_bytes(path.read_bytes()[:6000])
    with pytest.raises(ArtifactError):
        open_image(str(path), LIMITS)


def _outer(tmp_path: Path, members: list[tuple[str, bytes | str]]) -> str:
    """An image archive written by hand: bytes are files, str are symlink targets."""
    path = tmp_path / "img.tar"
    with tarfile.open(path, "w") as tar:
        for name, value in members:
            info = tarfile.TarInfo(name)
            if isinstance(value, str):
                info.type, info.linkname = tarfile.SYMTYPE, value
                tar.addfile(info)
            else:
                info.size = len(value)
                tar.addfile(info, io.BytesIO(value))
    return str(path)


def _manifest(layers: list[str]) -> bytes:
    return json.dumps([{"Config": "c.json", "Layers": layers}]).encode()


def test_manifest_paths_that_climb_out_are_hostile(tmp_path: Path) -> None:
    path = _outer(tmp_path, [("c.json", b"{}"), ("manifest.json", _manifest(["../../l.tar"]))])
    with pytest.raises(HostileArtifactError) as caught:
        open_image(path, LIMITS)
    assert caught.value.rule == "path-traversal"


def test_archive_symlinks_are_followed_only_inside_the_archive(tmp_path: Path) -> None:
    layer = layer_tar({"app.py": b"shared"})
    members: list[tuple[str, bytes | str]] = [
        ("a/layer.tar", layer),
        ("b/layer.tar", "../a/layer.tar"),  # how docker save stores a repeated layer
        ("c.json", b"{}"),
        ("manifest.json", _manifest(["a/layer.tar", "b/layer.tar"])),
    ]
    with open_image(_outer(tmp_path, members), LIMITS) as opened:
        assert opened.trees[0].read_bytes("app.py") == b"shared"
        assert len(opened.info.layers) == 2
    members[1] = ("b/layer.tar", "../../../etc/passwd")
    with pytest.raises(HostileArtifactError) as caught:
        open_image(_outer(tmp_path, members), LIMITS)
    assert caught.value.rule == "link-escape"


def test_oci_digests_that_are_not_digests_are_hostile(tmp_path: Path) -> None:
    index = {"schemaVersion": 2, "manifests": [{"digest": "sha256:../../../etc/passwd"}]}
    members: list[tuple[str, bytes | str]] = [
        ("oci-layout", b'{"imageLayoutVersion": "1.0.0"}'),
        ("index.json", json.dumps(index).encode()),
    ]
    with pytest.raises(HostileArtifactError) as caught:
        open_image(_outer(tmp_path, members), LIMITS)
    assert caught.value.rule == "invalid-digest"


@pytest.mark.parametrize(
    "manifest", [b"not json", b"[]", b'[{"Config": 1}]', b'{"Layers": []}', bytes(range(256))]
)
def test_malformed_manifests_are_input_errors(tmp_path: Path, manifest: bytes) -> None:
    path = _outer(tmp_path, [("manifest.json", manifest)])
    with pytest.raises(ArtifactError, match=r"manifest\.json"):
        open_image(path, LIMITS)

"""The tar catalogue and the gzip/zstd inflater on their own: formats, bounds, fuzz."""

from __future__ import annotations

import gzip
import io
import tarfile
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from imagebuilder import Symlink, compress, layer_tar

from wellcheck.artifact.inflate import decompress_to_file
from wellcheck.artifact.limits import Limits
from wellcheck.artifact.tarheader import SizeWatch
from wellcheck.artifact.tarsafe import (
    Budget,
    Compression,
    MemberKind,
    TarMember,
    is_tar_header,
    iter_members,
    normalise_tar_name,
    open_slice,
    sniff,
)
from wellcheck.errors import ArtifactError, HostileArtifactError, LimitExceededError

LIMITS = Limits()
LONG = "site-packages/" + "very_long_package_name/" * 8 + "module.py"


def _catalogue(path: Path, limits: Limits = LIMITS) -> list[TarMember]:
    size = path.stat().st_size
    return list(iter_members(str(path), 0, size, limits, Budget(limits), path.name))


def _read(path: Path, member: TarMember) -> bytes:
    with open_slice(str(path), member.offset, member.size, member.name) as fh:
        return fh.read()


@pytest.mark.parametrize("fmt", [tarfile.USTAR_FORMAT, tarfile.GNU_FORMAT, tarfile.PAX_FORMAT])
def test_long_names_and_links_in_every_tar_format(tmp_path: Path, fmt: int) -> None:
    path = tmp_path / "t.tar"
    with tarfile.open(path, "w", format=fmt) as tar:
        for name, data in [(LONG, b"long"), ("./opt/python/é.py", b"utf8")]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        link = tarfile.TarInfo("opt/link")
        link.type, link.linkname = tarfile.SYMTYPE, "/usr/lib/" + "x" * 30
        tar.addfile(link)
    members = {m.name: m for m in _catalogue(path)}
    assert _read(path, members[LONG.rstrip("/")]) == b"long"
    assert _read(path, members["opt/python/é.py"]) == b"utf8"
    assert members["opt/link"].kind is MemberKind.SYMLINK
    assert members["opt/link"].linkname == "/usr/lib/" + "x" * 30


def test_non_utf8_names_are_decoded_deterministically(tmp_path: Path) -> None:
    path = tmp_path / "t.tar"
    with tarfile.open(path, "w", format=tarfile.GNU_FORMAT, encoding="latin-1") as tar:
        info = tarfile.TarInfo("caf\xe9.py")
        tar.addfile(info, io.BytesIO(b""))
    assert [m.name for m in _catalogue(path)] == ["caf\\xe9.py"]


def test_a_v7_header_is_recognised() -> None:
    block = bytearray(layer_tar({"a.py": b"x"})[:512])
    block[257:265] = bytes(8)
    block[148:156] = b" " * 8
    block[148:156] = b"%06o\0 " % sum(block)
    assert is_tar_header(bytes(block))
    assert sniff(bytes(block)) is Compression.NONE
    assert not is_tar_header(b"PK\x03\x04" + bytes(508))


def test_an_oversized_pax_header_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "t.tar"
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tar:
        info = tarfile.TarInfo("a.py")
        info.pax_headers = {"comment": "x" * (2 * 1024 * 1024)}
        tar.addfile(info, io.BytesIO(b""))
    with pytest.raises(LimitExceededError) as caught:
        _catalogue(path, Limits(max_metadata_size=1024 * 1024))
    assert caught.value.rule == "max_metadata_size"


def test_bad_checksums_and_malformed_pax_records_are_corrupt(tmp_path: Path) -> None:
    raw = bytearray(layer_tar({"a.py": b"x", "b.py": b"y"}))
    raw[3] ^= 0x01  # the name changes, the checksum no longer matches
    (tmp_path / "bad.tar").write_bytes(bytes(raw))
    with pytest.raises(ArtifactError, match="checksum"):
        _catalogue(tmp_path / "bad.tar")
    path = tmp_path / "pax.tar"
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tar:
        info = tarfile.TarInfo("a.py")
        info.pax_headers = {"comment": "ok"}
        tar.addfile(info, io.BytesIO(b""))
    data = bytearray(path.read_bytes())
    at = data.index(b"comment=ok")
    data[at - 3 : at - 1] = b"99"  # a record length past the header
    path.write_bytes(bytes(data))
    with pytest.raises(ArtifactError, match="pax"):
        _catalogue(path)


def test_a_file_shorter_than_its_window_is_truncated(tmp_path: Path) -> None:
    (tmp_path / "f").write_bytes(b"0123456789")
    with (
        open_slice(str(tmp_path / "f"), 4, 100, "f") as fh,
        pytest.raises(ArtifactError, match="truncated"),
    ):
        fh.read()


def _inflate(data: bytes, kind: Compression, limits: Limits = LIMITS) -> bytes:
    out = io.BytesIO()
    decompress_to_file(io.BytesIO(data), kind, out, Budget(limits), "blob")
    return out.getvalue()


def test_multi_member_gzip_and_zero_padding_are_accepted() -> None:
    data = gzip.compress(b"one") + gzip.compress(b"two") + bytes(100)
    assert _inflate(data, Compression.GZIP) == b"onetwo"


def test_multi_frame_zstd_and_skippable_frames_are_accepted() -> None:
    skippable = b"\x50\x2a\x4d\x18" + (4).to_bytes(4, "little") + b"meta"
    data = compress(b"one", "zstd") + skippable + compress(b"two", "zstd")
    assert _inflate(data, Compression.ZSTD) == b"onetwo"


def test_output_is_bounded_by_the_total_budget() -> None:
    data = compress(bytes(range(256)) * 20000, "zstd")
    with pytest.raises(LimitExceededError) as caught:
        _inflate(data, Compression.ZSTD, Limits(max_total_size=1024 * 1024, max_member_size=1024))
    assert caught.value.rule == "max_total_size"


@given(st.text(alphabet="ab./\\:\x00", max_size=40))
def test_normalised_names_never_escape(name: str) -> None:
    try:
        path = normalise_tar_name(name)
    except HostileArtifactError:
        return
    parts = path.split("/")
    assert ".." not in parts and "." not in parts
    assert path == "" or "" not in parts
    assert normalise_tar_name(path) == path


_SAMPLE = layer_tar(
    [
        ("opt/python/requests/__init__.py", b"x" * 700),
        ("opt/python/link", Symlink("requests")),
        ("opt/" + "d" * 120 + "/m.py", b"y" * 10),
    ]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_fuzz_damaged_archives_only_ever_raise_artifact_errors(data: st.DataObject) -> None:
    """Short fuzz run: flip bytes in a tar and in its gzip/zstd forms."""
    kind = data.draw(st.sampled_from([Compression.NONE, Compression.GZIP, Compression.ZSTD]))
    blob = bytearray(
        _SAMPLE if kind is Compression.NONE else compress(_SAMPLE, str(kind))  # type: ignore[arg-type]
    )
    for _ in range(data.draw(st.integers(1, 4))):
        blob[data.draw(st.integers(0, len(blob) - 1))] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(len(blob) // 2, len(blob)))
    damaged = bytes(blob[:cut])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "l.tar"
        try:
            path.write_bytes(damaged if kind is Compression.NONE else _inflate(damaged, kind))
            for member in _catalogue(path):
                if member.kind is MemberKind.FILE:
                    assert len(_read(path, member)) == member.size
        except ArtifactError:
            pass


def _feed(watch: SizeWatch, data: bytes, cuts: list[int]) -> None:
    at = 0
    for cut in sorted(cuts):
        watch.feed(data[at:cut])
        at = max(at, cut)
    watch.feed(data[at:])


@settings(max_examples=60, deadline=None)
@given(
    members=st.lists(
        st.tuples(st.integers(1, 150), st.integers(0, 3000), st.booleans()), max_size=6
    ),
    fmt=st.sampled_from([tarfile.USTAR_FORMAT, tarfile.GNU_FORMAT, tarfile.PAX_FORMAT]),
    cuts=st.lists(st.integers(0, 40_000), max_size=8),
)
def test_the_size_watch_keeps_step_with_any_tar(
    members: list[tuple[int, int, bool]], fmt: int, cuts: list[int]
) -> None:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=fmt) as tar:
        for index, (name_length, size, pax) in enumerate(members):
            name = f"{index}/" + "n" * (name_length if fmt != tarfile.USTAR_FORMAT else 90)
            info = tarfile.TarInfo(name)
            info.size = size
            if pax and fmt == tarfile.PAX_FORMAT:
                info.pax_headers = {"comment": "é" * size}
            tar.addfile(info, io.BytesIO(bytes(size)))
    watch = SizeWatch(LIMITS, "t")
    _feed(watch, out.getvalue(), cuts)
    assert watch.finished


def test_a_member_past_the_cap_stops_inflation_at_its_header() -> None:
    data = compress(layer_tar({"a.py": b"x", "big.bin": bytes(range(256)) * 40_000}), "gzip")
    out = io.BytesIO()
    limits = Limits(max_member_size=1024 * 1024)
    with pytest.raises(LimitExceededError) as caught:
        decompress_to_file(
            io.BytesIO(data), Compression.GZIP, out, Budget(limits), "l", tar_inside=True
        )
    assert caught.value.rule == "max_member_size"
    assert caught.value.member == "big.bin"
    assert out.tell() <= 1024 * 1024  # nothing past the chunk holding the header

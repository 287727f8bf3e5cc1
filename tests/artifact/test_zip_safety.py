"""Hostile and broken zips (issue 5): each is refused, bounded or reported, never trusted."""

from __future__ import annotations

import stat
import struct
import time
import zipfile
import zlib
from pathlib import Path

import pytest
from zipkit import RawMember, deflate, raw_zip, symlink, zip_bytes

from wellcheck.artifact import open_artifact
from wellcheck.artifact.base import EntryKind
from wellcheck.artifact.limits import Limits, MiB
from wellcheck.errors import ArtifactError, ExitStatus, HostileArtifactError, LimitExceededError


def write(tmp_path: Path, data: bytes, name: str = "a.zip") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("../evil.py", "path-traversal"),
        ("site/../../evil.py", "path-traversal"),
        ("/etc/cron.d/evil", "absolute-path"),
        ("C:/Windows/evil.dll", "absolute-path"),
        ("C:\\Windows\\evil.dll", "backslash-path"),
        ("\\\\server\\share\\evil", "backslash-path"),
        ("pkg\\..\\..\\evil.py", "backslash-path"),
        ("ok/\x00evil", "nul-byte-in-name"),
        ("x" * 5000, "name-too-long"),
    ],
)
def test_escaping_member_names_are_hostile(tmp_path: Path, name: str, rule: str) -> None:
    data = raw_zip([RawMember("app.py", b"ok"), RawMember(name, b"evil")])
    with pytest.raises(HostileArtifactError) as caught:
        open_artifact(write(tmp_path, data))
    assert caught.value.rule == rule
    assert caught.value.exit_status is ExitStatus.INPUT_ERROR
    assert caught.value.member.startswith(name[:10].replace("\x00", "\\x00"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.zip"]  # nothing written


def test_symlinks_are_recorded_and_never_followed_outside(tmp_path: Path) -> None:
    data = raw_zip(
        [
            RawMember("pkg/real.py", b"real"),
            symlink("pkg/inside.py", "real.py"),
            symlink("pkg/abs", "/etc/passwd"),
            symlink("pkg/rel", "../../etc/passwd"),
        ]
    )
    with open_artifact(write(tmp_path, data)) as opened:
        tree = opened.trees[0]
        entries = tree.entries()
        assert entries["pkg/rel"].kind is EntryKind.SYMLINK
        assert entries["pkg/rel"].link_target == "../../etc/passwd"
        assert entries["pkg/abs"].link_target == "/etc/passwd"
        assert tree.read_bytes("pkg/inside.py") == b"real"  # resolved inside the tree
        with pytest.raises(ArtifactError, match="outside"):
            tree.read_bytes("pkg/rel")
        with pytest.raises(ArtifactError, match="not in the tree"):
            tree.read_bytes("pkg/abs")  # tree-absolute: /etc/passwd of the zip, absent


def test_symlink_made_by_zipfile_is_a_symlink_entry(tmp_path: Path) -> None:
    data = zip_bytes({"a.txt": b"a"}, symlinks={"link": "a.txt"})
    with open_artifact(write(tmp_path, data)) as opened:
        assert opened.trees[0].entries()["link"].kind is EntryKind.SYMLINK
        assert opened.trees[0].read_bytes("link") == b"a"


def test_symlink_loops_and_long_chains_stop(tmp_path: Path) -> None:
    chain = [symlink(f"l{i}", f"l{i + 1}") for i in range(10)] + [RawMember("l10", b"end")]
    data = raw_zip([symlink("a", "b"), symlink("b", "a"), *chain])
    with open_artifact(write(tmp_path, data), Limits(max_symlink_depth=5)) as opened:
        tree = opened.trees[0]
        for path in ("a", "l0"):
            with pytest.raises(LimitExceededError) as caught:
                tree.read_bytes(path)
            assert caught.value.rule == "max_symlink_depth"
        assert tree.read_bytes("l6") == b"end"


def test_a_million_entries_are_refused_before_cataloguing(tmp_path: Path) -> None:
    """The end record alone says 1,000,001 entries: nothing else is parsed."""
    data = raw_zip([RawMember("a", b"")], entries=1_000_001)
    started = time.perf_counter()
    with pytest.raises(LimitExceededError) as caught:
        open_artifact(write(tmp_path, data))
    assert caught.value.rule == "max_members"
    assert time.perf_counter() - started < 0.5


def test_member_count_is_enforced_on_records_not_on_the_claim(tmp_path: Path) -> None:
    members = [RawMember(f"e{i}", b"", method=0) for i in range(2000)]
    data = raw_zip(members, entries=10)  # the end record lies low
    with pytest.raises(LimitExceededError, match="max_members"):
        open_artifact(write(tmp_path, data), Limits(max_members=1000))


def test_declared_total_size_bomb_is_refused_at_open(tmp_path: Path) -> None:
    members = [RawMember(f"big{i}", b"", size=600 * MiB, method=0) for i in range(4)]
    with pytest.raises(LimitExceededError) as caught:
        open_artifact(
            write(tmp_path, raw_zip(members)), Limits(max_total_size=2048 * MiB, max_ratio=1e12)
        )
    assert caught.value.rule == "max_total_size"


def test_compression_ratio_bomb_is_refused_at_open(tmp_path: Path) -> None:
    data = zip_bytes({"zeros.bin": bytes(4 * MiB)})  # deflates about 1000:1
    with pytest.raises(LimitExceededError) as caught:
        open_artifact(write(tmp_path, data), Limits(max_ratio=100))
    assert caught.value.rule == "max_ratio"
    assert caught.value.member == "zeros.bin"


def test_member_whose_header_lies_is_cut_off_at_the_cap(tmp_path: Path) -> None:
    lying = RawMember("pkg/METADATA", bytes(8 * MiB), size=1000)
    limits = Limits(max_member_size=1 * MiB, max_ratio=100_000)
    with (
        open_artifact(write(tmp_path, raw_zip([lying])), limits) as opened,
        pytest.raises(LimitExceededError) as caught,
    ):
        opened.trees[0].read_bytes("pkg/METADATA")
    assert caught.value.rule == "max_member_size"
    assert caught.value.member == "pkg/METADATA"


def test_total_bytes_read_are_bounded_across_members(tmp_path: Path) -> None:
    """Headers declare 600 kB in all, but re-reading members counts every byte read."""
    members = [RawMember(f"f{i}", bytes(300_000)) for i in range(2)]
    limits = Limits(max_member_size=400_000, max_total_size=1_000_000, max_ratio=100_000)
    with open_artifact(write(tmp_path, raw_zip(members)), limits) as opened:
        tree = opened.trees[0]
        for name in ("f0", "f1", "f0"):
            tree.read_bytes(name)
        with pytest.raises(LimitExceededError, match="max_total_size"):
            tree.read_bytes("f1")


@pytest.mark.parametrize(
    ("member", "rule"),
    [
        (RawMember("a.py", b"x" * 2000, size=1000), "size-mismatch"),
        (RawMember("a.py", b"x" * 1000, size=2000), "size-mismatch"),
        (RawMember("a.py", b"x" * 1000, size=2000, method=0), "size-mismatch"),
        (RawMember("a.py", b"print('hi')\n", crc=0x1234), "crc-mismatch"),
        (RawMember("a.py", b"print('hi')\n", crc=0x1234, method=0), "crc-mismatch"),
    ],
)
def test_header_and_data_that_disagree_are_rejected(
    tmp_path: Path, member: RawMember, rule: str
) -> None:
    with (
        open_artifact(write(tmp_path, raw_zip([member]))) as opened,
        pytest.raises(HostileArtifactError) as caught,
    ):
        opened.trees[0].read_bytes("a.py")
    assert caught.value.rule == rule


def test_overlapping_entries_are_hostile(tmp_path: Path) -> None:
    """Two central records share one local file (CVE-2024-0450, 'quoted overlap' bombs)."""
    data = raw_zip([RawMember("a", b"x" * 100), RawMember("b", b"y", offset=0)])
    with pytest.raises(HostileArtifactError) as caught:
        open_artifact(write(tmp_path, data))
    assert caught.value.rule == "overlapping-entries"


def test_entry_pointing_into_another_entrys_data_is_hostile(tmp_path: Path) -> None:
    data = raw_zip(
        [RawMember("a", bytes(range(256)) * 4, method=0), RawMember("b", b"y", offset=40)]
    )
    with pytest.raises(HostileArtifactError, match="overlapping-entries"):
        open_artifact(write(tmp_path, data))


def test_truncated_zip_is_an_input_error_not_an_empty_result(tmp_path: Path) -> None:
    data = zip_bytes({f"pkg/m{i}.py": b"x = 1\n" * 100 for i in range(20)})
    for cut in (len(data) // 2, len(data) - 10, 30):
        with pytest.raises(ArtifactError, match="zip"):
            open_artifact(write(tmp_path, data[:cut]))


def test_corrupt_central_directory_is_an_input_error(tmp_path: Path) -> None:
    data = bytearray(zip_bytes({"a.py": b"a", "b.py": b"b"}))
    central = data.index(b"PK\x01\x02", data.index(b"PK\x01\x02") + 1)
    data[central : central + 4] = b"XXXX"
    with pytest.raises(ArtifactError, match="corrupt zip"):
        open_artifact(write(tmp_path, bytes(data)))


def test_corrupt_deflate_data_is_an_input_error(tmp_path: Path) -> None:
    payload = b"\xff" * 64
    data = raw_zip([RawMember("a.py", b"x" * 50, payload=payload)])
    with (
        open_artifact(write(tmp_path, data)) as opened,
        pytest.raises(ArtifactError, match="corrupt zip member"),
    ):
        opened.trees[0].read_bytes("a.py")


def test_truncated_member_data_is_an_input_error(tmp_path: Path) -> None:
    """Cut short, a member is hostile (not merely unreadable): no check may skip it quietly."""
    payload = deflate(bytes(range(256)) * 40)
    member = RawMember("a.py", bytes(range(256)) * 40, payload=payload[: len(payload) // 2])
    with (
        open_artifact(write(tmp_path, raw_zip([member]))) as opened,
        pytest.raises(HostileArtifactError, match="ends before its end marker") as caught,
    ):
        opened.trees[0].read_bytes("a.py")
    assert caught.value.exit_status is ExitStatus.INPUT_ERROR


def test_encrypted_member_gives_a_clear_error_when_read(tmp_path: Path) -> None:
    data = raw_zip([RawMember("secret.py", b"x", flags=0x1), RawMember("open.py", b"y")])
    with open_artifact(write(tmp_path, data)) as opened:
        assert opened.trees[0].read_bytes("open.py") == b"y"
        with pytest.raises(ArtifactError, match=r"secret\.py' is encrypted"):
            opened.trees[0].read_bytes("secret.py")


def test_unsupported_compression_gives_a_clear_error(tmp_path: Path) -> None:
    data = raw_zip([RawMember("a.py", b"x", method=93, payload=b"\x00" * 8)])
    with (
        open_artifact(write(tmp_path, data)) as opened,
        pytest.raises(ArtifactError, match="compression method 93"),
    ):
        opened.trees[0].read_bytes("a.py")


def test_bzip2_members_are_read(tmp_path: Path) -> None:
    path = tmp_path / "b.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_BZIP2) as zf:
        zf.writestr("a.py", b"print('bz')\n" * 100)
    with open_artifact(str(path)) as opened:
        assert opened.trees[0].read_bytes("a.py") == b"print('bz')\n" * 100


def test_non_utf8_names_decode_deterministically(tmp_path: Path) -> None:
    data = raw_zip(
        [
            RawMember(b"caf\x82.py", b"cp437"),  # no UTF-8 flag: cp437, as the format says
            RawMember("naïve.py".encode(), b"utf8", flags=0x800),
            RawMember("ünflagged.py".encode(), b"utf8 without the flag"),
            RawMember(b"bad\xff\xfe.py", b"liar", flags=0x800),  # flagged UTF-8 but is not
        ]
    )
    path = write(tmp_path, data)
    for _ in range(2):
        with open_artifact(path) as opened:
            tree = opened.trees[0]
            assert sorted(tree.entries()) == [
                "bad\u00a0\u25a0.py",
                "café.py",
                "naïve.py",
                "ünflagged.py",
            ]
            assert tree.read_bytes("café.py") == b"cp437"
            assert any("flagged UTF-8" in w for w in opened.info.warnings)


def test_very_long_names_within_the_limit_are_kept(tmp_path: Path) -> None:
    name = "/".join(["d" * 200] * 20) + "/m.py"
    with open_artifact(write(tmp_path, raw_zip([RawMember(name, b"x")]))) as opened:
        assert opened.trees[0].read_bytes(name) == b"x"


def test_duplicates_last_wins_and_collisions_are_reported(tmp_path: Path) -> None:
    data = raw_zip(
        [
            RawMember("pkg/__init__.py", b"first"),
            RawMember("pkg/__init__.py", b"second"),
            RawMember("Requests/api.py", b"upper"),
            RawMember("requests/api.py", b"lower"),
        ]
    )
    with open_artifact(write(tmp_path, data)) as opened:
        tree = opened.trees[0]
        assert tree.read_bytes("pkg/__init__.py") == b"second"
        assert tree.read_bytes("Requests/api.py") == b"upper"  # case-sensitive like Lambda
        warnings = opened.info.warnings
        assert any("duplicate member 'pkg/__init__.py'" in w for w in warnings)
        assert any("'Requests/api.py' and 'requests/api.py'" in w for w in warnings)


def test_device_and_fifo_members_are_read_as_regular_files(tmp_path: Path) -> None:
    """unzip 6.0 and zipfile write a device or FIFO member as a regular file with its
    data (unzip only applies the permission bits): a .pth so marked still runs."""
    data = raw_zip(
        [
            RawMember("dev/null", b"", method=0, mode=stat.S_IFCHR | 0o666),
            RawMember("evil.pth", b"import os\n", method=0, mode=stat.S_IFIFO | 0o644),
            RawMember("app.py", b"x", mode=stat.S_IFREG | 0o644),
        ]
    )
    with open_artifact(write(tmp_path, data)) as opened:
        entries = opened.trees[0].entries()
        assert sorted(entries) == ["app.py", "dev/null", "evil.pth"]
        assert {entry.kind for entry in entries.values()} == {EntryKind.FILE}
        assert opened.trees[0].read_bytes("evil.pth") == b"import os\n"
        assert sum("device, FIFO or socket" in w for w in opened.info.warnings) == 2


def test_zip64_archives_are_read(tmp_path: Path) -> None:
    path = tmp_path / "z64.zip"
    with zipfile.ZipFile(path, "w") as zf:
        with zf.open("big.py", "w", force_zip64=True) as fh:
            fh.write(b"x = 1\n")
        zf.writestr("small.py", b"y = 2\n")
    data = bytearray(path.read_bytes())
    # rewrite the end record to the zip64 form: counts and offsets move to the zip64 record
    end = data.rindex(b"PK\x05\x06")
    _, _, _, count, _, cd_size, cd_offset, _ = struct.unpack_from("<4s4H2LH", data, end)
    record = struct.pack(
        "<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, count, count, cd_size, cd_offset
    )
    locator = struct.pack("<4sLQL", b"PK\x06\x07", 0, end, 1)
    tail = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    path.write_bytes(bytes(data[:end]) + record + locator + tail)
    with open_artifact(str(path)) as opened:
        assert opened.trees[0].read_bytes("big.py") == b"x = 1\n"
        assert opened.trees[0].read_bytes("small.py") == b"y = 2\n"


def test_crc_is_checked_on_streamed_reads(tmp_path: Path) -> None:
    data = b"0123456789" * 50_000
    member = RawMember("data.bin", data, crc=zlib.crc32(data) ^ 1)
    with (
        open_artifact(write(tmp_path, raw_zip([member]))) as opened,
        opened.trees[0].open("data.bin") as fh,
        pytest.raises(HostileArtifactError),
    ):
        while fh.read(4096):
            pass


def test_member_written_through_a_symlink_to_dotdot_stays_a_plain_entry(tmp_path: Path) -> None:
    """Extractors would write evil.py next to the archive; wellcheck never extracts."""
    data = raw_zip([symlink("up", ".."), RawMember("up/evil.py", b"import os")])
    with open_artifact(write(tmp_path, data)) as opened:
        tree = opened.trees[0]
        assert tree.entries()["up"].kind is EntryKind.SYMLINK
        assert tree.read_bytes("up/evil.py") == b"import os"  # a member like any other
    assert sorted(p.name for p in tmp_path.parent.iterdir() if p.name == "evil.py") == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.zip"]

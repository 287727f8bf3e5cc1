"""Local headers: every member's, checked against its central record at open.

The central directory says what a zip holds; each member's data starts after
its own local header, which repeats the name, method, flags, CRC and sizes.
Readers that stream an archive (and zipfile when it reads a member) rely on
the local header, so one that says something else than the central record is
two archives in one file.  CPython's ``zipfile`` (3.11-3.13) refuses to read a
member whose local name differs (``BadZipFile: File name in directory ... and
header ... differ``), but only when that member is read; wellcheck checks every
member's header when the zip is opened (``zipformat._parse_central`` compares
the 24 bytes from the version to the name length in one slice; anything else
goes through :func:`compare_header`) and refuses the archive
(``local-header-mismatch``) when the name, the method, the encryption flags or,
without a data descriptor, the CRC and sizes differ.  The data of each member
must end before the next local header or the central directory
(``overlapping-entries``, as zipfile 3.12+ checks, local extra field included).

Methods: stored, deflate, bzip2 and LZMA are the four zipfile reads (and pip
installs); a member with any other method, encrypted or "compressed patched"
is catalogued with the reason wellcheck cannot decode it.
"""

from __future__ import annotations

import struct
from bisect import bisect_right
from collections.abc import Sequence
from typing import BinaryIO

from wellcheck.errors import ArtifactError, HostileArtifactError

SIG_LOCAL = b"PK\x03\x04"
_LOCAL = struct.Struct("<4s2B4HL2L2H")  # 30 bytes
READABLE_METHODS = {0: "stored", 8: "deflate", 12: "bzip2", 14: "LZMA"}
_NAMED_METHODS = {**READABLE_METHODS, 1: "shrink", 6: "implode", 9: "deflate64",
                  93: "zstd", 95: "xz", 98: "PPMd", 99: "AES"}  # fmt: skip
_FLAG_ENCRYPTED = 0x1 | 0x40
_FLAG_PATCHED = 0x20
_FLAG_DESCRIPTOR = 0x8
_FLAG_UTF8 = 0x800
UNREADABLE_FLAGS = _FLAG_ENCRYPTED | _FLAG_PATCHED
_MASK32 = 0xFFFFFFFF
_BULK = 16 * 1024 * 1024  # archives whose data is this small are read in one go at open

#: (kind, name, raw name, offset, compressed, size, crc, method, flags): zipformat's MemberFields
Fields = tuple[str, str, bytes, int, int, int, int, int, int]


class LocalHeaders:
    """Reads of local headers: slices of the data read once when it is small (a
    function zip of many small files), else one positioned read per header."""

    def __init__(self, source: BinaryIO, concat: int, data_size: int) -> None:
        self._source, self._concat = source, concat
        self.region: bytes | None = None  # the archive's bytes up to the central directory
        if data_size <= _BULK:
            source.seek(concat)
            self.region = source.read(data_size)

    def at(self, offset: int, size: int) -> bytes:
        if self.region is not None:
            return self.region[offset : offset + size]
        self._source.seek(self._concat + offset)
        return self._source.read(size)


def can_decode(method: int, flags: int) -> bool:
    """Whether wellcheck can decode a member with this method and these flags."""
    return method in READABLE_METHODS and not flags & UNREADABLE_FLAGS


def why_unreadable(method: int, flags: int) -> str:
    if flags & _FLAG_ENCRYPTED:
        return "encrypted"
    if flags & _FLAG_PATCHED:
        return "compressed patched data"
    named = _NAMED_METHODS.get(method, "unknown")
    return f"compression method {method} ({named}), which wellcheck does not read"


def compare_header(header: bytes, fields: Fields) -> int:
    """Refuse a local header that is missing or disagrees with its central record;
    return its extra field's length."""
    _, name, raw, _, compressed, size, crc, method, flags = fields
    if len(header) < 30 or not header.startswith(SIG_LOCAL):
        raise ArtifactError(f"corrupt zip: no local header for member {name!r}")
    (_, _, _, local_flags, local_method, _, _, local_crc, local_compressed, local_size,
     name_len, extra_len) = _LOCAL.unpack_from(header)  # fmt: skip
    problem = None
    if name_len != len(raw) or header[30:] != raw:
        problem = "local and central names differ"
    elif local_method != method:
        problem = f"the local header says method {local_method}, the central record {method}"
    elif (local_flags ^ flags) & UNREADABLE_FLAGS:
        problem = "local and central encryption flags differ"
    elif (local_flags ^ flags) & _FLAG_UTF8 and not raw.isascii():
        problem = "local and central headers decode the name differently (UTF-8 flag)"
    elif (
        not local_flags & _FLAG_DESCRIPTOR
        and _MASK32 not in (local_compressed, local_size)
        and (local_crc, local_compressed, local_size) != (crc, compressed, size)
    ):
        problem = "local and central CRC or sizes differ (and there is no data descriptor)"
    if problem is not None:
        raise HostileArtifactError(name, "local-header-mismatch", problem)
    return int(extra_len)


def data_offset(header: bytes, offset: int, name_len: int) -> int:
    """Where a member's data starts by its local header, as zipfile and streaming readers
    find it (by the central name length when there is no header to read)."""
    if len(header) >= 30 and header.startswith(SIG_LOCAL):
        name_len, extra_len = struct.unpack_from("<2H", header, 26)
        return offset + 30 + int(name_len) + int(extra_len)
    return offset + 30 + name_len


def check_header(header: bytes, fields: Fields, offsets: Sequence[int], cd_offset: int) -> int:
    """:func:`compare_header`, and the data must end before the next local header (any
    member's, ``offsets`` sorted) or the central directory; the data's relative offset."""
    name, raw, offset, compressed = fields[1], fields[2], fields[3], fields[4]
    start = offset + 30 + len(raw) + compare_header(header, fields)
    index = bisect_right(offsets, offset)
    boundary = offsets[index] if index < len(offsets) else cd_offset
    if start + compressed > boundary:
        raise HostileArtifactError(
            name, "overlapping-entries", "member data runs into the next entry"
        )
    return start

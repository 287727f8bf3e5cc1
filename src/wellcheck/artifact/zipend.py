"""The end of a zip: the end-of-central-directory record every reader starts from.

A zip is read backwards: a reader looks for the end record's signature near the
end of the file, and the record says where the central directory is.  Readers
do not look the same way, so a file with several end records (or one whose
comment runs past the end) can be two different archives:

- CPython's ``zipfile`` (``_EndRecData``, 3.11 to 3.13, which pip uses): the
  last 22 bytes if they are a record with an empty comment, else the *last*
  signature in the last 64 KiB + 22 bytes, whatever its comment length says.
  ``unzip`` (Info-ZIP 6.0) also takes the last signature (it warns
  "zipfile comment truncated" and goes on).
- ``zipimport`` 3.11 and 3.12: the last 22 bytes if they start with the
  signature (any comment length), else the last signature; 3.13: the last
  signature in a window 76 bytes longer (room for zip64 records).
- Go's ``archive/zip``: the last signature whose comment fits in the file.
- Java's ``ZipFile``: the last signature whose comment ends exactly at the end
  of the file.

wellcheck takes zipfile's record, and refuses the file as hostile
(``ambiguous-end-record``) when any of the others would start from a different
one.  The zip64 records are read as zipfile reads them (the locator right before
the end record, the zip64 record right before the locator) and must agree with
what the other readers use: the locator's offset (Go, Java, Info-ZIP), the plain
end record's fields (``zipimport`` before 3.13 ignores zip64) and the last zip64
signature (``zipimport`` 3.13 uses it without looking at the locator).
"""

from __future__ import annotations

import struct
from typing import BinaryIO, NamedTuple

from wellcheck.errors import ArtifactError, HostileArtifactError

_EOCD = struct.Struct("<4s4H2LH")  # end of central directory, 22 bytes
_EOCD64_LOCATOR = struct.Struct("<4sLQL")  # 20 bytes
_EOCD64 = struct.Struct("<4sQ2H2L4Q")  # 56 bytes
_SIG_EOCD = b"PK\x05\x06"
_SIG_EOCD64_LOCATOR = b"PK\x06\x07"
_SIG_EOCD64 = b"PK\x06\x06"
_MAX_COMMENT = 65535
_ZIP64_TAIL = _EOCD64.size + _EOCD64_LOCATOR.size  # 76 bytes before the end record
# how far back each reader searches, counted from the end of the file
_ZIPFILE_WINDOW = (1 << 16) + _EOCD.size  # zipfile: maxCommentStart
_SPEC_WINDOW = _MAX_COMMENT + _EOCD.size  # zipimport 3.11/3.12, Go, Java
_ZIPIMPORT313_WINDOW = _SPEC_WINDOW + _ZIP64_TAIL
_MEMBER = "(end of central directory)"


class EndRecord(NamedTuple):
    entries: int
    cd_size: int
    cd_offset: int
    concat: int  # bytes before the archive (self-extracting zips)


def find_end_record(source: BinaryIO, size: int, label: str = "zip") -> EndRecord | None:
    """The end record zipfile would use; None when zipfile would find none.

    Raises HostileArtifactError when another common reader would use another one.
    """
    tail_len = min(size, _ZIPIMPORT313_WINDOW)
    source.seek(size - tail_len)
    tail = source.read(tail_len)
    pick = _zipfile_pick(tail)
    if pick is None:
        return None
    for reader, other in (
        ("zipimport 3.11/3.12", _zipimport_pick(tail)),
        ("zipimport 3.13", _last_whole(tail, len(tail))),
        ("Go archive/zip", _comment_pick(tail, exact=False)),
        ("Java ZipFile", _comment_pick(tail, exact=True)),
    ):
        if other is not None and other != pick:
            raise HostileArtifactError(
                _MEMBER,
                "ambiguous-end-record",
                f"zipfile reads the end record {len(tail) - pick} bytes from the end, "
                f"{reader} the one {len(tail) - other} bytes from the end",
            )
    _, disk, disk_cd, this_disk, entries, cd_size, cd_offset, _ = _EOCD.unpack_from(tail, pick)
    anchor = size - len(tail) + pick
    plain = (disk, disk_cd, this_disk, entries, cd_size, cd_offset)
    zip64 = _zip64_record(tail, pick, plain, label)
    if zip64 is not None:
        this_disk, entries, cd_size, cd_offset = zip64
        anchor -= _ZIP64_TAIL
    if this_disk != entries:
        raise ArtifactError(f"{label}: corrupt zip (end record counts disagree)")
    concat = anchor - cd_size - cd_offset
    if concat < 0:
        raise ArtifactError(
            f"{label}: truncated or corrupt zip (central directory lies past the end)"
        )
    return EndRecord(entries, cd_size, cd_offset, concat)


def _zipfile_pick(tail: bytes) -> int | None:
    """CPython ``zipfile._EndRecData`` (3.11-3.13): where its end record starts in ``tail``."""
    end = len(tail) - _EOCD.size
    if end >= 0 and tail.startswith(_SIG_EOCD, end) and tail.endswith(b"\x00\x00"):
        return end  # the record with no comment, right at the end
    return _last_whole(tail, _ZIPFILE_WINDOW)


def _zipimport_pick(tail: bytes) -> int | None:
    """``zipimport._read_directory`` 3.11/3.12: the last 22 bytes if they start like a record."""
    end = len(tail) - _EOCD.size
    if end >= 0 and tail.startswith(_SIG_EOCD, end):
        return end
    return _last_whole(tail, _SPEC_WINDOW)


def _last_whole(tail: bytes, window: int) -> int | None:
    """The last signature within ``window`` bytes of the end; None when it is cut short
    (zipfile and zipimport give up then, they do not look further back)."""
    pos = tail.rfind(_SIG_EOCD, max(len(tail) - window, 0))
    if pos < 0 or pos + _EOCD.size > len(tail):
        return None
    return pos


def _comment_pick(tail: bytes, *, exact: bool) -> int | None:
    """The last record whose comment fits in the file (Go) or ends exactly at its end (Java)."""
    start = max(len(tail) - _SPEC_WINDOW, 0)
    pos = tail.rfind(_SIG_EOCD, start, len(tail) - _EOCD.size + 4)
    while pos >= 0:
        comment_end = pos + _EOCD.size + _EOCD.unpack_from(tail, pos)[7]
        if comment_end == len(tail) or (not exact and comment_end < len(tail)):
            return pos
        pos = tail.rfind(_SIG_EOCD, start, pos + 3)
    return None


def _zip64_record(
    tail: bytes, pick: int, plain: tuple[int, ...], label: str
) -> tuple[int, int, int, int] | None:
    """(entries on this disk, entries, cd size, cd offset) from the zip64 records, as
    zipfile's ``_EndRecData64`` reads them; None when zipfile would use the plain record."""
    locator_at = pick - _EOCD64_LOCATOR.size
    record_at = locator_at - _EOCD64.size
    last64 = tail.rfind(_SIG_EOCD64)
    if locator_at < 0 or not tail.startswith(_SIG_EOCD64_LOCATOR, locator_at):
        if record_at >= 0 and last64 == record_at:
            raise HostileArtifactError(
                _MEMBER,
                "ambiguous-end-record",
                "a zip64 end record without a locator: zipimport 3.13 reads it, zipfile does not",
            )
        return None
    _, locator_disk, relative, disks = _EOCD64_LOCATOR.unpack_from(tail, locator_at)
    if locator_disk != 0 or disks > 1:
        raise ArtifactError(f"{label}: zip archives spanning several disks are not supported")
    if record_at < 0 or not tail.startswith(_SIG_EOCD64, record_at):
        raise ArtifactError(f"{label}: corrupt zip (zip64 end record is missing)")
    fields = _EOCD64.unpack_from(tail, record_at)
    record_size, disk, disk_cd, this_disk, entries, cd_size, cd_offset = (
        fields[1], *fields[4:],
    )  # fmt: skip
    if record_size != _EOCD64.size - 12:
        raise ArtifactError(f"{label}: corrupt zip (zip64 end record has extensible data)")
    problem = None
    if relative != cd_offset + cd_size:
        problem = "the zip64 locator points elsewhere than the zip64 end record"
    elif last64 != record_at:
        problem = "zipimport 3.13 would read a later zip64 end record"
    else:
        for value, wide, field in zip(
            plain, (disk, disk_cd, this_disk, entries, cd_size, cd_offset), _FIELDS, strict=True
        ):
            if value != wide and value != (0xFFFF if field < 4 else 0xFFFFFFFF):
                problem = f"the end record and the zip64 end record disagree ({_NAMES[field]})"
                break
    if problem is not None:
        raise HostileArtifactError(_MEMBER, "ambiguous-end-record", problem)
    return this_disk, entries, cd_size, cd_offset


_FIELDS = range(6)
_NAMES = ("disk", "central directory disk", "entries on disk", "entries", "size", "offset")

"""The zip format, read in place: end record, central directory, one member at a time.

``zipfile`` needs ~180 ms to catalogue 30,000 entries and trusts header sizes;
this parser reads the central directory in one pass (a few tens of ms), checks
limits on the headers before anything is catalogued, refuses overlapping
entries (CVE-2024-0450 style) and streams a member with its actual size, ratio
and CRC enforced.  Bytes before the archive (self-extracting zips) are allowed.
"""

from __future__ import annotations

import stat
import struct
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import BinaryIO, NamedTuple

from wellcheck.artifact.base import EntryKind
from wellcheck.artifact.common import Source, Warnings
from wellcheck.artifact.limits import Limits
from wellcheck.artifact.paths import MAX_NAME_LENGTH, normalise_member
from wellcheck.errors import ArtifactError, HostileArtifactError, LimitExceededError

_EOCD = struct.Struct("<4s4H2LH")  # end of central directory, 22 bytes
_EOCD64_LOCATOR = struct.Struct("<4sLQL")  # 20 bytes
_EOCD64 = struct.Struct("<4sQ2H2L4Q")  # 56 bytes
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")  # 46 bytes
# the fields the catalogue uses (versions, times and disk numbers skipped): 12 of 19
_CENTRAL_USED = struct.Struct("<4sxBxx2H4x3L3H4x2L")
_LOCAL = struct.Struct("<4s2B4HL2L2H")  # 30 bytes
_SIG_EOCD = b"PK\x05\x06"
_SIG_EOCD64_LOCATOR = b"PK\x06\x07"
_SIG_EOCD64 = b"PK\x06\x06"
_SIG_CENTRAL = b"PK\x01\x02"
SIG_LOCAL = b"PK\x03\x04"
_MAX_COMMENT = 65535
_FLAG_ENCRYPTED = 0x1 | 0x40
_FLAG_UTF8 = 0x800
_UNIX = 3
_MASK32 = 0xFFFFFFFF
_S_IFMT = 0o170000
# kinds are stored as plain strings (EntryKind values): a tuple of strings, bytes and
# ints is untracked by the garbage collector after its first pass, an enum member in
# it would keep 30,000 catalogue tuples in every collection
_FILE, _DIR, _SYMLINK = EntryKind.FILE.value, EntryKind.DIR.value, EntryKind.SYMLINK.value
_MiB = 1024 * 1024


class Member(NamedTuple):
    """One central-directory record, enough to build an Entry and to read the data."""

    kind: str  # an EntryKind value
    name: str  # the name as stored (decoded), for messages
    raw_name: bytes
    offset: int  # of the local header, relative to the archive start
    compressed: int
    size: int
    crc: int
    method: int
    flags: int


#: a Member's fields as a plain tuple (cheaper to build 30,000 times)
MemberFields = tuple[str, str, bytes, int, int, int, int, int, int]


@dataclass
class Catalogue:
    members: dict[str, MemberFields]
    offsets: list[int]  # local header offsets, sorted
    concat: int  # bytes before the archive (self-extracting zips)
    cd_offset: int  # start of the central directory, relative
    warnings: Warnings = field(default_factory=Warnings)

    def member(self, path: str) -> Member:
        return Member(*self.members[path])


class EndRecord(NamedTuple):
    entries: int
    cd_size: int
    cd_offset: int
    concat: int


def find_end_record(source: BinaryIO, size: int, label: str = "zip") -> EndRecord | None:
    """Locate the (zip64) end of central directory record; None when there is none."""
    tail_len = min(size, _EOCD.size + _MAX_COMMENT)
    source.seek(size - tail_len)
    tail = source.read(tail_len)
    pos = tail.rfind(_SIG_EOCD)
    while pos >= 0:
        if pos + _EOCD.size <= len(tail):
            fields = _EOCD.unpack_from(tail, pos)
            if pos + _EOCD.size + fields[7] <= len(tail):
                break
        pos = tail.rfind(_SIG_EOCD, 0, pos)
    if pos < 0:
        return None
    _, _, _, _, entries, cd_size, cd_offset, _ = fields
    anchor = size - tail_len + pos
    if anchor >= _EOCD64_LOCATOR.size + _EOCD64.size:
        source.seek(anchor - _EOCD64_LOCATOR.size)
        locator = source.read(_EOCD64_LOCATOR.size)
        if locator[:4] == _SIG_EOCD64_LOCATOR:
            source.seek(anchor - _EOCD64_LOCATOR.size - _EOCD64.size)
            record = source.read(_EOCD64.size)
            if record[:4] != _SIG_EOCD64:
                raise ArtifactError(f"{label}: corrupt zip (zip64 end record is missing)")
            _, _, _, _, _, _, _, entries, cd_size, cd_offset = _EOCD64.unpack(record)
            anchor -= _EOCD64_LOCATOR.size + _EOCD64.size
    concat = anchor - cd_size - cd_offset
    if concat < 0:
        raise ArtifactError(
            f"{label}: truncated or corrupt zip (central directory lies past the end)"
        )
    return EndRecord(entries, cd_size, cd_offset, concat)


def looks_like_zip(source: BinaryIO, size: int) -> bool:
    """Content sniffing for archives that do not start with a local header (self-extracting)."""
    try:
        end = find_end_record(source, size)
    except ArtifactError:
        return False
    if end is None:
        return False
    if end.entries == 0:
        return True
    source.seek(end.concat + end.cd_offset)
    return source.read(4) == _SIG_CENTRAL


def catalogue(source: BinaryIO, size: int, limits: Limits, label: str) -> Catalogue:
    """Parse the central directory once; refuse hostile names and bombs before use."""
    end = find_end_record(source, size, label)
    if end is None:
        raise ArtifactError(f"{label}: truncated or corrupt zip (no end of central directory)")
    if end.entries > limits.max_members:
        raise LimitExceededError(
            label, "max_members", f"{end.entries} entries, limit {limits.max_members}"
        )
    if end.cd_size > size or end.cd_size < end.entries * _CENTRAL.size:
        raise ArtifactError(f"{label}: corrupt zip (central directory size is inconsistent)")
    source.seek(end.concat + end.cd_offset)
    cd = source.read(end.cd_size)
    if len(cd) < end.cd_size:
        raise ArtifactError(f"{label}: truncated zip (central directory is cut short)")
    result = Catalogue({}, [], end.concat, end.cd_offset)
    _parse_central(cd, result, limits, label)
    return result


def _parse_central(
    cd: bytes, result: Catalogue, limits: Limits, label: str, careful: bool = False
) -> None:
    """One pass over the records, kept to a few C calls per record.

    Names are normalised in bulk: when any name could need it (a dot segment, a
    backslash...), the pass is redone with ``careful`` per-name normalisation.
    """
    members, offsets, warnings = result.members, result.offsets, result.warnings
    unpack, append_offset = _CENTRAL_USED.unpack_from, offsets.append
    threshold = min(limits.max_member_size, _MiB)
    pos, end, total, prev_end, ordered = 0, len(cd), 0, 0, True
    if end // _CENTRAL.size > limits.max_members:  # only then can the records outnumber it
        _count_records(cd, limits, label)
    while pos < end:
        try:
            (sig, system, flags, method, crc, compressed, size, name_len, extra_len, comment_len,
             external, offset) = unpack(cd, pos)  # fmt: skip
        except struct.error:
            sig = b""
        if sig != _SIG_CENTRAL:
            raise ArtifactError(f"{label}: corrupt zip (bad central directory record)")
        start = pos + 46
        pos = start + name_len + extra_len + comment_len
        raw = cd[start : start + name_len]
        if compressed == _MASK32 or size == _MASK32 or offset == _MASK32:
            extra = cd[start + name_len : start + name_len + extra_len]
            size, compressed, offset = _zip64_extra(extra, size, compressed, offset)
        name = raw.decode("ascii") if raw.isascii() else _decode_name(raw, flags, warnings)
        if external >> 28 & 7 and system == _UNIX:  # a unix mode other than a regular file
            kind = _kind(external >> 16, name)
            if kind is None:
                warnings.add(f"{name}: device, FIFO or socket member skipped")
                continue
            path = name.rstrip("/")
        elif name[-1:] == "/":
            kind, path = _DIR, name[:-1]
        else:
            kind, path = _FILE, name
        total += size
        if size > threshold:
            _check_declared_size(name, size, compressed, limits)
        if offset < prev_end:
            ordered = False
        prev_end = offset + 30 + name_len + compressed
        append_offset(offset)
        if careful:
            path = normalise_member(name, allow_root=True)
            if not path:
                continue
        if path in members and (kind != _DIR or members[path][0] != kind):
            warnings.add(f"duplicate member {path!r}: the last one wins")
        members[path] = (kind, name, raw, offset, compressed, size, crc, method, flags)
    if total > limits.max_total_size:
        raise LimitExceededError(
            label, "max_total_size", f"entries declare more than {limits.max_total_size} bytes"
        )
    joined = "\x00" + "\x00".join(members) + "\x00"  # NUL never occurs in a clean name
    if not careful and _needs_normalising(joined, members):
        members.clear()
        offsets.clear()
        result.warnings = Warnings()
        _parse_central(cd, result, limits, label, careful=True)
        return
    _report_case_collisions(joined, members, result.warnings)
    if not ordered or (offsets and prev_end > result.cd_offset):
        _check_overlaps(cd, result, label)


def _count_records(cd: bytes, limits: Limits, label: str) -> None:
    pos, count = 0, 0
    while pos + 46 <= len(cd):
        name_len, extra_len, comment_len = struct.unpack_from("<3H", cd, pos + 28)
        pos += 46 + name_len + extra_len + comment_len
        count += 1
        if count > limits.max_members:
            raise LimitExceededError(
                label, "max_members", f"more than {limits.max_members} entries"
            )


def _needs_normalising(joined: str, members: Mapping[str, object]) -> bool:
    """Conservative: True when any path might not be a clean relative path already."""
    return (
        joined.count("\x00") != len(members) + 1
        or "//" in joined or "\\" in joined or ":" in joined
        or "\x00/" in joined or "/\x00" in joined or "\x00\x00" in joined
        or _has_dot_segment(joined)
        or max(map(len, members), default=0) > MAX_NAME_LENGTH
    )  # fmt: skip


def _has_dot_segment(joined: str) -> bool:
    """A '.' or '..' segment in the NUL-joined names ('pkg/.agents' is a clean dotfile).

    A find loop over the few dots that start a segment: a regex over the whole
    string costs several milliseconds on a 30,000-entry zip.
    """
    for marker in ("/.", "\x00."):
        index = joined.find(marker)
        while index != -1:
            after = index + 2
            if joined[after] == ".":
                after += 1
            if joined[after] in "/\x00":
                return True
            index = joined.find(marker, index + 1)
    return False


def _check_declared_size(name: str, size: int, compressed: int, limits: Limits) -> None:
    if size > limits.max_member_size:
        raise LimitExceededError(name, "max_member_size", f"declares {size} bytes")
    if size > _MiB and size > limits.max_ratio * (compressed or 1):
        raise LimitExceededError(name, "max_ratio", f"declares {size} bytes from {compressed}")


def _report_case_collisions(joined: str, members: Mapping[str, object], warnings: Warnings) -> None:
    if len(set(joined.lower().split("\x00"))) == len(members) + 1:  # +1: the empty string
        return
    folded: dict[str, str] = {}
    for path in members:
        other = folded.setdefault(path.lower(), path)
        if other != path:
            warnings.add(f"case-insensitive collision: {other!r} and {path!r}")


def _check_overlaps(cd: bytes, result: Catalogue, label: str) -> None:
    """Sort every record's [offset, minimal end) span; any overlap is hostile."""
    spans: list[tuple[int, int, str]] = []
    pos = 0
    while pos < len(cd):
        fields = _CENTRAL.unpack_from(cd, pos)
        compressed, size, name_len, extra_len, comment_len = fields[10:15]
        offset = fields[18]
        start = pos + 46
        if compressed == _MASK32 or size == _MASK32 or offset == _MASK32:
            extra = cd[start + name_len : start + name_len + extra_len]
            size, compressed, offset = _zip64_extra(extra, size, compressed, offset)
        name = cd[start : start + name_len].decode("utf-8", "replace")
        spans.append((offset, offset + 30 + name_len + compressed, name))
        pos = start + name_len + extra_len + comment_len
    spans.sort()
    result.offsets[:] = sorted(result.offsets)
    boundaries = [span[0] for span in spans[1:]] + [result.cd_offset]
    for (_, stop, name), boundary in zip(spans, boundaries, strict=True):
        if stop > boundary:
            raise HostileArtifactError(
                name,
                "overlapping-entries",
                "zip entries share or overlap their data (CVE-2024-0450 style)",
            )


def _zip64_extra(extra: bytes, size: int, compressed: int, offset: int) -> tuple[int, int, int]:
    pos = 0
    while pos + 4 <= len(extra):
        tag, length = struct.unpack_from("<2H", extra, pos)
        body = extra[pos + 4 : pos + 4 + length]
        pos += 4 + length
        if tag != 1:
            continue
        values = list(struct.unpack_from(f"<{len(body) // 8}Q", body))
        if size == _MASK32 and values:
            size = values.pop(0)
        if compressed == _MASK32 and values:
            compressed = values.pop(0)
        if offset == _MASK32 and values:
            offset = values.pop(0)
        break
    return size, compressed, offset


def _decode_name(raw: bytes, flags: int, warnings: Warnings) -> str:
    if raw.isascii():
        return raw.decode("ascii")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        name = raw.decode("cp437")  # the zip default; every byte decodes
        if flags & _FLAG_UTF8:
            warnings.add(f"{name}: flagged UTF-8 but is not; decoded as cp437")
        return name


def _kind(mode: int, name: str) -> str | None:
    fmt = mode & _S_IFMT
    if fmt == stat.S_IFLNK:
        return _SYMLINK
    if fmt == stat.S_IFDIR:
        return _DIR
    if fmt == 0:
        return _DIR if name[-1:] == "/" else _FILE
    return None


def data_span(source: Source, catalogue_: Catalogue, member: Member) -> int:
    """Validate a member's local header; return the absolute offset of its data."""
    if member.flags & _FLAG_ENCRYPTED:
        raise ArtifactError(
            f"member {member.name!r} is encrypted; wellcheck cannot read encrypted zip members"
        )
    header = source.read_at(catalogue_.concat + member.offset, _LOCAL.size + len(member.raw_name))
    if len(header) < _LOCAL.size or header[:4] != SIG_LOCAL:
        raise ArtifactError(f"corrupt zip: no local header for member {member.name!r}")
    fields = _LOCAL.unpack_from(header)
    name_len: int = fields[-2]
    extra_len: int = fields[-1]
    if header[_LOCAL.size :] != member.raw_name or name_len != len(member.raw_name):
        raise HostileArtifactError(
            member.name, "local-header-mismatch", "local and central names differ"
        )
    start = member.offset + _LOCAL.size + name_len + extra_len
    offsets = catalogue_.offsets
    index = bisect_right(offsets, member.offset)
    boundary = offsets[index] if index < len(offsets) else catalogue_.cd_offset
    if start + member.compressed > boundary:
        raise HostileArtifactError(
            member.name, "overlapping-entries", "member data runs into the next entry"
        )
    return catalogue_.concat + start

"""The zip format, read in place: central directory, one member at a time.

``zipfile`` needs ~180 ms to catalogue 30,000 entries and trusts header sizes;
this parser reads the central directory in one pass (a few tens of ms), checks
limits on the headers before anything is catalogued, refuses overlapping
entries (CVE-2024-0450 style) and streams a member with its actual size, ratio
and CRC enforced.  Bytes before the archive (self-extracting zips) are allowed.

Where readers could see different archives, it sees what CPython's ``zipfile``
(3.11-3.13, which pip uses) and Info-ZIP ``unzip`` 6.0 see, or refuses the file:
the end record (``zipend.py``), every member's local header (``ziplocal.py``),
member kinds (a trailing ``/`` makes a directory; a unix symlink mode makes a
link only for the hosts ``unzip`` makes links for; any other mode is a regular
file, as both write it), the Unicode Path extra field (0x7075, used by zipfile
3.12+ and unzip, not 3.11: a name it changes is hostile) and zip64 extra fields
(read as zipfile reads them; duplicates are hostile).
"""

from __future__ import annotations

import stat
import struct
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import BinaryIO, NamedTuple

from wellcheck.artifact.base import EntryKind
from wellcheck.artifact.common import Source, Warnings
from wellcheck.artifact.limits import Limits
from wellcheck.artifact.paths import MAX_NAME_LENGTH, normalise_member
from wellcheck.artifact.zipend import find_end_record
from wellcheck.artifact.zipextra import extra_fields
from wellcheck.artifact.ziplocal import (
    READABLE_METHODS,
    SIG_LOCAL,
    UNREADABLE_FLAGS,
    LocalHeaders,
    can_decode,
    check_header,
    compare_header,
    data_offset,
    why_unreadable,
)
from wellcheck.errors import ArtifactError, HostileArtifactError, LimitExceededError

_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")  # 46 bytes
# the fields the catalogue uses (times, disk numbers and the maker's version skipped)
_CENTRAL_USED = struct.Struct("<4sxBH2H4x3L3H4x2L")
_SIG_CENTRAL = b"PK\x01\x02"
_FLAG_UTF8 = 0x800
_MAX_EXTRACT_VERSION = 63  # zipfile refuses to open an archive with a member above 6.3
# "made by" hosts whose unix symlink modes unzip 6.0 turns into links (SYMLINK_HOST:
# VMS, Unix, Atari, BeOS, AtheOS); zipfile never makes links
_LINK_HOSTS = frozenset({2, 3, 5, 16, 30})
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
    links: list[str] = field(default_factory=list)  # paths of the symlink members
    shadowed: list[MemberFields] = field(default_factory=list)  # earlier duplicates
    unreadable: dict[str, str] = field(default_factory=dict)  # path: why it cannot be decoded

    def member(self, path: str) -> Member:
        return Member(*self.members[path])


def looks_like_zip(source: BinaryIO, size: int) -> bool:
    """Content sniffing for archives that do not start with a local header (self-extracting)."""
    try:
        end = find_end_record(source, size)
    except HostileArtifactError:
        return True  # a zip, and opening it says why it is refused
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
    _parse_central(cd, result, LocalHeaders(source, end.concat, end.cd_offset), limits, label)
    return result


def _parse_central(
    cd: bytes,
    result: Catalogue,
    headers: LocalHeaders,
    limits: Limits,
    label: str,
    careful: bool = False,
) -> None:
    """One pass over the records and their local headers, a few C calls per record.

    Names are normalised in bulk: when any name could need it (a dot segment, a
    backslash...), the pass is redone with ``careful`` per-name normalisation.
    """
    members, offsets, warnings = result.members, result.offsets, result.warnings
    unpack, append_offset = _CENTRAL_USED.unpack_from, offsets.append
    region, read_header = headers.region, headers.at
    readable, unreadable_flags = READABLE_METHODS, UNREADABLE_FLAGS
    mask32, max_version, sig_local = _MASK32, _MAX_EXTRACT_VERSION, SIG_LOCAL  # locals: faster
    threshold = min(limits.max_member_size, _MiB)
    pos, end, total, prev_end, ordered, links = 0, len(cd), 0, 0, True, 0
    problem: ArtifactError | None = None
    unicode = b"up" in cd  # the tag of a Unicode Path extra block, anywhere
    if end // _CENTRAL.size > limits.max_members:  # only then can the records outnumber it
        _count_records(cd, limits, label)
    while pos < end:
        try:
            (sig, system, version, flags, method, crc, compressed, size, name_len, extra_len,
             comment_len, external, offset) = unpack(cd, pos)  # fmt: skip
        except struct.error:
            sig = b""
        if sig != _SIG_CENTRAL:
            raise ArtifactError(f"{label}: corrupt zip (bad central directory record)")
        start = pos + 46
        pos = start + name_len + extra_len + comment_len
        raw = cd[start : start + name_len]
        name = raw.decode("ascii") if raw.isascii() else _decode_name(raw, flags, warnings)
        if version > max_version:
            raise ArtifactError(
                f"{label}: member {name!r} needs zip version {version / 10:.1f}; "
                "zipfile refuses archives above 6.3"
            )
        # the extra field matters for a zip64 value or a Unicode Path block (tag bytes "up")
        if extra_len and (
            (size | compressed | offset) == mask32  # one is (or the bits happen to add up)
            or (unicode and cd.find(b"up", start + name_len, start + name_len + extra_len) >= 0)
        ):
            size, compressed, offset = extra_fields(
                cd[start + name_len : start + name_len + extra_len],
                (size, compressed, offset),
                raw,
                name,
                label,
            )
        if name[-1:] == "/":  # zipfile and unzip: a directory whatever its mode says
            kind, path = _DIR, name[:-1]
        elif external >> 28 & 7 and system in _LINK_HOSTS:  # a unix mode, not a regular file
            kind, path = _kind(external >> 16, name, warnings), name
            links += kind == _SYMLINK
        else:
            kind, path = _FILE, name
        total += size
        if size > threshold:
            _check_declared_size(name, size, compressed, limits)
        fields = (kind, name, raw, offset, compressed, size, crc, method, flags)
        # the local header repeats the record's version..name length, then the name
        if region is not None:
            at, header = offset, region
        else:
            at, header = 0, read_header(offset, 30 + name_len)
        if (
            header.startswith(cd[start - 40 : start - 16], at + 4)
            and header.startswith(raw, at + 30)
            and header.startswith(sig_local, at)
        ):
            extra_end = offset + 30 + name_len + (header[at + 28] | header[at + 29] << 8)
        else:
            local = header[at : at + 30 + name_len]
            try:
                extra_end = offset + 30 + name_len + compare_header(local, fields)
            except ArtifactError as exc:  # raised after the overlap check, the better reason
                problem, extra_end = problem or exc, data_offset(local, offset, name_len)
        if offset < prev_end:
            ordered = False
        prev_end = extra_end + compressed
        append_offset(offset)
        if careful:
            path = normalise_member(name, allow_root=True)
            if not path:
                continue
        previous = members.get(path)
        if previous is not None:
            if kind != _DIR or previous[0] != kind:
                warnings.add(f"duplicate member {path!r}: the last one wins")
            result.shadowed.append(previous)
            result.unreadable.pop(path, None)
        if (method not in readable or flags & unreadable_flags) and kind != _DIR:
            result.unreadable[path] = why_unreadable(method, flags)
        members[path] = fields
    if total > limits.max_total_size:
        raise LimitExceededError(
            label, "max_total_size", f"entries declare more than {limits.max_total_size} bytes"
        )
    joined = "\x00" + "\x00".join(members) + "\x00"  # NUL never occurs in a clean name
    if not careful and _needs_normalising(joined, members):
        members.clear()
        offsets.clear()
        result.shadowed.clear()
        result.unreadable.clear()
        result.warnings = Warnings()
        _parse_central(cd, result, headers, limits, label, careful=True)
        return
    if links:
        result.links[:] = [path for path, fields in members.items() if fields[0] == _SYMLINK]
    _report_case_collisions(joined, members, result.warnings)
    disordered = not ordered or (offsets and prev_end > result.cd_offset)
    _check_spans(cd, result, headers, bool(disordered), problem, label)


def _check_spans(
    cd: bytes,
    result: Catalogue,
    headers: LocalHeaders,
    disordered: bool,
    problem: ArtifactError | None,
    label: str,
) -> None:
    """After the pass: overlapping entries first (the better reason), then a local
    header that disagreed; when the data is not in order, every member's data span."""
    if disordered:
        _check_overlaps(cd, result, label)
    if problem is not None:
        raise problem
    if disordered:  # data may run into a header that is not the next one: check each
        for fields in (*result.members.values(), *result.shadowed):
            header = headers.at(fields[3], 30 + len(fields[2]))
            check_header(header, fields, result.offsets, result.cd_offset)


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
        raw = cd[start : start + name_len]
        name = raw.decode("utf-8", "replace")
        if extra_len and _MASK32 in (size, compressed, offset):  # checked by the first pass
            extra = cd[start + name_len : start + name_len + extra_len]
            size, compressed, offset = extra_fields(
                extra, (size, compressed, offset), raw, name, label
            )
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


def _kind(mode: int, name: str, warnings: Warnings) -> str:
    """What unzip 6.0 makes of a unix mode: a link, or a regular file for anything else
    (directory modes without a trailing '/', devices, FIFOs, sockets: zipfile too)."""
    fmt = mode & _S_IFMT
    if fmt == stat.S_IFLNK:
        return _SYMLINK
    if fmt not in (0, stat.S_IFREG):
        what = "directory" if fmt == stat.S_IFDIR else "device, FIFO or socket"
        warnings.add(
            f"{name}: unix mode says {what}; zipfile and unzip write a regular file, read as one"
        )
    return _FILE


def data_span(source: Source, catalogue_: Catalogue, member: Member) -> int:
    """Check a member's local header again before reading it; the absolute offset of its data."""
    if not can_decode(member.method, member.flags):
        why = why_unreadable(member.method, member.flags)
        raise ArtifactError(f"member {member.name!r} is {why}; wellcheck cannot read it")
    header = source.read_at(catalogue_.concat + member.offset, 30 + len(member.raw_name))
    return catalogue_.concat + check_header(
        header, member, catalogue_.offsets, catalogue_.cd_offset
    )

"""Tar header primitives: one 512-byte header block, its numbers, PAX records.

Read the way the runtime reads them.  Container images are applied by
containerd and Docker with Go's ``archive/tar`` (Go 1.22,
src/archive/tar/reader.go, strconv.go, format.go); wellcheck follows it, and
refuses a header where CPython's ``tarfile`` (3.11 to 3.13, what Python-based
tools use) would read it differently.  :class:`HeaderError` says which: a
corrupt header (``rule`` None) or an ambiguous one (``rule`` set).

Shared by the catalogue (:mod:`wellcheck.artifact.tarsafe`), the folding of
extended headers (:mod:`wellcheck.artifact.tarfold`) and the inflater's
:class:`SizeWatch`, so all read headers the same way.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from wellcheck.artifact.limits import Limits
from wellcheck.errors import LimitExceededError

BLOCK = 512
ZERO_BLOCK = bytes(BLOCK)
MAX_SPECIAL = 1 << 20  # Go's maxSpecialFileSize: a longer pax/long-name record is an error
MAX_EXTENDED = 16  # extended headers in a row before a real member
EXTENDED = (b"x", b"g", b"L", b"K")

AMBIGUOUS = "ambiguous-tar-header"  # Go and CPython would read the member differently
UNSUPPORTED = "unsupported-tar-member"  # a member containerd refuses to apply

# a number field both readers accept and read alike: spaces, octal digits, then spaces
# or NULs (Go: bytes.Trim(" \x00") then ParseUint(_, 8, 64); CPython: nts, strip, int(_, 8))
_OCTAL = re.compile(rb" *([0-7]*)[ \x00]*")
_OCTAL_DIGITS = re.compile(rb"[0-7]+")
# a decimal PAX number both read alike (Go: strconv.ParseInt(_, 10, 64)); a sign, spaces,
# underscores or non-ASCII digits are refused (CPython's int() would take some of them)
_DECIMAL = re.compile(rb"[0-9]{1,19}")
_SIGNED = re.compile(rb"[+-]?[0-9]{1,19}")
_INT64 = 1 << 63


class HeaderError(Exception):
    """A header wellcheck refuses: corrupt (``rule`` None) or breaking ``rule``."""

    def __init__(self, what: str, rule: str | None = None, member: bytes = b"") -> None:
        super().__init__(what)
        self.what, self.rule, self.member = what, rule, member


def padded(size: int) -> int:
    return (size + BLOCK - 1) // BLOCK * BLOCK


def nts(raw: bytes) -> bytes:
    """A NUL-terminated field (Go's parseString, CPython's nts), as bytes."""
    return raw.split(b"\0", 1)[0]


def text(raw: bytes) -> str:
    """A name as wellcheck shows it: UTF-8, other bytes as ``\\xNN``."""
    return raw.decode("utf-8", "backslashreplace")


# ----------------------------------------------------------------------------- numbers


def number(field: bytes) -> int:
    """A numeric header field, as Go reads it; refused where CPython reads it otherwise.

    Go (``parser.parseNumeric``) takes base-256 when the first byte's top bit is set
    (two's complement, at most 63 bits); CPython (``nti``) only for a first byte of
    0x80 or 0xff.  In octal, Go trims spaces and NULs at both ends and stops at the
    first NUL; CPython stops at the first NUL and strips whitespace.
    """
    first = field[0]
    if first & 0x80:
        if first not in (0x80, 0xFF):  # Go reads it, CPython refuses it
            raise HeaderError("invalid number field")
        value = go_base256(field)
        if value is None:
            raise HeaderError("invalid number field (too large)")
        return value
    match = _OCTAL.fullmatch(field)
    if match is not None:
        digits = match.group(1)
        return int(digits, 8) if digits else 0
    go, py = go_octal(field), _py_octal(field)
    if go is None or go != py:
        raise HeaderError("invalid number field")
    return go


def octal_only(field: bytes) -> int | None:
    """The checksum field: Go reads it with ``parseOctal`` only (never base-256)."""
    if field[0] & 0x80:
        return None
    try:
        return number(field)
    except HeaderError:
        return None


def go_base256(field: bytes) -> int | None:
    """Go's base-256 reading (``parseNumeric``): None on int64 overflow."""
    inverse = 0xFF if field[0] & 0x40 else 0
    value = 0
    for index, byte in enumerate(field):
        byte ^= inverse
        if index == 0:
            byte &= 0x7F
        if value >> 56:
            return None
        value = value << 8 | byte
    if value >> 63:
        return None
    return ~value if inverse else value


def go_octal(field: bytes) -> int | None:
    """Go's ``parseOctal``: trim spaces and NULs, stop at a NUL, ``ParseUint(_, 8, 64)``."""
    trimmed = field.strip(b" \x00")
    if not trimmed:
        return 0
    digits = nts(trimmed)
    if _OCTAL_DIGITS.fullmatch(digits) is None:
        return None
    value = int(digits, 8)
    return value if value < 1 << 64 else None


def go_numeric_ok(field: bytes) -> bool:
    """Whether Go's ``parseNumeric`` reads ``field`` without error."""
    if field[0] & 0x80:
        return go_base256(field) is not None
    return go_octal(field) is not None


def _py_octal(field: bytes) -> int | None:
    """CPython's ``nti`` for a field that is not base-256."""
    try:
        return int(nts(field).decode("ascii").strip() or "0", 8)
    except ValueError:  # UnicodeDecodeError is a ValueError
        return None


def checksum_ok(block: bytes) -> bool:
    """The header checksum, unsigned or signed sum (Go's ``computeChecksum``)."""
    stored = octal_only(block[148:156])
    unsigned = sum(block) - sum(block[148:156]) + 8 * 32
    if stored is None or stored == unsigned:
        return stored is not None
    signed = unsigned - 2 * sum(b for b in block if b > 127)
    signed += 2 * sum(b for b in block[148:156] if b > 127)
    return stored == signed


def pax_decimal(value: bytes, what: str) -> int:
    """A non-negative PAX number (size, sparse offsets): ASCII digits, int64 range."""
    if _DECIMAL.fullmatch(value) is None or int(value) >= _INT64:
        raise HeaderError(f"invalid pax {what} {value[:40]!r}")
    return int(value)


def pax_signed_ok(value: bytes) -> bool:
    """Go's ``strconv.ParseInt(_, 10, 64)`` (uid, gid, the seconds of a time)."""
    return _SIGNED.fullmatch(value) is not None and -_INT64 <= int(value) < _INT64


def pax_time_ok(value: bytes) -> bool:
    """Go's ``parsePAXTime``: seconds, optionally a dot and decimal digits."""
    seconds, dot, fraction = value.partition(b".")
    if not pax_signed_ok(seconds):
        return False
    return not dot or fraction == b"" or fraction.isdigit()


# ----------------------------------------------------------------------------- header block


class Header(NamedTuple):
    """One header block, validated: every number field read, the checksum right."""

    block: bytes
    kind: bytes  # the typeflag byte
    size: int  # the size field: bytes of data that follow (before PAX overrides)

    @property
    def name_field(self) -> bytes:
        return nts(self.block[0:100])

    @property
    def link_field(self) -> bytes:
        return nts(self.block[157:257])


def parse_header(block: bytes) -> Header:
    """Check a header as both readers do: checksum, then every number field
    (Go's ``readHeader`` fails on any it cannot read; CPython's ``frombuf`` too)."""
    if not checksum_ok(block):
        raise HeaderError("invalid header checksum")
    for start, end in _NUMBER_FIELDS:
        field = block[start:end]
        if field not in _VALID_FIELDS:  # mode, uid, gid... repeat: each is read once
            number(field)
            if len(_VALID_FIELDS) > 4096:
                _VALID_FIELDS.clear()
            _VALID_FIELDS.add(field)
    star = block[257:263] == b"ustar\x00" and block[508:512] == b"tar\x00"
    if star and not (go_numeric_ok(block[476:488]) and go_numeric_ok(block[488:500])):
        raise HeaderError("invalid number field")  # Go reads a star header's times
    size = number(block[124:136])
    if size < 0:
        raise HeaderError("negative size")
    return Header(block, block[156:157], size)


# mode, uid, gid, size, mtime, devmajor, devminor (CPython reads all; Go all but the
# device numbers of a v7 header, which CPython refuses alike when malformed)
_VALID_FIELDS: set[bytes] = set()  # number fields already read without error
_NUMBER_FIELDS = (
    (100, 108),
    (108, 116),
    (116, 124),
    (124, 136),
    (136, 148),
    (329, 337),
    (337, 345),
)


def header_names(header: Header) -> tuple[bytes, bytes]:
    """The member name the header alone gives, as (Go, CPython) read it.

    Go prepends the ustar prefix for ustar/pax magic (131 bytes in a star
    header), and in a GNU header only when its atime/ctime do not parse (the
    pre-Go 1.8 writer bug, golang.org/issue/12594); CPython prepends whatever
    NUL-terminated text is at offset 345, whatever the magic.
    """
    block, name = header.block, header.name_field
    magic, version = block[257:263], block[263:265]
    go_prefix = b""
    if magic == b"ustar\x00":
        go_prefix = nts(block[345:476] if block[508:512] == b"tar\x00" else block[345:500])
    elif magic == b"ustar " and version == b" \x00":
        atime, ctime = block[345:357], block[357:369]
        if (atime[0] and not go_numeric_ok(atime)) or (ctime[0] and not go_numeric_ok(ctime)):
            prefix = nts(block[345:500])
            go_prefix = prefix if prefix.isascii() else b""
    py_prefix = nts(block[345:500]) if header.kind not in (b"L", b"K", b"S") else b""
    go = go_prefix + b"/" + name if go_prefix else name
    py = py_prefix + b"/" + name if py_prefix else name
    return go, py


# ----------------------------------------------------------------------------- PAX records

_NAME_KEYS = (b"path", b"linkpath", b"uname", b"gname")


def pax_records(payload: bytes) -> dict[bytes, bytes]:
    """``%d key=value\\n`` records, as Go's ``parsePAX`` reads them (the last of a
    repeated key wins in both readers).  Anything Go refuses is corrupt; GNU sparse
    0.0 records, which Go turns into a map and old CPython finds by a regex over
    the whole header, are refused.
    """
    records: dict[bytes, bytes] = {}
    pos = 0
    while pos < len(payload):
        space = payload.find(b" ", pos, pos + 21)
        digits = payload[pos:space] if space > pos else b""
        if _DECIMAL.fullmatch(digits) is None:
            raise HeaderError("malformed pax header (record length)")
        end = pos + int(digits)
        if int(digits) < 5 or end > len(payload) or end <= space + 1 or payload[end - 1] != 0x0A:
            raise HeaderError("malformed pax header (record framing)")
        key, equals, value = payload[space + 1 : end - 1].partition(b"=")
        if not equals or not key:
            raise HeaderError("malformed pax header (no key)")
        if key in _NAME_KEYS and b"\0" in value:  # Go's validPAXRecord
            raise HeaderError("NUL byte in a pax name", "nul-byte-in-name", value)
        if b"\0" in key:
            raise HeaderError("malformed pax header (NUL in a key)")
        if key in (b"GNU.sparse.offset", b"GNU.sparse.numbytes"):
            raise HeaderError("GNU sparse format 0.0 (readers disagree on it)", UNSUPPORTED)
        records[key] = value
        pos = end
    if b"hdrcharset=" in payload:  # CPython < 3.12.6 searches the whole header for it
        found = _HDRCHARSET.search(payload)
        if found is not None and not _is_utf8(found.group(1)):
            raise HeaderError("a hdrcharset CPython cannot decode", AMBIGUOUS)
    return records


_HDRCHARSET = re.compile(rb"\d+ hdrcharset=([^\n]+)\n")


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


# ----------------------------------------------------------------------------- size watch


class SizeWatch:
    """Follows tar framing in a stream as it is inflated, so that a member larger
    than ``max_member_size`` stops the inflation at its header, not after it.

    It reads headers with the catalogue's own rules (:func:`parse_header`,
    :func:`~wellcheck.artifact.tarfold.fold`), so it only ever refuses a member the
    catalogue would refuse too; when the stream stops looking like a tar, or a
    header is one the catalogue refuses, it just stops watching (the catalogue
    reports it).
    """

    def __init__(self, limits: Limits, label: str) -> None:
        from wellcheck.artifact.tarfold import Pending

        self.limit, self.label = limits.max_member_size, label
        self.active = True
        self.finished = False  # the end-of-archive block was seen in step
        self._buffer = bytearray()
        self._need = BLOCK  # bytes to collect before the next decision
        self._skip = 0  # member data to pass over
        self._extended: Header | None = None  # collecting this extended header's data
        self._pending = Pending()

    def feed(self, data: bytes) -> None:
        view, at = memoryview(data), 0
        while self.active and at < len(view):
            if self._skip:
                step = min(self._skip, len(view) - at)
                self._skip -= step
                at += step
                continue
            step = min(self._need - len(self._buffer), len(view) - at)
            self._buffer += view[at : at + step]
            at += step
            if len(self._buffer) == self._need:
                chunk = bytes(self._buffer)
                self._buffer.clear()
                try:
                    self._decide(chunk)
                except HeaderError:
                    self.active = False

    def _decide(self, chunk: bytes) -> None:
        if self._extended is not None:
            header, self._extended, self._need = self._extended, None, BLOCK
            self._pending.add(header.kind, chunk)
            self._skip = padded(header.size) - header.size
            return
        if chunk == ZERO_BLOCK:
            self.active, self.finished = False, True
            return
        header = parse_header(chunk)
        if header.kind in EXTENDED:
            if header.size > MAX_SPECIAL:
                raise HeaderError("extended header too large")
            if header.size:
                self._extended, self._need = header, header.size
            else:
                self._pending.add(header.kind, b"")
            return
        self._member(header)

    def _member(self, header: Header) -> None:
        from wellcheck.artifact.tarfold import FILE_TYPES, Pending, fold

        folded, self._pending = fold(header, self._pending), Pending()
        if folded.kind in FILE_TYPES and folded.logical > self.limit:
            raise LimitExceededError(
                text(folded.name), "max_member_size", f"{folded.logical} bytes in {self.label}"
            )
        self._skip = padded(folded.size)

"""Tar header primitives, and a watcher that follows tar framing in a stream.

Shared by the catalogue (:mod:`wellcheck.artifact.tarsafe`) and the inflater
(:mod:`wellcheck.artifact.inflate`), so both read headers the same way.
"""

from __future__ import annotations

import re

from wellcheck.artifact.limits import Limits
from wellcheck.errors import LimitExceededError

BLOCK = 512
ZERO_BLOCK = bytes(BLOCK)
OCTAL = re.compile(rb"[0-7]+")
POSIX_MAGIC = b"ustar\x0000"
DATA_TYPES = {b"0", b"\0", b"7"}  # regular files (7: contiguous)
SPECIAL_TYPES = {b"3": "character device", b"4": "block device", b"6": "FIFO"}
NO_DATA = {b"1", b"2", b"3", b"4", b"5", b"6"}  # links, devices, directories, FIFOs
MAX_EXTENDED = 16  # extended headers in a row before a real member


def padded(size: int) -> int:
    return (size + BLOCK - 1) // BLOCK * BLOCK


def text(raw: bytes) -> str:
    return raw.split(b"\0", 1)[0].decode("utf-8", "backslashreplace")


def pax_records(payload: bytes) -> dict[str, str] | None:
    """``%d key=value\\n`` records; None when they are malformed."""
    records: dict[str, str] = {}
    pos = 0
    while pos < len(payload):
        space = payload.find(b" ", pos, pos + 20)
        length = payload[pos:space]
        if space < 0 or not length.isdigit() or int(length) <= space - pos:
            return None
        end = pos + int(length)
        record = payload[space + 1 : end]
        if end > len(payload) or not record.endswith(b"\n") or b"=" not in record:
            return None
        key, _, value = record[:-1].partition(b"=")
        records[key.decode("utf-8", "backslashreplace")] = value.decode("utf-8", "backslashreplace")
        pos = end
    return records


class SizeWatch:
    """Follows tar framing in a stream as it is inflated, so that a member larger
    than ``max_member_size`` stops the inflation at its header, not after it.

    It only ever refuses a member the catalogue would refuse too; when the stream
    stops looking like a tar it just stops watching (the catalogue reports it).
    """

    def __init__(self, limits: Limits, label: str) -> None:
        self.limit, self.label = limits.max_member_size, label
        self.active = True
        self.finished = False  # the end-of-archive block was seen in step
        self._buffer = bytearray()
        self._need = BLOCK  # bytes to collect before the next decision
        self._skip = 0  # member data to pass over
        self._pax: bytearray | None = None  # collecting a pax header's records
        self._pending: dict[str, str] = {}

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
                if self._pax is not None:
                    self._pax_done(chunk)
                else:
                    self._header(chunk)

    def _pax_done(self, payload: bytes) -> None:
        records = pax_records(payload)
        self._pax, self._need = None, BLOCK
        self._skip = padded(len(payload)) - len(payload)
        if records is None:
            self.active = False
        else:
            self._pending.update(records)

    def _header(self, block: bytes) -> None:
        if block == ZERO_BLOCK or not checksum_ok(block):
            self.active, self.finished = False, block == ZERO_BLOCK
            return
        size, kind = plain_number(block[124:136]), block[156:157]
        if size is None or kind in (b"S", b"M", b"V"):
            self.active = False
            return
        if kind == b"x":
            if size > 64 * 1024:
                self.active = False
            elif size:
                self._pax, self._need = bytearray(), size
            return
        if kind in (b"g", b"L", b"K"):
            self._skip = padded(size)
            return
        pax, self._pending = self._pending, {}
        if pax.get("size", "").isdigit():
            size = int(pax["size"])
        name = pax.get("path") or text(block[:100])
        regular = kind in DATA_TYPES and not name.endswith("/")
        if regular and not any(k.startswith("GNU.sparse.") for k in pax) and size > self.limit:
            raise LimitExceededError(name, "max_member_size", f"{size} bytes in {self.label}")
        if regular or kind not in NO_DATA:
            self._skip = padded(size)


def checksum_ok(block: bytes) -> bool:
    stored = plain_number(block[148:156])
    unsigned = sum(block) - sum(block[148:156]) + 8 * 32
    if stored is None or stored == unsigned:
        return stored is not None
    signed = unsigned - 2 * sum(b for b in block if b > 127)
    signed += 2 * sum(b for b in block[148:156] if b > 127)
    return stored == signed


def plain_number(field: bytes) -> int | None:
    if field[:1] == b"\x80":  # base-256, for sizes past 8 GiB
        return int.from_bytes(field[1:], "big")
    digits = field.split(b"\0", 1)[0].strip()
    if OCTAL.fullmatch(digits):
        return int(digits, 8)
    return None if digits else 0

"""Streaming one zip member with its actual size, ratio and CRC enforced.

Headers are claims: the stream never yields more than the declared size, and a
member whose data inflates past it is classified by how far it goes (up to the
member cap, never further): past the cap it is a LimitExceededError, otherwise
a size mismatch.  A CRC or size mismatch at the end is hostile, a broken
compressed stream is a corrupt artifact.

The methods are the four CPython's ``zipfile`` reads (and pip installs): stored,
deflate, bzip2 and LZMA, each through an incremental stdlib decompressor whose
output is capped per call, so every method has the same bounds.
"""

from __future__ import annotations

import bz2
import io
import lzma
import struct
import zlib
from typing import Protocol

from wellcheck.artifact.common import Budget, Source
from wellcheck.artifact.zipformat import Catalogue, Member, data_span
from wellcheck.errors import ArtifactError, HostileArtifactError, LimitExceededError

_CHUNK = 64 * 1024
_STORED, _DEFLATED, _BZIP2, _LZMA = 0, 8, 12, 14
_FLAG_LZMA_EOS = 0x2  # general purpose bit 1 with LZMA: the stream has an end marker
_RATIO_FLOOR = 1024 * 1024


class _Decoder(Protocol):
    def feed(self, data: bytes, want: int) -> bytes: ...

    @property
    def finished(self) -> bool: ...

    @property
    def hungry(self) -> bool: ...


class _Stored:
    def __init__(self) -> None:
        self._pending = b""

    def feed(self, data: bytes, want: int) -> bytes:
        data = self._pending + data
        self._pending = data[want:]
        return data[:want]

    @property
    def finished(self) -> bool:
        return False  # a stored member ends when its compressed bytes do

    @property
    def hungry(self) -> bool:
        return not self._pending


class _Inflate:
    def __init__(self) -> None:
        self._z = zlib.decompressobj(-15)

    def feed(self, data: bytes, want: int) -> bytes:
        return self._z.decompress(self._z.unconsumed_tail + data, want)

    @property
    def finished(self) -> bool:
        return self._z.eof

    @property
    def hungry(self) -> bool:
        return not self._z.unconsumed_tail


class _Bunzip:
    def __init__(self) -> None:
        self._b = bz2.BZ2Decompressor()

    def feed(self, data: bytes, want: int) -> bytes:
        return self._b.decompress(data, want)

    @property
    def finished(self) -> bool:
        return self._b.eof

    @property
    def hungry(self) -> bool:
        return self._b.needs_input


class _Unlzma:
    """Zip's LZMA (APPNOTE 5.8.8): a 4-byte header (version, properties size), the
    5 LZMA1 properties, then a raw LZMA1 stream, as zipfile's ``LZMADecompressor``
    reads it.  The dictionary is never sized past the member's declared size (a
    decoder needs no more), so a header claiming 4 GiB allocates nothing of it."""

    def __init__(self, member: Member) -> None:
        self._member = member
        self._header = b""
        self._d: lzma.LZMADecompressor | None = None

    def feed(self, data: bytes, want: int) -> bytes:
        if self._d is None:
            self._header += data
            if len(self._header) < 9:
                return b""
            data, self._header = self._start(self._header), b""
        return self._d.decompress(data, want) if self._d is not None else b""

    def _start(self, header: bytes) -> bytes:
        (size,) = struct.unpack_from("<H", header, 2)
        props, dict_size = header[4], int.from_bytes(header[5:9], "little")
        if size != 5 or props >= 9 * 5 * 5:
            raise lzma.LZMAError("invalid LZMA properties")
        lc, rest = props % 9, props // 9
        dict_size = max(min(dict_size, self._member.size), 4096)
        lzma1 = {"id": lzma.FILTER_LZMA1, "dict_size": dict_size, "lc": lc, "lp": rest % 5,
                 "pb": rest // 5}  # fmt: skip
        self._d = lzma.LZMADecompressor(lzma.FORMAT_RAW, filters=[lzma1])
        return header[9:]

    @property
    def finished(self) -> bool:
        return self._d is not None and self._d.eof

    @property
    def hungry(self) -> bool:
        return self._d is None or self._d.needs_input

    @property
    def needs_end_marker(self) -> bool:
        return bool(self._member.flags & _FLAG_LZMA_EOS)


def _decoder(member: Member) -> _Decoder:
    if member.method == _STORED:
        return _Stored()
    if member.method == _DEFLATED:
        return _Inflate()
    if member.method == _BZIP2:
        return _Bunzip()
    if member.method == _LZMA:
        return _Unlzma(member)
    raise ArtifactError(
        f"member {member.name!r} uses zip compression method {member.method}, "
        "which wellcheck does not read (stored, deflate, bzip2 and LZMA only)"
    )


class MemberStream(io.RawIOBase):
    """Raw stream of one member's decompressed bytes, read in place from ``source``."""

    def __init__(
        self, source: Source, catalogue: Catalogue, member: Member, budget: Budget
    ) -> None:
        self._source = source
        self._member = member
        self._budget = budget
        self._cap = budget.member_cap()
        self._decoder = _decoder(member)
        self._position = data_span(source, catalogue, member)
        self._left_in = member.compressed
        self._produced = 0
        self._crc = 0
        self._done = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        data = self._chunk(len(buffer))
        count = len(data)
        buffer[:count] = data
        return count

    def readall(self) -> bytes:
        """The rest of the member in large steps (RawIOBase would read 8 KiB at a time)."""
        chunks = []
        while chunk := self._chunk(_CHUNK * 16):
            chunks.append(chunk)
        return b"".join(chunks)

    def _chunk(self, limit: int) -> bytes:
        """Up to ``limit`` checked bytes; b"" at the end (after the size and CRC checks)."""
        if self._done:
            return b""
        # one byte more than the header declares, so that longer data is noticed
        data = self._next(min(limit, self._member.size - self._produced + 1))
        if not data:
            self._finish()
            return b""
        self._account(data)
        return data

    def _read_raw(self) -> bytes:
        if not self._left_in:
            return b""
        data = self._source.read_at(self._position, min(_CHUNK, self._left_in))
        if not data:
            raise ArtifactError(f"truncated zip: member {self._member.name!r} is cut short")
        self._position += len(data)
        self._left_in -= len(data)
        return data

    def _next(self, want: int) -> bytes:
        while not self._decoder.finished:
            raw = self._read_raw() if self._decoder.hungry else b""
            try:
                data = self._decoder.feed(raw, want)
            except (zlib.error, lzma.LZMAError, OSError, EOFError) as exc:
                raise ArtifactError(f"corrupt zip member {self._member.name!r}: {exc}") from exc
            if data or self._decoder.finished or (not self._left_in and self._decoder.hungry):
                return data
        return b""

    def _account(self, data: bytes) -> None:
        member = self._member
        self._produced += len(data)
        if self._produced > member.size:
            self._overflow()
        if self._produced > _RATIO_FLOOR:
            ratio = self._budget.limits.max_ratio
            if self._produced > ratio * max(member.compressed, 1):
                raise LimitExceededError(
                    member.name, "max_ratio", f"inflates more than {ratio} times"
                )
        self._budget.charge(member.name, len(data))
        self._crc = zlib.crc32(data, self._crc)

    def _overflow(self) -> None:
        """The data is longer than its header says: find out how far, up to the cap."""
        member = self._member
        while self._produced <= self._cap:
            data = self._next(_CHUNK)
            if not data:
                break
            self._produced += len(data)
        if self._produced > self._cap:
            raise LimitExceededError(
                member.name,
                "max_member_size",
                f"inflates past {self._cap} bytes although its header declares {member.size}",
            )
        raise HostileArtifactError(
            member.name, "size-mismatch", f"header declares {member.size} bytes, data is longer"
        )

    def _finish(self) -> None:
        self._done = True
        member = self._member
        if not self._decoder.finished and _needs_end(self._decoder):
            # zipfile stops at the declared size and never notices: hostile, not corrupt,
            # so that no check reading the member can take it as merely unreadable
            raise HostileArtifactError(
                member.name, "truncated-member", "compressed data ends before its end marker"
            )
        if self._produced != member.size:
            raise HostileArtifactError(
                member.name,
                "size-mismatch",
                f"header declares {member.size} bytes, data has {self._produced}",
            )
        if self._crc != member.crc:
            raise HostileArtifactError(member.name, "crc-mismatch", "data does not match its CRC")


def _needs_end(decoder: _Decoder) -> bool:
    """Deflate and bzip2 streams end with a marker; stored data never, LZMA only when
    the member's flags say so."""
    if isinstance(decoder, _Stored):
        return False
    if isinstance(decoder, _Unlzma):
        return decoder.needs_end_marker
    return True

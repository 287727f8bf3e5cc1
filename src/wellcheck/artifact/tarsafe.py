"""Reading tar archives and compressed streams without trusting them.

Nothing here extracts anything.  Tar members are catalogued by the offset of
their data in the underlying file (:func:`iter_members`) and read later in
place through :class:`SliceIO`.  Compressed streams (gzip, zstd) are inflated
once into a file the caller chooses (:func:`decompress_to_file`), counting the
bytes actually produced against the limits as they are written.

Member names use POSIX semantics, as layer tars do: a leading '/' is legal and
stripped (names are root-relative), a backslash is an ordinary character, and
'..' anywhere is refused as path traversal.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import BinaryIO

from wellcheck.artifact.limits import Limits
from wellcheck.artifact.paths import MAX_NAME_LENGTH
from wellcheck.artifact.tarheader import (
    BLOCK,
    DATA_TYPES,
    MAX_EXTENDED,
    POSIX_MAGIC,
    SPECIAL_TYPES,
    ZERO_BLOCK,
    checksum_ok,
    padded,
    pax_records,
    plain_number,
    text,
)
from wellcheck.errors import ArtifactError, HostileArtifactError, LimitExceededError

GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


class Compression(StrEnum):
    NONE = "tar"
    GZIP = "gzip"
    ZSTD = "zstd"


class MemberKind(StrEnum):
    FILE = "file"
    DIR = "dir"
    SYMLINK = "symlink"
    HARDLINK = "hardlink"
    SPECIAL = "special"  # device, FIFO, sparse or unknown type: never read


@dataclass(frozen=True, slots=True)
class TarMember:
    name: str  # normalised, root-relative; '' is the root itself
    kind: MemberKind
    size: int
    offset: int  # of the member's data, from the start of the underlying file
    linkname: str = ""  # verbatim for symlinks, normalised for hardlinks
    detail: str = ""  # for SPECIAL: what it is


class Budget:
    """Counts decompressed bytes and catalogued members for one artifact."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.total = 0
        self.members = 0

    def add_bytes(self, count: int, member: str) -> None:
        self.total += count
        if self.total > self.limits.max_total_size:
            raise LimitExceededError(
                member, "max_total_size", f"more than {self.limits.max_total_size} bytes in total"
            )

    def add_member(self, member: str) -> None:
        self.members += 1
        if self.members > self.limits.max_members:
            raise LimitExceededError(
                member, "max_members", f"more than {self.limits.max_members} entries"
            )


def normalise_tar_name(name: str) -> str:
    """Root-relative posix path of a tar member ('' for the root); refuses '..'."""
    if "\x00" in name:
        raise HostileArtifactError(name.replace("\x00", "\\x00"), "nul-byte-in-name")
    if len(name) > MAX_NAME_LENGTH:
        raise HostileArtifactError(name[:80] + "...", "name-too-long")
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise HostileArtifactError(name, "path-traversal")
    return "/".join(parts)


def is_tar_header(block: bytes) -> bool:
    """True for a ustar/gnu header, or a v7 header whose checksum is right."""
    if len(block) < BLOCK:
        return False
    if block[257:262] == b"ustar":
        return True
    field = block[148:156].replace(b"\x00", b" ").strip()
    if not field or any(c not in b"01234567" for c in field):
        return False
    unsigned = sum(block[:148]) + 8 * 32 + sum(block[156:BLOCK])
    return int(field, 8) == unsigned and block[0] != 0


def sniff(head: bytes) -> Compression | None:
    """What a stream is, by its magic bytes: tar, gzip, zstd or None."""
    if head.startswith(GZIP_MAGIC):
        return Compression.GZIP
    if head.startswith(ZSTD_MAGIC):
        return Compression.ZSTD
    if is_tar_header(head[:BLOCK]):
        return Compression.NONE
    return None


class SliceIO(io.RawIOBase):
    """A read-only, seekable window [start, start+length) of a file on disk.

    Reading stops at the window's end; a file shorter than the window is an
    ArtifactError (truncated), never a silent short read.
    """

    def __init__(self, path: str, start: int, length: int, label: str) -> None:
        super().__init__()
        self._fh = Path(path).open("rb", buffering=0)  # noqa: SIM115 - closed in close()
        self._start, self._length, self._pos, self._label = start, length, 0, label

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._length}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        want = min(len(buffer), self._length - self._pos)
        if want <= 0:
            return 0
        self._fh.seek(self._start + self._pos)
        got = self._fh.readinto(memoryview(buffer)[:want])
        if not got:
            raise ArtifactError(f"{self._label}: truncated (file ends before the data does)")
        self._pos += got
        return got

    def close(self) -> None:
        self._fh.close()
        super().close()


def open_slice(
    path: str, start: int, length: int, label: str, buffer_size: int = 64 * 1024
) -> BinaryIO:
    """A buffered reader over :class:`SliceIO` (small buffers suit seek-heavy readers)."""
    return io.BufferedReader(SliceIO(path, start, length, label), buffer_size=buffer_size)


def iter_members(
    path: str, start: int, length: int, limits: Limits, budget: Budget, label: str
) -> Iterator[TarMember]:
    """Catalogue the tar stored at [start, start+length) of ``path``, in archive order.

    A small header parser of our own (not :mod:`tarfile`): extended headers (pax,
    GNU long names) are bounded by ``max_metadata_size`` before they are read, and
    a bad checksum, a missing end-of-archive block or data past the end is an
    ArtifactError, never a quiet early end.
    """
    if length == 0:
        return
    with open_slice(path, start, length, label) as fh:
        scanner = _Scanner(fh, length, limits, label)
        while (member := scanner.next()) is not None:
            budget.add_member(f"{label}:{member.name}")
            yield TarMember(
                normalise_tar_name(member.name),
                member.kind,
                member.size,
                start + member.offset if member.kind is MemberKind.FILE else 0,
                normalise_tar_name(member.linkname)
                if member.kind is MemberKind.HARDLINK
                else member.linkname,
                member.detail,
            )


LINK_TYPES = {b"1": MemberKind.HARDLINK, b"2": MemberKind.SYMLINK}


class _Scanner:
    def __init__(self, fh: BinaryIO, length: int, limits: Limits, label: str) -> None:
        self.fh, self.length, self.limits, self.label = fh, length, limits, label
        self.pos = 0

    def fail(self, what: str) -> ArtifactError:
        return ArtifactError(f"{self.label}: {what} at offset {self.pos}")

    def next(self) -> TarMember | None:
        pax: dict[str, str] = {}
        long_name = long_link = None
        for _ in range(MAX_EXTENDED):
            self.fh.seek(self.pos)
            block = self.fh.read(BLOCK)
            if len(block) < BLOCK:
                raise self.fail("truncated tar (no end-of-archive block)")
            if block == ZERO_BLOCK:
                if pax or long_name is not None or long_link is not None:
                    raise self.fail("corrupt tar (extended header without a member)")
                return None
            self._check_sum(block)
            size, kind = self._number(block[124:136]), block[156:157]
            data = self.pos + BLOCK
            if data + size > self.length:
                raise self.fail("truncated tar (member data past the end)")
            if kind in (b"x", b"g", b"L", b"K"):
                payload = self._extended(data, size)
                self.pos = data + padded(size)
                if kind == b"x":
                    records = pax_records(payload)
                    if records is None:
                        raise self.fail("corrupt tar (malformed pax header)")
                    pax.update(records)
                elif kind == b"L":
                    long_name = text(payload)
                elif kind == b"K":
                    long_link = text(payload)
                continue  # global pax headers carry nothing we use
            return self._member(block, kind, size, data, pax, long_name, long_link)
        raise self.fail("corrupt tar (too many extended headers in a row)")

    def _member(
        self,
        block: bytes,
        kind: bytes,
        size: int,
        data: int,
        pax: dict[str, str],
        long_name: str | None,
        long_link: str | None,
    ) -> TarMember:
        name = pax.get("path") or long_name or text(block[:100])
        if long_name is None and "path" not in pax and block[257:265] == POSIX_MAGIC:
            prefix = text(block[345:500])
            name = f"{prefix}/{name}" if prefix else name
        linkname = pax.get("linkpath") or long_link or text(block[157:257])
        if "size" in pax:
            size = self._pax_size(pax["size"], data)
        self.pos = data
        member_kind: MemberKind
        detail = ""
        if kind in DATA_TYPES and name.endswith("/"):
            member_kind = MemberKind.DIR
        elif kind == b"S" or any(key.startswith("GNU.sparse.") for key in pax):
            member_kind, detail = MemberKind.SPECIAL, "sparse file"
            self.pos += self._sparse_extensions(block)
        elif kind in DATA_TYPES:
            member_kind = MemberKind.FILE
            if size > self.limits.max_member_size:
                raise LimitExceededError(name, "max_member_size", f"{size} bytes in {self.label}")
        elif kind in (b"5", b"D"):
            member_kind = MemberKind.DIR
        elif kind in LINK_TYPES:
            member_kind = LINK_TYPES[kind]
        else:
            member_kind = MemberKind.SPECIAL
            detail = SPECIAL_TYPES.get(kind, f"type {kind!r}")
        has_data = member_kind is MemberKind.FILE or kind not in (
            b"1",
            b"2",
            b"3",
            b"4",
            b"5",
            b"6",
        )
        offset = self.pos
        if has_data:
            self.pos += padded(size)
        if member_kind is not MemberKind.FILE:
            size, offset = 0, 0
        return TarMember(name, member_kind, size, offset, linkname, detail)

    def _check_sum(self, block: bytes) -> None:
        if not checksum_ok(block):
            raise self.fail("corrupt tar (invalid header checksum)")

    def _number(self, field: bytes) -> int:
        value = plain_number(field)
        if value is None:
            raise self.fail("corrupt tar (invalid number field)")
        return value

    def _pax_size(self, text: str, data: int) -> int:
        if not text.isdigit():
            raise self.fail("corrupt tar (invalid pax size)")
        size = int(text)
        if data + size > self.length:
            raise self.fail("truncated tar (member data past the end)")
        return size

    def _extended(self, data: int, size: int) -> bytes:
        if size > self.limits.max_metadata_size:
            raise LimitExceededError(
                f"{self.label}@{self.pos}", "max_metadata_size", f"{size}-byte extended header"
            )
        self.fh.seek(data)
        return self.fh.read(size)

    def _sparse_extensions(self, block: bytes) -> int:
        """Old GNU sparse headers chain extension blocks before the data."""
        skipped, extended = 0, block[482] if block[257:265] != POSIX_MAGIC else 0
        while extended:
            self.fh.seek(self.pos + skipped)
            ext = self.fh.read(BLOCK)
            if len(ext) < BLOCK:
                raise self.fail("truncated tar (sparse header)")
            skipped += BLOCK
            extended = ext[504]
        return skipped

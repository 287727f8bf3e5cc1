"""Reading tar archives and compressed streams without trusting them.

Nothing here extracts anything.  Tar members are catalogued by the offset of
their data in the underlying file (:func:`iter_members`) and read later in
place through :class:`SliceIO`.  Compressed streams (gzip, zstd) are inflated
once into a file the caller chooses (:func:`decompress_to_file`), counting the
bytes actually produced against the limits as they are written.

Member names use POSIX semantics, as layer tars do: a leading '/' is legal and
stripped (names are root-relative), a backslash is an ordinary character, and
'..' anywhere is refused as path traversal.  Headers are read as Go's
``archive/tar`` reads them (containerd and Docker apply layers with it); see
:mod:`wellcheck.artifact.tarheader` and :mod:`wellcheck.artifact.tarfold`.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import BinaryIO

from wellcheck.artifact.common import FileWindowIO
from wellcheck.artifact.limits import Limits
from wellcheck.artifact.paths import MAX_NAME_LENGTH
from wellcheck.artifact.tarfold import Folded, Pending, fold
from wellcheck.artifact.tarheader import (
    AMBIGUOUS,
    BLOCK,
    EXTENDED,
    MAX_EXTENDED,
    MAX_SPECIAL,
    ZERO_BLOCK,
    HeaderError,
    padded,
    parse_header,
    text,
)
from wellcheck.artifact.tarsparse import Fragments, check_fragments, read_map_10
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
    SPECIAL = "special"  # device or FIFO: never read


@dataclass(frozen=True, slots=True)
class TarMember:
    name: str  # normalised, root-relative; '' is the root itself
    kind: MemberKind
    size: int
    offset: int  # of the member's data, from the start of the underlying file
    linkname: str = ""  # verbatim for symlinks, normalised for hardlinks
    detail: str = ""  # for SPECIAL: what it is
    sparse: Fragments | None = None  # a sparse file: its data runs, stored one after the other


class Budget:
    """Counts decompressed bytes and catalogued members for one artifact."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.total = 0
        self.members = 0
        self._escaped = self._literal = False  # see add_spelling

    def add_spelling(self, raw: bytes, shown: str) -> None:
        """A name or link target that is not UTF-8 is shown with ``\\xNN`` escapes,
        so it reads like a name that spells ``\\xNN`` literally: two files to the
        runtime, one to wellcheck (the last one would hide the other).  An artifact
        with both kinds of names is refused."""
        if b"\\x" in raw:
            self._literal = True
        if not raw.isascii() and not self._escaped:
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                self._escaped = True
        if self._escaped and self._literal:
            raise HostileArtifactError(
                shown,
                "ambiguous-name-encoding",
                "names that are not UTF-8 beside names "
                "spelling \\xNN: wellcheck could not tell some of them apart",
            )

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


class SliceIO(FileWindowIO):
    """The window [start, start+length) of a file on disk; reading stops at its end."""

    def __init__(self, path: str, start: int, length: int, label: str) -> None:
        super().__init__(path, length, label)
        self._start = start

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        want = min(len(buffer), self._size - self._pos)
        if want <= 0:
            return 0
        got = self._read_at(self._start + self._pos, memoryview(buffer)[:want])
        self._pos += got
        return got


def open_slice(
    path: str, start: int, length: int, label: str, buffer_size: int = 64 * 1024
) -> BinaryIO:
    """A buffered reader over :class:`SliceIO` (small buffers suit seek-heavy readers)."""
    return io.BufferedReader(SliceIO(path, start, length, label), buffer_size=buffer_size)


def iter_members(
    path: str, start: int, length: int, limits: Limits, budget: Budget, label: str
) -> Iterator[TarMember]:
    """Catalogue the tar stored at [start, start+length) of ``path``, in archive order.

    A header parser of our own (not :mod:`tarfile`) that reads members as Go's
    ``archive/tar`` does, and refuses those CPython's ``tarfile`` would read
    otherwise (see :mod:`wellcheck.artifact.tarfold`).  Extended headers are bounded
    by ``max_metadata_size`` before they are read; a bad checksum, a missing
    end-of-archive block or data past the end is an ArtifactError, never a quiet
    early end.  A sparse member's holes count against the total-size budget.
    """
    if length == 0:
        return
    with open_slice(path, start, length, label) as fh:
        scanner = _Scanner(fh, start, length, budget, label)
        while (member := scanner.next()) is not None:
            budget.add_member(f"{label}:{member.name}")
            if member.sparse is not None:
                stored = sum(run for _, run in member.sparse)
                budget.add_bytes(member.size - stored, f"{label}:{member.name}")
            yield member


SPECIAL_TYPES = {b"3": "character device", b"4": "block device", b"6": "FIFO"}
_KINDS = {b"5": MemberKind.DIR, b"1": MemberKind.HARDLINK, b"2": MemberKind.SYMLINK}


class _Scanner:
    def __init__(self, fh: BinaryIO, start: int, length: int, budget: Budget, label: str) -> None:
        self.fh, self.start, self.length, self.label = fh, start, length, label
        self.budget, self.limits = budget, budget.limits
        self.pos = 0  # relative to ``start``

    def fail(self, what: str) -> ArtifactError:
        return ArtifactError(f"{self.label}: {what} at offset {self.pos}")

    def refuse(self, exc: HeaderError) -> ArtifactError:
        if exc.rule is None:
            return self.fail(f"corrupt tar ({exc.what})")
        member = text(exc.member).replace("\x00", "\\x00") if exc.member else self.label
        return HostileArtifactError(member, exc.rule, f"{exc.what}, at offset {self.pos}")

    def next(self) -> TarMember | None:
        pending = Pending()
        for _ in range(MAX_EXTENDED):
            block = self._read(self.pos, BLOCK)
            if block == ZERO_BLOCK:
                if not pending.empty():
                    raise self.fail("corrupt tar (extended header without a member)")
                if pending.after_global:  # Go ignores it; CPython fails (SubsequentHeaderError)
                    raise self.refuse(HeaderError("a global header at the end", AMBIGUOUS))
                self._end()
                return None
            try:
                header = parse_header(block)
                data = self.pos + BLOCK
                if header.kind not in EXTENDED:
                    return self._member(fold(header, pending), data)
                pending.add(header.kind, self._extended(data, header.size))
            except HeaderError as exc:
                raise self.refuse(exc) from None
            self.pos = data + padded(header.size)
        raise self.fail("corrupt tar (too many extended headers in a row)")

    def _read(self, at: int, size: int) -> bytes:
        self.fh.seek(at)
        data = self.fh.read(size)
        if len(data) < size:
            raise self.fail("truncated tar (no end-of-archive block)")
        return data

    def _end(self) -> None:
        """Go's ``readHeader``: one zero block, then another one or the end of the
        file; anything else after it is ErrHeader (CPython stops at the first)."""
        self.fh.seek(self.pos + BLOCK)
        after = self.fh.read(BLOCK)
        if after and after != ZERO_BLOCK:
            raise self.fail("corrupt tar (data after an end-of-archive block)")

    def _extended(self, data: int, size: int) -> bytes:
        """An extended header's data: bounded, and zero-padded (CPython reads the
        padding too: a record hidden there is one only it would see)."""
        if size > self.limits.max_metadata_size:
            raise LimitExceededError(
                f"{self.label}@{self.pos}", "max_metadata_size", f"{size}-byte extended header"
            )
        if size > MAX_SPECIAL:
            raise HeaderError(f"a {size}-byte extended header (Go refuses over {MAX_SPECIAL})")
        if data + padded(size) > self.length:
            raise self.fail("truncated tar (member data past the end)")
        raw = self._read(data, padded(size))
        if raw[size:].count(0) != len(raw) - size:
            raise HeaderError("bytes in an extended header's padding", AMBIGUOUS)
        return raw[:size]

    def _member(self, folded: Folded, data: int) -> TarMember:
        """The catalogued member: names normalised, offsets from the file's start."""
        name = text(folded.name)
        self.budget.add_spelling(folded.name, name)
        if folded.linkname:
            self.budget.add_spelling(folded.linkname, name)
        if data + folded.size > self.length:
            raise self.fail("truncated tar (member data past the end)")
        self.pos = data + padded(folded.size)
        if folded.kind in SPECIAL_TYPES:
            detail = SPECIAL_TYPES[folded.kind]
            return TarMember(normalise_tar_name(name), MemberKind.SPECIAL, 0, 0, "", detail)
        kind = _KINDS.get(folded.kind, MemberKind.FILE)
        if kind is MemberKind.HARDLINK:
            link = normalise_tar_name(text(folded.linkname))
            return TarMember(normalise_tar_name(name), kind, 0, 0, link)
        if kind is not MemberKind.FILE:
            return TarMember(normalise_tar_name(name), kind, 0, 0, text(folded.linkname))
        if folded.logical > self.limits.max_member_size:
            raise LimitExceededError(
                name, "max_member_size", f"{folded.logical} bytes in {self.label}"
            )
        offset, sparse = data, None
        if folded.sparse is not None:
            sparse, offset = self._sparse(folded, data)
        return TarMember(
            normalise_tar_name(name), kind, folded.logical, self.start + offset, "", "", sparse
        )

    def _sparse(self, folded: Folded, data: int) -> tuple[Fragments, int]:
        """The runs of a sparse member, and where its stored data starts."""
        fragments, used = folded.fragments, 0
        if folded.sparse == "1.0":
            fragments, used = read_map_10(self.fh, data, folded.size, self.limits.max_metadata_size)
        check_fragments(fragments, folded.logical, folded.size - used)
        return fragments, data + used

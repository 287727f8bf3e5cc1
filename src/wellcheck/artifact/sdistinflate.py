"""Inflating a compressed sdist (gzip, bzip2, xz) into a tar file, counting every byte.

gzip goes through the image reader's inflater (:func:`wellcheck.artifact.inflate.
decompress_to_file`); bzip2 and xz are inflated here the same way: every byte produced
counts against the total-size budget and the ratio limit as it is written, a tar
member past ``max_member_size`` stops the inflation at its header, and a truncated or
corrupt stream, or data after the last stream other than zero padding, is an
ArtifactError.  Several streams in a row are read, as ``tarfile`` reads them.
"""

from __future__ import annotations

import bz2
import lzma
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import BinaryIO, Protocol

from wellcheck.artifact.inflate import decompress_to_file
from wellcheck.artifact.tarheader import SizeWatch
from wellcheck.artifact.tarsafe import Budget, Compression, is_tar_header, open_slice
from wellcheck.errors import ArtifactError, LimitExceededError

BZIP2_MAGIC = b"BZh"
XZ_MAGIC = b"\xfd7zXZ\x00"
_CHUNK = 1024 * 1024
_RATIO_FLOOR = 1024 * 1024  # as the gzip inflater: the ratio limit applies above this output


class Packing(StrEnum):
    TAR = "tar"
    GZIP = "gzip"
    BZIP2 = "bzip2"
    XZ = "xz"


def packing(head: bytes) -> Packing | None:
    """How a tar sdist is packed, by its magic bytes; None when it is no tar."""
    if head.startswith(b"\x1f\x8b"):
        return Packing.GZIP
    if head.startswith(BZIP2_MAGIC) and head[3:4].isdigit():
        return Packing.BZIP2
    if head.startswith(XZ_MAGIC):
        return Packing.XZ
    if is_tar_header(head[:512]):
        return Packing.TAR
    return None


def inflate_tar(path: str, kind: Packing, workdir: str, budget: Budget, label: str) -> str:
    """The sdist's tar, inflated into ``workdir``; refuses a stream that holds no tar."""
    dest = str(Path(workdir) / "sdist.tar")
    size = Path(path).stat().st_size
    with open_slice(path, 0, size, label, 64 * 1024) as src, Path(dest).open("xb") as out:
        if kind is Packing.GZIP:
            decompress_to_file(src, Compression.GZIP, out, budget, label, tar_inside=True)
        elif kind is Packing.BZIP2:
            _decompress(src, bz2.BZ2Decompressor, BZIP2_MAGIC, out, budget, label)
        else:
            _decompress(src, lzma.LZMADecompressor, XZ_MAGIC, out, budget, label)
    with Path(dest).open("rb") as fh:
        head = fh.read(512)
    if head and packing(head) is not Packing.TAR and head.strip(b"\0"):
        raise ArtifactError(f"{label}: the {kind} stream does not hold a tar archive")
    return dest


class _Decompressor(Protocol):
    @property
    def eof(self) -> bool: ...
    @property
    def needs_input(self) -> bool: ...
    @property
    def unused_data(self) -> bytes: ...

    def decompress(self, data: bytes, max_length: int = ...) -> bytes: ...


def _decompress(
    src: BinaryIO,
    make: Callable[[], _Decompressor],
    magic: bytes,
    out: BinaryIO,
    budget: Budget,
    label: str,
) -> None:
    """Inflate bzip2 or xz streams (several in a row, as ``tarfile`` reads them), counting
    every byte against the limits; truncated, corrupt or trailing data is an error."""
    sink = _Sink(out, budget, label)
    decompressor = make()
    pending = b""
    while True:
        chunk = pending or src.read(64 * 1024)
        pending = b""
        sink.consumed += len(chunk)
        if not chunk:
            if not decompressor.eof:
                raise ArtifactError(f"{label}: truncated {magic!r} stream")
            return
        try:
            sink.write(decompressor.decompress(chunk, _CHUNK))
            while not decompressor.eof and not decompressor.needs_input:
                sink.write(decompressor.decompress(b"", _CHUNK))
        except (OSError, EOFError, lzma.LZMAError) as exc:
            raise ArtifactError(f"{label}: corrupt compressed stream ({exc})") from exc
        if decompressor.eof:
            rest = decompressor.unused_data + src.read(len(magic))
            if rest.startswith(magic):  # another stream follows
                decompressor, pending = make(), rest
                sink.consumed -= len(rest)
                continue
            if rest.strip(b"\0") or _rest_is_not_zero(src):
                raise ArtifactError(f"{label}: trailing garbage after the compressed stream")
            return


class _Sink:
    def __init__(self, out: BinaryIO, budget: Budget, label: str) -> None:
        self.out, self.budget, self.label = out, budget, label
        self.watch = SizeWatch(budget.limits, label)
        self.written = self.consumed = 0

    def write(self, data: bytes) -> None:
        if not data:
            return
        self.written += len(data)
        self.budget.add_bytes(len(data), self.label)
        limit = self.budget.limits.max_ratio
        if self.written > _RATIO_FLOOR and self.written > limit * max(self.consumed, 1):
            raise LimitExceededError(self.label, "max_ratio", f"expands more than {limit:g} times")
        self.watch.feed(data)
        self.out.write(data)


def _rest_is_not_zero(src: BinaryIO) -> bool:
    while chunk := src.read(64 * 1024):
        if chunk.strip(b"\0"):
            return True
    return False

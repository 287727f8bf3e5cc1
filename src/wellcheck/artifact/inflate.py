"""Inflating gzip and zstd streams into a file, counting every byte produced.

The output is checked against the total-size budget and the ratio limit as it is
written, so a bomb stops at the cap.  Truncated, corrupt or trailing-garbage
streams raise ArtifactError: a partial stream never passes as a complete one.
"""

from __future__ import annotations

import io
import zlib
from typing import IO, BinaryIO, cast

from wellcheck.artifact.tarheader import SizeWatch
from wellcheck.artifact.tarsafe import GZIP_MAGIC, ZSTD_MAGIC, Budget, Compression
from wellcheck.errors import ArtifactError, LimitExceededError

_CHUNK = 1024 * 1024
_RATIO_FLOOR = 1024 * 1024  # the ratio limit applies above this many output bytes


def decompress_to_file(
    source: BinaryIO,
    kind: Compression,
    dest: BinaryIO,
    budget: Budget,
    label: str,
    *,
    tar_inside: bool = False,
) -> int:
    """Inflate ``source`` (gzip or zstd, read to its end) into ``dest``.

    Every output byte is counted against the total-size budget and the ratio
    limit as it is produced; truncated or corrupt streams raise ArtifactError.
    With ``tar_inside`` a tar member past ``max_member_size`` stops the inflation
    at its header.  Returns the number of bytes written.
    """
    watch = SizeWatch(budget.limits, label) if tar_inside else None
    sink = _Sink(dest, budget, label, watch)
    counter = _CountingReader(source)
    if kind is Compression.GZIP:
        _gunzip(counter, sink, label)
    elif kind is Compression.ZSTD:
        _unzstd(counter, sink, label)
    else:
        raise ValueError(kind)
    return sink.written


class _CountingReader(io.RawIOBase):
    def __init__(self, inner: BinaryIO) -> None:
        super().__init__()
        self.inner, self.count = inner, 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self.inner.read(size)
        self.count += len(data)
        return data

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        memoryview(buffer)[: len(data)] = data
        return len(data)


class _Sink:
    def __init__(self, dest: BinaryIO, budget: Budget, label: str, watch: SizeWatch | None) -> None:
        self.dest, self.budget, self.label, self.written = dest, budget, label, 0
        self.watch = watch

    def write(self, data: bytes, consumed: int) -> None:
        if not data:
            return
        self.written += len(data)
        self.budget.add_bytes(len(data), self.label)
        limit = self.budget.limits.max_ratio
        if self.written > _RATIO_FLOOR and self.written > limit * max(consumed, 1):
            raise LimitExceededError(self.label, "max_ratio", f"expands more than {limit:g} times")
        if self.watch is not None:
            self.watch.feed(data)
        self.dest.write(data)


def _gunzip(source: _CountingReader, sink: _Sink, label: str) -> None:
    inflater = zlib.decompressobj(31)
    pending = b""
    while True:
        chunk = pending or source.read(64 * 1024)
        pending = b""
        if not chunk:
            break
        try:
            data = inflater.decompress(chunk, _CHUNK)
            sink.write(data, source.count)
            while inflater.unconsumed_tail:
                data = inflater.decompress(inflater.unconsumed_tail, _CHUNK)
                sink.write(data, source.count)
        except zlib.error as exc:
            raise ArtifactError(f"{label}: corrupt gzip stream ({exc})") from exc
        if inflater.eof:
            rest = inflater.unused_data
            while len(rest) < len(GZIP_MAGIC) and (more := source.read(64 * 1024)):
                rest += more
            if rest.startswith(GZIP_MAGIC):  # another gzip member follows
                inflater, pending = zlib.decompressobj(31), rest
                continue
            if rest.strip(b"\0") or _rest_is_not_zero(source):
                raise ArtifactError(f"{label}: trailing garbage after the gzip stream")
            return  # end of the stream, perhaps zero-padded
    if not inflater.eof:
        raise ArtifactError(f"{label}: truncated gzip stream")


def _rest_is_not_zero(source: _CountingReader) -> bool:
    while chunk := source.read(64 * 1024):
        if chunk.strip(b"\0"):
            return True
    return False


def _unzstd(source: _CountingReader, sink: _Sink, label: str) -> None:
    import zstandard

    start = source.inner.tell()
    _check_zstd_frames(source.inner, label)
    source.inner.seek(start)
    reader = zstandard.ZstdDecompressor().stream_reader(
        cast(IO[bytes], source), read_size=64 * 1024, read_across_frames=True, closefd=False
    )
    try:
        while data := reader.read(_CHUNK):
            sink.write(data, source.count)
    except zstandard.ZstdError as exc:
        raise ArtifactError(f"{label}: corrupt zstd stream ({exc})") from exc


def _check_zstd_frames(fh: BinaryIO, label: str) -> None:
    """Walk frame and block headers to the end: python-zstandard reads a truncated
    stream to a silent early end, so completeness is checked structurally first."""

    def need(n: int) -> bytes:
        data = fh.read(n)
        if len(data) != n:
            raise ArtifactError(f"{label}: truncated zstd stream")
        return data

    def skip(n: int) -> None:
        if n:
            fh.seek(n - 1, io.SEEK_CUR)
            need(1)

    while magic := fh.read(4):
        if len(magic) < 4:
            raise ArtifactError(f"{label}: trailing garbage after the zstd stream")
        if int.from_bytes(magic, "little") & 0xFFFFFFF0 == 0x184D2A50:  # skippable frame
            skip(int.from_bytes(need(4), "little"))
            continue
        if magic != ZSTD_MAGIC:
            raise ArtifactError(f"{label}: corrupt zstd stream (bad frame magic)")
        descriptor = need(1)[0]
        single = descriptor >> 5 & 1
        fcs = (1 if single else 0, 2, 4, 8)[descriptor >> 6]
        need((0 if single else 1) + (0, 1, 2, 4)[descriptor & 3] + fcs)
        while True:
            header = int.from_bytes(need(3), "little")
            block_type, size = header >> 1 & 3, header >> 3
            if block_type == 3:
                raise ArtifactError(f"{label}: corrupt zstd stream (reserved block type)")
            skip(1 if block_type == 1 else size)
            if header & 1:
                break
        if descriptor >> 2 & 1:
            need(4)

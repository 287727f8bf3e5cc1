"""Sparse tar members (GNU PAX formats 0.1 and 1.0), read as Go reads them.

A sparse member stores only its data runs, one after the other; the holes
between them read as zeros (Go 1.22 src/archive/tar/reader.go,
``sparseFileReader``; containerd copies that logical content into the layer).
The map is checked as Go's ``validateSparseEntries`` does (runs in order, not
overlapping, inside the real size), and the stored data must be exactly the
runs' total: Go fails the read otherwise (``errMissData``, ``errUnrefData``).
"""

from __future__ import annotations

import io
from bisect import bisect_right
from typing import BinaryIO

from wellcheck.artifact.common import FileWindowIO
from wellcheck.artifact.tarheader import BLOCK, HeaderError, pax_decimal
from wellcheck.errors import LimitExceededError

Fragments = tuple[tuple[int, int], ...]  # (offset, length) of each data run, in order


def read_map_10(fh: BinaryIO, at: int, physical: int, limit: int) -> tuple[Fragments, int]:
    """Go's ``readGNUSparseMap1x0``: decimal numbers one per line at the start of
    the data (a count, then offset/length pairs), in whole 512-byte blocks.
    Returns the runs and the bytes the map takes."""
    buffer = bytearray()
    newlines = 0

    def feed(wanted: int) -> None:
        nonlocal newlines
        while newlines < wanted:
            if len(buffer) + BLOCK > physical:
                raise HeaderError("the GNU sparse map runs past the member's data")
            if len(buffer) + BLOCK > limit:
                raise LimitExceededError("sparse map", "max_metadata_size", f"over {limit} bytes")
            fh.seek(at + len(buffer))
            block = fh.read(BLOCK)
            buffer.extend(block)
            newlines += block.count(b"\n")

    feed(1)
    count = pax_decimal(bytes(buffer).split(b"\n", 1)[0], "sparse map count")
    if count > physical // 4:  # every run takes at least "0\n0\n": the map cannot fit
        raise HeaderError("the GNU sparse map runs past the member's data")
    feed(1 + 2 * count)
    tokens = bytes(buffer).split(b"\n")[1 : 1 + 2 * count]
    values = [pax_decimal(token, "sparse map entry") for token in tokens]
    return tuple(zip(values[::2], values[1::2], strict=True)), len(buffer)


def check_fragments(fragments: Fragments, logical: int, stored: int) -> None:
    """Go's ``validateSparseEntries``, and the stored data must match the runs."""
    previous_end = 0
    for offset, length in fragments:
        end = offset + length
        if offset < previous_end or end > logical or end >= 1 << 63:
            raise HeaderError("invalid GNU sparse map (runs out of order or past the size)")
        previous_end = end
    if sum(length for _, length in fragments) != stored:
        raise HeaderError("the GNU sparse map does not match the member's data")


class SparseIO(FileWindowIO):
    """The logical content of a sparse member: its runs read in place from the
    archive file (starting at ``data``), zeros in between."""

    def __init__(self, path: str, data: int, fragments: Fragments, size: int, label: str) -> None:
        super().__init__(path, size, label)
        self._starts = [offset for offset, _ in fragments]
        self._lengths = [length for _, length in fragments]
        self._stored: list[int] = []  # where each run's bytes are in the file
        where = data
        for length in self._lengths:
            self._stored.append(where)
            where += length

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        want = min(len(buffer), self._size - self._pos)
        if want <= 0:
            return 0
        view = memoryview(buffer)
        run = bisect_right(self._starts, self._pos) - 1
        if run >= 0 and self._pos < self._starts[run] + self._lengths[run]:
            inside = self._pos - self._starts[run]
            count = min(want, self._lengths[run] - inside)
            count = self._read_at(self._stored[run] + inside, view[:count])
        else:  # a hole, up to the next run (or the end)
            following = self._starts[run + 1] if run + 1 < len(self._starts) else self._size
            count = min(want, following - self._pos)
            view[:count] = bytes(count)
        self._pos += count
        return count


def open_sparse(
    path: str, data: int, fragments: Fragments, size: int, label: str
) -> io.BufferedReader:
    return io.BufferedReader(SparseIO(path, data, fragments, size, label), buffer_size=64 * 1024)

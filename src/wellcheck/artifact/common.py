"""Pieces the tree readers share: the read budget, child indexes, link following.

Nothing here touches the real filesystem: links are resolved inside a tree's
own namespace with :func:`wellcheck.artifact.paths.resolve_link`.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import BinaryIO, TypeVar

from wellcheck.artifact.base import Entry, EntryKind
from wellcheck.artifact.limits import Limits
from wellcheck.artifact.paths import resolve_link
from wellcheck.errors import ArtifactError, LimitExceededError

MAX_WARNINGS = 50  # warnings kept per tree; the rest are counted
MAX_LINK_HOPS = 40  # symlinks follow_to_file goes through before it gives up (a loop)

_Raw = TypeVar("_Raw")


class Budget:
    """Bytes actually decompressed or read from one artifact, nested archives included."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.used = 0
        self._lock = threading.Lock()

    def member_cap(self) -> int:
        """The most one member may still yield: the per-member cap or what is left."""
        return min(self.limits.max_member_size, self.limits.max_total_size - self.used)

    def charge(self, member: str, count: int) -> None:
        with self._lock:
            self.used += count
            used = self.used
        if used > self.limits.max_total_size:
            raise LimitExceededError(
                member,
                "max_total_size",
                f"more than {self.limits.max_total_size} bytes read from the artifact",
            )


class Warnings:
    """A bounded list of human-readable warnings (a hostile archive can trigger millions)."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self.dropped = 0

    def add(self, text: str) -> None:
        if len(self.items) < MAX_WARNINGS:
            self.items.append(text)
        else:
            self.dropped += 1

    def as_tuple(self) -> tuple[str, ...]:
        if self.dropped:
            return (*self.items, f"... and {self.dropped} more warnings")
        return tuple(self.items)


class LazyEntries(Mapping[str, Entry]):
    """A mapping that builds :class:`Entry` values on first access (cataloguing stays cheap)."""

    def __init__(self, raw: Mapping[str, _Raw], build: Callable[[str, _Raw], Entry]) -> None:
        self._raw = raw
        self._build = build
        self._cache: dict[str, Entry] = {}

    def __getitem__(self, path: str) -> Entry:
        entry = self._cache.get(path)
        if entry is None:
            entry = self._build(path, self._raw[path])
            self._cache[path] = entry
        return entry

    def __contains__(self, path: object) -> bool:
        return path in self._raw

    def __iter__(self) -> Iterator[str]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)


class ChildIndex:
    """Direct children of every directory, implicit directories included."""

    def __init__(self, entries: Mapping[str, Entry]) -> None:
        self._entries = entries
        self._children: dict[str, dict[str, None]] = {"": {}}
        children = self._children
        for path in entries:
            parent, _, _ = path.rpartition("/")
            child = path
            while True:
                bucket = children.get(parent)
                if bucket is None:
                    children[parent] = {child: None}
                elif child in bucket:
                    break
                else:
                    bucket[child] = None
                    break
                if not parent:
                    break
                child = parent
                parent, _, _ = parent.rpartition("/")

    def iter_dir(self, directory: str) -> Iterator[Entry]:
        entries = self._entries
        for child in self._children.get(directory, {}):
            yield entries[child] if child in entries else Entry(child, EntryKind.DIR)


def follow_links(entries: Mapping[str, Entry], path: str, limits: Limits) -> str:
    """Return the regular file ``path`` names, following symlinks inside the tree only."""
    current = path
    for _ in range(limits.max_symlink_depth + 1):
        entry = entries.get(current)
        if entry is None:
            if current == path:
                raise ArtifactError(f"no regular file {path!r} in the artifact")
            raise ArtifactError(f"symlink {path!r} points at {current!r}, which is not in the tree")
        if entry.kind is EntryKind.FILE:
            return current
        if entry.kind is EntryKind.DIR:
            raise ArtifactError(f"{path!r} is a directory, not a regular file")
        target = resolve_link(current, entry.link_target or "")
        if target is None:
            raise ArtifactError(f"symlink {path!r} points outside the artifact; not followed")
        current = target
    raise LimitExceededError(
        path, "max_symlink_depth", f"more than {limits.max_symlink_depth} links (or a loop)"
    )


def follow_to_file(entries: Mapping[str, Entry], path: str) -> str | None:
    """The regular file ``path`` leads to through symlinks inside the tree, or None
    when it is missing, not a file, dangles, leaves the tree or loops (for checks,
    which report such paths instead of raising)."""
    for _ in range(MAX_LINK_HOPS):
        entry = entries.get(path)
        if entry is None:
            return None
        if entry.kind is not EntryKind.SYMLINK:
            return path if entry.kind is EntryKind.FILE else None
        resolved = resolve_link(path, entry.link_target or "")
        if resolved is None:
            return None
        path = resolved
    return None


class BoundedRaw(io.RawIOBase):
    """Wrap a stream, refusing more than the member cap and charging the budget."""

    def __init__(self, inner: BinaryIO, member: str, budget: Budget) -> None:
        self._inner = inner
        self._member = member
        self._budget = budget
        self._cap = budget.member_cap()
        self._count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        want = min(len(buffer), self._cap - self._count + 1)
        data = self._inner.read(want)
        count = len(data)
        self._count += count
        if self._count > self._cap:
            raise LimitExceededError(
                self._member, "max_member_size", f"larger than {self._cap} bytes"
            )
        self._budget.charge(self._member, count)
        buffer[:count] = data
        return count

    def close(self) -> None:
        self._inner.close()
        super().close()


class Source:
    """Positioned reads from one shared file object, safe across threads."""

    def __init__(self, handle: BinaryIO) -> None:
        self._handle = handle
        self._lock = threading.Lock()

    def read_at(self, offset: int, size: int) -> bytes:
        with self._lock:
            self._handle.seek(offset)
            return self._handle.read(size)

    def close(self) -> None:
        self._handle.close()


def buffered(raw: io.RawIOBase) -> BinaryIO:
    return io.BufferedReader(raw, buffer_size=64 * 1024)


class FileWindowIO(io.RawIOBase):
    """A read-only, seekable stream of ``size`` logical bytes kept in a file on disk
    (``path``); subclasses say where each byte is (``readinto``).  A file that ends
    before the data does is an ArtifactError (truncated), never a silent short read."""

    def __init__(self, path: str, size: int, label: str) -> None:
        super().__init__()
        self._fh = Path(path).open("rb", buffering=0)  # noqa: SIM115 - closed in close()
        self._size, self._pos, self._label = size, 0, label

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def _read_at(self, where: int, view: memoryview) -> int:
        """Fill ``view`` from ``where`` in the file (at least one byte, or truncated)."""
        self._fh.seek(where)
        got = self._fh.readinto(view)
        if not got:
            raise ArtifactError(f"{self._label}: truncated (file ends before the data does)")
        return got

    def close(self) -> None:
        self._fh.close()
        super().close()

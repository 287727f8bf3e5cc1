"""An in-memory Tree: used for nested archives read whole, and by tests."""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import BinaryIO

from wellcheck.artifact.base import Entry, EntryKind, Tree
from wellcheck.artifact.paths import normalise_member
from wellcheck.errors import ArtifactError


class MemoryTree(Tree):
    def __init__(
        self,
        files: Mapping[str, bytes],
        *,
        symlinks: Mapping[str, str] | None = None,
        chain: tuple[str, ...] = (),
        layer: str | None = None,
    ) -> None:
        self.chain = chain
        self._data: dict[str, bytes] = {}
        self._entries: dict[str, Entry] = {}
        for name, data in files.items():
            path = normalise_member(name)
            self._data[path] = data
            self._entries[path] = Entry(path, EntryKind.FILE, len(data), layer=layer)
        for name, target in (symlinks or {}).items():
            path = normalise_member(name)
            self._entries[path] = Entry(path, EntryKind.SYMLINK, 0, target, layer=layer)

    def entries(self) -> Mapping[str, Entry]:
        return self._entries

    def open(self, path: str) -> BinaryIO:
        try:
            return io.BytesIO(self._data[path])
        except KeyError:
            raise ArtifactError(f"no regular file {path!r} in the artifact") from None

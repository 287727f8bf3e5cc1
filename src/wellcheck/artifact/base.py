"""The artifact seam: every artifact kind opens into one or more read-only Trees.

A Tree is a flat, already-normalised view of a filesystem inside an artifact:
paths are relative posix paths without '.', '..', or a leading '/'.  Links are
recorded, never followed outside the tree.  Readers enforce Limits on the bytes
they actually decompress.
"""

from __future__ import annotations

import abc
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import BinaryIO

from wellcheck.artifact.limits import Limits
from wellcheck.models import ArtifactInfo


class EntryKind(StrEnum):
    FILE = "file"
    DIR = "dir"
    SYMLINK = "symlink"


@dataclass(frozen=True)
class Entry:
    path: str  # normalised relative posix path
    kind: EntryKind
    size: int = 0  # uncompressed size (as declared; readers enforce on actual bytes)
    link_target: str | None = None  # for symlinks, verbatim
    layer: str | None = None  # image layer digest that provided this entry


class Tree(abc.ABC):
    """A read-only filesystem view.  Readers are cheap to call repeatedly."""

    #: nested archives leading to this tree, outermost first; () for the artifact itself
    chain: tuple[str, ...] = ()

    @abc.abstractmethod
    def entries(self) -> Mapping[str, Entry]:
        """Every entry by normalised path (directories may be implicit, i.e. absent)."""

    @abc.abstractmethod
    def open(self, path: str) -> BinaryIO:
        """Stream a regular file's bytes; raises ArtifactError/LimitExceededError."""

    def read_bytes(self, path: str, limit: int | None = None) -> bytes:
        """Read a whole regular file, refusing more than ``limit`` bytes."""
        from wellcheck.errors import LimitExceededError

        with self.open(path) as fh:
            if limit is None:
                return fh.read()
            data = fh.read(limit + 1)
        if len(data) > limit:
            raise LimitExceededError(path, "max_metadata_size", f"larger than {limit} bytes")
        return data

    def iter_dir(self, directory: str) -> Iterator[Entry]:
        """Direct children of ``directory`` ('' is the root).  O(n) default."""
        prefix = f"{directory}/" if directory else ""
        seen: set[str] = set()
        for path, entry in self.entries().items():
            if not path.startswith(prefix) or path == directory:
                continue
            rest = path[len(prefix) :]
            head, sep, _ = rest.partition("/")
            if sep:
                child = f"{prefix}{head}"
                if child not in seen:
                    seen.add(child)
                    yield self.entries().get(child) or Entry(child, EntryKind.DIR)
            elif path not in seen:
                seen.add(path)
                yield entry

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release file handles; trees for nested archives are closed by their parent."""


@dataclass
class OpenedArtifact:
    """An artifact opened for reading: its identity and its trees."""

    info: ArtifactInfo
    trees: list[Tree]  # the artifact's own tree first, then nested archives
    not_scanned: list[str]  # nested archives skipped (depth limit...), with the reason

    def close(self) -> None:
        for tree in self.trees:
            tree.close()

    def __enter__(self) -> OpenedArtifact:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class ArtifactReader(abc.ABC):
    """One implementation per artifact kind; registered in wellcheck.artifact.open."""

    kind: str

    @abc.abstractmethod
    def matches(self, path: str, head: bytes) -> bool:
        """Content sniffing: ``head`` is the first 4 KiB (b'' for directories)."""

    @abc.abstractmethod
    def open(self, path: str, limits: Limits) -> OpenedArtifact:
        """Open the artifact; raise ArtifactError or HostileArtifactError."""

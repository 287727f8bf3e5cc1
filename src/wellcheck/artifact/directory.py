"""Directories: an unpacked function, layer or site-packages tree on disk.

The walk uses ``os.scandir`` and never follows symlinks: a link is recorded as
a SYMLINK entry with its target.  Reading through a link is allowed only when
the link resolves inside the tree's namespace *and* the real path of the file
stays under the real root (checked with ``os.path.commonpath``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import BinaryIO

from wellcheck.artifact.base import ArtifactReader, Entry, EntryKind, OpenedArtifact, Tree
from wellcheck.artifact.common import (
    BoundedRaw,
    Budget,
    ChildIndex,
    Warnings,
    buffered,
    follow_links,
)
from wellcheck.artifact.limits import Limits
from wellcheck.errors import ArtifactError, HostileArtifactError, LimitExceededError
from wellcheck.models import ArtifactInfo

OCI_LAYOUT_FILE = "oci-layout"


class DirectoryTree(Tree):
    """A directory on disk, catalogued once, read through containment checks."""

    concurrent_open = True  # every open() has its own file handle

    def __init__(
        self, root: str, limits: Limits, budget: Budget, chain: tuple[str, ...] = ()
    ) -> None:
        self.chain = chain
        self._root = os.path.realpath(root)
        self._limits = limits
        self._budget = budget
        self._entries: dict[str, Entry] = {}
        self._local: dict[str, str] = {}  # entry path -> os path, where a name was re-encoded
        self._warnings = Warnings()
        self._children: ChildIndex | None = None
        self._walk()

    @property
    def warnings(self) -> tuple[str, ...]:
        return self._warnings.as_tuple()

    def entries(self) -> Mapping[str, Entry]:
        return self._entries

    def iter_dir(self, directory: str) -> Iterator[Entry]:
        if self._children is None:
            self._children = ChildIndex(self._entries)
        return self._children.iter_dir(directory)

    def open(self, path: str) -> BinaryIO:
        local = self.local_path(path)
        try:
            handle = Path(local).open("rb")  # noqa: SIM115 - closed through the returned stream
        except OSError as exc:
            raise ArtifactError(f"{path}: cannot read: {exc.strerror}") from exc
        return buffered(BoundedRaw(handle, path, self._budget))

    def local_path(self, path: str) -> str:
        """The real path of the regular file ``path`` names, contained in the root."""
        target = follow_links(self._entries, path, self._limits)
        local = self._local.get(target) or str(Path(self._root, *target.split("/")))
        real = os.path.realpath(local)
        try:
            inside = os.path.commonpath([self._root, real]) == self._root
        except ValueError:  # different drives on Windows
            inside = False
        if not inside:
            raise HostileArtifactError(path, "link-escape", "resolves outside the directory")
        return real

    def _walk(self) -> None:
        stack: list[tuple[str, str, bool]] = [("", self._root, False)]
        count, limit = 0, self._limits.max_members
        while stack:
            rel_dir, real_dir, renamed = stack.pop()
            try:
                with os.scandir(real_dir) as listing:
                    children = sorted(listing, key=lambda item: item.name)
            except OSError as exc:
                raise ArtifactError(f"{real_dir}: cannot list: {exc.strerror}") from exc
            count += len(children)
            if count > limit:
                raise LimitExceededError(
                    self._root, "max_members", f"more than {limit} entries in the directory"
                )
            for child in reversed(children):
                shown = _display_name(child.name)
                rel = f"{rel_dir}/{shown}" if rel_dir else shown
                moved = renamed or shown != child.name
                if moved:
                    self._local[rel] = child.path
                self._add(rel, child, moved, stack)
        self._entries = dict(sorted(self._entries.items()))

    def _add(
        self, rel: str, child: os.DirEntry[str], moved: bool, stack: list[tuple[str, str, bool]]
    ) -> None:
        try:
            if child.is_symlink():
                target = str(Path(child.path).readlink())
                self._entries[rel] = Entry(rel, EntryKind.SYMLINK, 0, target)
            elif child.is_dir(follow_symlinks=False):
                self._entries[rel] = Entry(rel, EntryKind.DIR)
                stack.append((rel, child.path, moved))
            elif child.is_file(follow_symlinks=False):
                size = child.stat(follow_symlinks=False).st_size
                self._entries[rel] = Entry(rel, EntryKind.FILE, size)
            else:
                self._warnings.add(f"{rel}: device, FIFO or socket skipped")
        except OSError as exc:
            raise ArtifactError(f"{child.path}: cannot read: {exc.strerror}") from exc


def _display_name(name: str) -> str:
    """Names that are not valid UTF-8 get a deterministic, printable spelling."""
    if name.isascii():
        return name
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return os.fsencode(name).decode("utf-8", "backslashreplace")
    return name


def is_oci_layout(path: str) -> bool:
    return (Path(path) / OCI_LAYOUT_FILE).is_file()


class DirectoryReader(ArtifactReader):
    kind = "directory"

    def matches(self, path: str, head: bytes) -> bool:
        return Path(path).is_dir() and not is_oci_layout(path)

    def open(self, path: str, limits: Limits) -> OpenedArtifact:
        from wellcheck.artifact.nested import find_nested, tree_warnings
        from wellcheck.artifact.zipreader import classify

        budget = Budget(limits)
        tree = DirectoryTree(path, limits, budget)
        _, python = classify(tree.entries())
        trees, not_scanned = find_nested(tree, limits, 0, budget)
        info = ArtifactInfo(
            path=path,
            kind="directory",
            python_version=python,
            warnings=tuple(tree_warnings([tree, *trees])),
        )
        return OpenedArtifact(info, [tree, *trees], not_scanned)

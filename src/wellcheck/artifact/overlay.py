"""Image layers merged the way a container runtime applies them, in memory.

Layers are applied bottom first.  ``.wh.NAME`` hides NAME (and everything
under it) from lower layers, ``.wh..wh..opq`` hides a directory's lower-layer
contents; a later non-directory replaces whatever was at its path.  Nothing is
written anywhere: the merged view is a catalogue of (file, offset, size)
locations, and :class:`OverlayTree` reads members in place.

Links are resolved in the image's own namespace only.  A member whose parent
goes through a symlink is placed where the link leads inside the image (as
containerd does); a link that would lead out of the root, loops, or chains
deeper than ``max_symlink_depth`` makes the artifact hostile.
"""

from __future__ import annotations

import io
import shutil
import weakref
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import BinaryIO

from wellcheck.artifact.base import Entry, EntryKind, Tree
from wellcheck.artifact.limits import Limits
from wellcheck.artifact.paths import lexical_target
from wellcheck.artifact.tarsafe import MemberKind, TarMember, open_slice
from wellcheck.artifact.tarsparse import Fragments, open_sparse
from wellcheck.errors import ArtifactError, HostileArtifactError, LimitExceededError

OPAQUE = ".wh..wh..opq"
WHITEOUT = ".wh."
MAX_WARNINGS = 50
_Location = tuple[int, int, Fragments | None]  # (backing file, offset, sparse runs)


@dataclass(frozen=True, slots=True)
class _Node:
    kind: EntryKind
    layer: int
    size: int = 0
    source: int = -1  # index of the backing file for regular files
    offset: int = 0
    target: str | None = None  # symlinks: verbatim target
    sparse: Fragments | None = None  # a sparse file's data runs (stored from ``offset`` on)


class OverlayBuilder:
    """Applies layers one after the other; :meth:`build` returns the merged Tree."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.warnings: list[str] = []
        self._dropped_warnings = 0
        self._nodes: dict[str, _Node] = {}
        self._children: dict[str, set[str]] = {}  # directory -> child paths ('' is the root)

    def warn(self, text: str) -> None:
        if len(self.warnings) < MAX_WARNINGS:
            self.warnings.append(text)
        else:
            self._dropped_warnings += 1

    def apply(self, layer: int, members: Iterable[TarMember], source: int, label: str) -> None:
        seen: set[str] = set()  # this layer's non-directory names: a repeat is reported
        for member in members:
            if not member.name:  # '' is the root directory itself: nothing to record
                continue
            if member.kind is not MemberKind.DIR:
                if member.name in seen:
                    self.warn(f"{label}: duplicate member {member.name!r}: the last one wins")
                seen.add(member.name)
            self._apply_one(layer, member, source, label)

    def _apply_one(self, layer: int, member: TarMember, source: int, label: str) -> None:
        parent_name, _, base = member.name.rpartition("/")
        parent = self._resolve_dir(parent_name, member.name)
        if base.startswith(WHITEOUT):
            self._whiteout(parent, base, layer, member.name)
            return
        path = f"{parent}/{base}" if parent else base
        if path != member.name:
            self.warn(f"{label}: {member.name} is written through a symlink; placed at {path}")
        kind = member.kind
        if kind is MemberKind.SPECIAL:
            self.warn(f"{label}: skipped {member.name} ({member.detail})")
        elif kind is MemberKind.FILE:
            node = _Node(EntryKind.FILE, layer, member.size, source, member.offset)
            self._put(path, replace(node, sparse=member.sparse) if member.sparse else node)
        elif kind is MemberKind.DIR:
            self._put(path, _Node(EntryKind.DIR, layer))
        elif kind is MemberKind.SYMLINK:
            self._check_symlink(path, member.linkname, label)
            self._put(path, _Node(EntryKind.SYMLINK, layer, target=member.linkname))
        else:
            self._put(path, replace(self._hardlink_target(member), layer=layer))

    def _whiteout(self, parent: str, base: str, layer: int, member: str) -> None:
        if base == OPAQUE:
            for child in list(self._children.get(parent, ())):
                self._remove(child, below=layer)
            return
        if base.startswith(WHITEOUT + WHITEOUT):
            return  # other AUFS metadata (.wh..wh.plnk, ...): not content
        name = base[len(WHITEOUT) :]
        if name in ("", ".", ".."):
            raise HostileArtifactError(member, "bad-whiteout")
        self._remove(f"{parent}/{name}" if parent else name, below=layer)

    def _hardlink_target(self, member: TarMember) -> _Node:
        if not member.linkname:
            raise HostileArtifactError(member.name, "link-to-root", "hardlink to the root")
        parent, _, base = member.linkname.rpartition("/")
        resolved_parent = self._resolve_dir(parent, member.name)
        target = f"{resolved_parent}/{base}" if resolved_parent else base
        node = self._nodes.get(target)
        if node is None:
            raise HostileArtifactError(
                member.name, "hardlink-target", f"{member.linkname!r} is not an earlier member"
            )
        if node.kind is EntryKind.DIR:
            raise HostileArtifactError(member.name, "hardlink-target", "hardlink to a directory")
        return node

    def _check_symlink(self, path: str, target: str, label: str) -> None:
        resolved = lexical_target(path, target)
        if resolved == "":
            raise HostileArtifactError(path, "link-to-root", f"symlink to {target!r}")
        if resolved is None:
            self.warn(f"{label}: symlink {path} -> {target} leaves the image (not followed)")

    def _resolve_dir(self, directory: str, member: str) -> str:
        """The real directory ``directory`` names, following symlinks inside the image."""
        if not directory or not self._nodes:
            return directory
        cut = directory.find("/")
        while True:  # fast path: every prefix is a directory (or not there yet)
            node = self._nodes.get(directory if cut < 0 else directory[:cut])
            if node is not None and node.kind is not EntryKind.DIR:
                break
            if cut < 0:
                return directory
            cut = directory.find("/", cut + 1)
        pending = deque(directory.split("/"))
        resolved: list[str] = []
        hops = 0
        while pending:
            part = pending.popleft()
            if part in ("", "."):
                continue
            if part == "..":
                if not resolved:
                    raise HostileArtifactError(member, "link-escape", "a symlink leads out")
                resolved.pop()
                continue
            resolved.append(part)
            node = self._nodes.get("/".join(resolved))
            if node is None or node.kind is EntryKind.DIR:
                continue
            if node.kind is EntryKind.FILE:
                raise HostileArtifactError(member, "parent-not-directory", "/".join(resolved))
            hops += 1
            if hops > self.limits.max_symlink_depth:
                raise LimitExceededError(
                    member, "max_symlink_depth", "symlink loop or chain too deep"
                )
            target = node.target or ""
            resolved.pop()
            if target.startswith("/"):
                resolved.clear()
            pending.extendleft(reversed(target.split("/")))
        return "/".join(resolved)

    def _is_dir(self, path: str) -> bool:
        node = self._nodes.get(path)
        return node.kind is EntryKind.DIR if node else path in self._children

    def _put(self, path: str, node: _Node) -> None:
        present = path in self._nodes or path in self._children
        if present and not (node.kind is EntryKind.DIR and self._is_dir(path)):
            self._remove(path, below=None)  # a non-directory replaces the whole subtree
        self._nodes[path] = node
        while path:  # register the path and its implicit parents
            parent = path.rpartition("/")[0]
            siblings = self._children.setdefault(parent, set())
            if path in siblings:
                break
            siblings.add(path)
            path = parent

    def _remove(self, top: str, *, below: int | None) -> None:
        """Remove ``top`` and its subtree; only nodes from layers < ``below`` if given."""
        order: list[str] = []
        stack = [top]
        while stack:
            path = stack.pop()
            order.append(path)
            stack.extend(self._children.get(path, ()))
        for path in reversed(order):  # children before their parents
            kids = self._children.get(path)
            if kids is not None:
                kids = {k for k in kids if k in self._nodes or k in self._children}
                if kids:
                    self._children[path] = kids
                else:
                    del self._children[path]
            node = self._nodes.get(path)
            keep_node = node is not None and below is not None and node.layer >= below
            if node is not None and not keep_node and path not in self._children:
                del self._nodes[path]
        if top not in self._nodes and top not in self._children:
            siblings = self._children.get(top.rpartition("/")[0])
            if siblings is not None:
                siblings.discard(top)

    def build(
        self, layers: tuple[str | None, ...], sources: list[str], workdir: str | None
    ) -> OverlayTree:
        if self._dropped_warnings:
            self.warnings.append(f"... and {self._dropped_warnings} more warnings")
        entries: dict[str, Entry] = {}
        locations: dict[str, _Location] = {}
        for path in sorted(self._nodes):
            node = self._nodes[path]
            entries[path] = Entry(path, node.kind, node.size, node.target, layers[node.layer])
            if node.kind is EntryKind.FILE:
                locations[path] = (node.source, node.offset, node.sparse)
        self._nodes.clear()
        self._children.clear()
        return OverlayTree(entries, locations, sources, workdir)


class OverlayTree(Tree):
    """The merged filesystem of an image; regular files are read in place."""

    concurrent_open = True  # every open() is an independent file handle

    def __init__(
        self,
        entries: Mapping[str, Entry],
        locations: Mapping[str, _Location],
        sources: list[str],
        workdir: str | None,
    ) -> None:
        self._entries = entries
        self._locations = locations
        self._sources = sources
        # the work dir goes with the tree: on close(), or when a tree nobody closed is collected
        self._cleanup = weakref.finalize(self, _remove_dir, workdir) if workdir else None
        self._listing: dict[str, list[str]] | None = None

    def entries(self) -> Mapping[str, Entry]:
        return self._entries

    def iter_dir(self, directory: str) -> Iterator[Entry]:
        """Direct children of ``directory`` ('' is the root), from an index built once."""
        if self._listing is None:
            listing: dict[str, set[str]] = {}
            for path in self._entries:
                while path:
                    parent = path.rpartition("/")[0]
                    children = listing.setdefault(parent, set())
                    if path in children:
                        break
                    children.add(path)
                    path = parent
            self._listing = {parent: sorted(kids) for parent, kids in listing.items()}
        for child in self._listing.get(directory, ()):
            yield self._entries.get(child) or Entry(child, EntryKind.DIR)

    def open(self, path: str) -> BinaryIO:
        entry = self._entries.get(path)
        if entry is None or entry.kind is not EntryKind.FILE:
            raise ArtifactError(f"no regular file {path!r} in the image")
        if entry.size == 0:
            return io.BytesIO(b"")
        source, offset, sparse = self._locations[path]
        if sparse is not None:  # holes read as zeros, as Go's archive/tar reads them
            return open_sparse(self._sources[source], offset, sparse, entry.size, path)
        return open_slice(self._sources[source], offset, entry.size, path)

    def extent(self, path: str) -> tuple[str, int, int] | None:
        """Where a regular file's bytes are: (file on disk, offset, size); None for a
        sparse file (its bytes are not in one piece) or a path that is no file."""
        entry, location = self._entries.get(path), self._locations.get(path)
        if entry is None or location is None or location[2] is not None:
            return None
        return self._sources[location[0]], location[1], entry.size

    def close(self) -> None:
        if self._cleanup is not None:
            self._cleanup()


def _remove_dir(path: str) -> None:
    shutil.rmtree(path, ignore_errors=True)

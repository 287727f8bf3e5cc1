"""Zip artifacts: Lambda function and layer zips, wheels, any other zip.

The central directory is parsed once; members are decompressed in place, only
when asked for.  Nothing is extracted to disk.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import BinaryIO

from wellcheck.artifact.base import ArtifactReader, Entry, EntryKind, OpenedArtifact, Tree
from wellcheck.artifact.common import (
    Budget,
    ChildIndex,
    LazyEntries,
    Source,
    buffered,
    follow_links,
)
from wellcheck.artifact.limits import Limits
from wellcheck.artifact.zipformat import (
    SIG_LOCAL,
    Catalogue,
    Member,
    MemberFields,
    catalogue,
    looks_like_zip,
)
from wellcheck.artifact.zipstream import MemberStream
from wellcheck.errors import ArtifactError, HostileArtifactError
from wellcheck.models import ArtifactInfo

ZIP_MAGIC = (SIG_LOCAL, b"PK\x05\x06")
_KINDS = {kind.value: kind for kind in EntryKind}
_SITE_PACKAGES = re.compile(r"(?:^|/)lib/python(3\.\d+)/site-packages(?:/|$)", re.MULTILINE)


class ZipTree(Tree):
    """A zip's members, catalogued from the central directory, read on demand."""

    concurrent_open = True  # members stream independently; reads are positioned

    def __init__(
        self,
        source: BinaryIO,
        size: int,
        *,
        limits: Limits,
        budget: Budget,
        label: str,
        chain: tuple[str, ...] = (),
    ) -> None:
        self.chain = chain
        self.label = label
        self._catalogue = catalogue(source, size, limits, label)
        self._source = _positioned(source)
        self._limits = limits
        self._budget = budget
        self._members = self._catalogue.members
        # the builder holds no reference to the tree: no cycle keeps a dropped tree's
        # catalogue (one tuple per member) alive until a full garbage collection
        builder = _EntryBuilder(self._source, self._catalogue, budget)
        self._entries = LazyEntries(self._members, builder)
        self._children: ChildIndex | None = None

    @property
    def warnings(self) -> tuple[str, ...]:
        return self._catalogue.warnings.as_tuple()

    def entries(self) -> Mapping[str, Entry]:
        return self._entries

    def open(self, path: str) -> BinaryIO:
        target = follow_links(self._entries, path, self._limits)
        member = self._catalogue.member(target)
        return buffered(MemberStream(self._source, self._catalogue, member, self._budget))

    def iter_dir(self, directory: str) -> Iterator[Entry]:
        if self._children is None:
            self._children = ChildIndex(self._entries)
        return self._children.iter_dir(directory)

    def nested_candidates(self, suffixes: tuple[str, ...]) -> list[str]:
        """Paths ending in one of ``suffixes`` (lower case), found without a per-path loop."""
        text = "\n".join(self._members).lower() + "\n"
        if not any(f"{suffix}\n" in text for suffix in suffixes):
            return []
        return [path for path in self._members if path[-4:].lower() in suffixes]

    def close(self) -> None:
        self._source.close()


class _PreadSource(Source):
    """Positioned reads with ``os.pread``: one system call, no seek, no lock."""

    def __init__(self, handle: BinaryIO, fd: int) -> None:
        super().__init__(handle)
        self._fd = fd

    def read_at(self, offset: int, size: int) -> bytes:
        return os.pread(self._fd, size, offset)


def _positioned(handle: BinaryIO) -> Source:
    """A file on disk is read with ``os.pread`` where the platform has it (not Windows)."""
    if hasattr(os, "pread") and not isinstance(handle, io.BytesIO):
        try:
            return _PreadSource(handle, handle.fileno())
        except (OSError, ValueError, io.UnsupportedOperation):
            pass
    return Source(handle)


class _EntryBuilder:
    """Builds the Entry of a catalogued member (a symlink's target is read, bounded)."""

    def __init__(self, source: Source, catalogue: Catalogue, budget: Budget) -> None:
        self._source = source
        self._catalogue = catalogue
        self._budget = budget

    def __call__(self, path: str, fields: MemberFields) -> Entry:
        kind, size = _KINDS[fields[0]], fields[5]
        if kind is EntryKind.SYMLINK:
            return Entry(path, kind, size, self._link_target(path, Member(*fields)))
        return Entry(path, kind, size)

    def _link_target(self, path: str, member: Member) -> str:
        """A symlink member's content is its target: read it, bounded, never follow it."""
        if member.size > 4096:
            raise HostileArtifactError(path, "symlink-target-too-long", f"{member.size} bytes")
        with buffered(MemberStream(self._source, self._catalogue, member, self._budget)) as fh:
            return fh.read().decode("utf-8", "replace")


def open_zip_file(
    path: str, limits: Limits, budget: Budget, chain: tuple[str, ...], label: str = ""
) -> ZipTree:
    """Open a zip on disk in place (the caller closes the tree)."""
    try:
        source = Path(path).open("rb")  # noqa: SIM115 - owned by the tree, closed by close()
        size = os.fstat(source.fileno()).st_size
    except OSError as exc:
        raise ArtifactError(f"{path}: cannot read: {exc.strerror}") from exc
    try:
        return ZipTree(source, size, limits=limits, budget=budget, label=label or path, chain=chain)
    except BaseException:
        source.close()
        raise


def open_zip_bytes(
    data: bytes, limits: Limits, budget: Budget, chain: tuple[str, ...], label: str
) -> ZipTree:
    return ZipTree(
        io.BytesIO(data), len(data), limits=limits, budget=budget, label=label, chain=chain
    )


_METADATA_DIR = re.compile(r"\.(?:dist|egg)-info(?:/|\n)")


def classify(paths: Iterable[str]) -> tuple[str, str | None]:
    """Return (kind, python_version) for a zip from its member paths alone.

    Works on one joined string and the few paths at most one folder deep, so a
    30,000-entry zip costs a few milliseconds.
    """
    text = "\n".join(paths) + "\n"
    versions = set(_SITE_PACKAGES.findall(text)) if "site-packages" in text else set()
    python = versions.pop() if len(versions) == 1 else None
    shallow = [path for path in text.split("\n") if path.count("/") < 2]
    root_files = [path for path in shallow if "/" not in path]
    wheels = sum(1 for p in shallow if p.endswith(".dist-info/WHEEL") and p.count("/") == 1)
    installed = any(p.endswith(".dist-info/INSTALLER") and p.count("/") == 1 for p in shallow)
    if wheels == 1 and not installed:
        return "wheel", python
    root_code = any(path.endswith(".py") for path in root_files)
    if (text.startswith("python/") or "\npython/" in text) and not root_code:
        return "lambda-layer", python
    if any(path.endswith(".py") for path in shallow) or _metadata_near_root(text):
        return "lambda-zip", python
    return "zip", python


def _metadata_near_root(text: str) -> bool:
    """A *.dist-info or *.egg-info folder at the root or one folder down."""
    for match in _METADATA_DIR.finditer(text):
        line_start = text.rfind("\n", 0, match.start()) + 1
        if text.count("/", line_start, match.start()) <= 1:
            return True
    return False


class ZipReader(ArtifactReader):
    kind = "zip"

    def matches(self, path: str, head: bytes) -> bool:
        return head.startswith(ZIP_MAGIC)

    def open(self, path: str, limits: Limits) -> OpenedArtifact:
        from wellcheck.artifact.digest import BackgroundDigest, DigestingArtifact
        from wellcheck.artifact.nested import find_nested, tree_warnings

        budget = Budget(limits)
        digest = BackgroundDigest(path)  # runs while the trees are catalogued and scanned
        try:
            tree = open_zip_file(path, limits, budget, ())
        except BaseException:
            digest.cancel()
            raise
        try:
            kind, python = classify(tree.entries())
            trees, not_scanned = find_nested(tree, limits, 0, budget)
        except BaseException:
            digest.cancel()
            tree.close()
            raise
        info = ArtifactInfo(
            path=path,
            kind=kind,
            python_version=python,
            warnings=tuple(tree_warnings([tree, *trees])),
        )
        return DigestingArtifact(info, [tree, *trees], not_scanned, digest)


class SelfExtractingZipReader(ZipReader):
    """A zip behind other bytes (an installer stub): found by its end record.

    Tried after the image reader, so that a tarball whose last member is a zip is
    still read as a tarball.
    """

    def matches(self, path: str, head: bytes) -> bool:
        if not head or Path(path).is_dir():
            return False
        with Path(path).open("rb") as fh:
            return looks_like_zip(fh, os.fstat(fh.fileno()).st_size)

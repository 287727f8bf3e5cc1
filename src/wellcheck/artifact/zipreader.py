"""Zip artifacts: Lambda function and layer zips, wheels, any other zip.

The central directory is parsed once and every member's local header checked;
members are decompressed in place, only when asked for.  Nothing is extracted
to disk.

Symlinks are what the reader of the archive makes of them.  pip writes every
member of a wheel as a regular file, and zipimport reads any zip on
``sys.path`` by name, so in a wheel and in any archive nested in the artifact
(``as_files``) a symlink member is a regular file holding its target text.  In
a Lambda or plain zip, ``unzip`` makes a link where zipfile writes a file: a
link is kept only when both readings are harmless, a plausible target (1 to
4096 bytes of UTF-8 letters, digits and ``._+-@~,%/=:``, so no whitespace,
quotes, brackets or newline: it cannot be a line of Python code) on a member
not named ``*.pth``.  Anything else is refused (``ambiguous-symlink``).
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
    Catalogue,
    Member,
    MemberFields,
    catalogue,
    looks_like_zip,
)
from wellcheck.artifact.ziplocal import SIG_LOCAL, can_decode, why_unreadable
from wellcheck.artifact.zipstream import MemberStream
from wellcheck.errors import ArtifactError, HostileArtifactError
from wellcheck.models import ArtifactInfo

ZIP_MAGIC = (SIG_LOCAL, b"PK\x05\x06")
_KINDS = {kind.value: kind for kind in EntryKind}
_FILE, _SYMLINK = EntryKind.FILE.value, EntryKind.SYMLINK.value
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
        as_files: bool | None = None,
    ) -> None:
        """``as_files``: symlink members are regular files (a wheel, a nested archive);
        None decides from the names (a wheel's are files)."""
        self.chain = chain
        self.label = label
        self._catalogue = catalogue(source, size, limits, label)
        self._source = _positioned(source)
        self._limits = limits
        self._budget = budget
        self._members = self._catalogue.members
        self._classified: tuple[str, str | None] | None = None
        if as_files is None:
            as_files = self.classification()[0] == "wheel"
        targets = _link_targets(self._source, self._catalogue, budget, as_files)
        prefix = "!".join(chain) + "!" if chain else ""
        self.unread = tuple(
            f"{prefix}{path}: {why}"
            for path, why in self._catalogue.unreadable.items()
            if must_read(path)
        )
        # the builder holds no reference to the tree: no cycle keeps a dropped tree's
        # catalogue (one tuple per member) alive until a full garbage collection
        self._entries = LazyEntries(self._members, _EntryBuilder(targets))
        self._children: ChildIndex | None = None

    def classification(self) -> tuple[str, str | None]:
        """(kind, python version) from the member names: see :func:`classify`."""
        if self._classified is None:
            self._classified = classify(self._members)
        return self._classified

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
    """Builds the Entry of a catalogued member; symlink targets were read at open."""

    def __init__(self, targets: Mapping[str, str]) -> None:
        self._targets = targets

    def __call__(self, path: str, fields: MemberFields) -> Entry:
        kind, size = _KINDS[fields[0]], fields[5]
        if kind is EntryKind.SYMLINK:
            return Entry(path, kind, size, self._targets[path])
        return Entry(path, kind, size)


#: what a plausible link target may hold: any letter or digit, and ``_.+@~,%/=:-``
_PLAUSIBLE_TARGET = re.compile(r"[\w.+@~,%/=:-]{1,4096}")
#: members wellcheck reads (code, start-up hooks, metadata): unreadable, they are "not read"
_CODE_SUFFIXES = (".py", ".pyw", ".pyc", ".pth", ".so", ".pyd")


def must_read(path: str) -> bool:
    """Whether a scan reads this member: Python code and start-up hooks, extension
    modules, and everything in a distribution's metadata directory."""
    name = path.rpartition("/")[2]
    return (
        name.endswith(_CODE_SUFFIXES)
        or name == "PKG-INFO"
        or ".dist-info/" in path
        or ".egg-info/" in path
    )


def _link_targets(
    source: Source, catalogue: Catalogue, budget: Budget, as_files: bool
) -> dict[str, str]:
    """Every symlink member's target, read and judged now; with ``as_files`` none is a link."""
    targets: dict[str, str] = {}
    members = catalogue.members
    for path in catalogue.links:
        fields = members[path]
        if fields[0] != _SYMLINK:  # a later duplicate that is not a link
            continue
        if as_files:
            members[path] = (_FILE, *fields[1:])
            continue
        member = Member(*fields)
        if member.size > 4096:
            raise HostileArtifactError(path, "symlink-target-too-long", f"{member.size} bytes")
        if not can_decode(member.method, member.flags):
            raise ArtifactError(
                f"symlink member {path!r} is {why_unreadable(member.method, member.flags)}: "
                "its target cannot be read"
            )
        with buffered(MemberStream(source, catalogue, member, budget)) as fh:
            targets[path] = _plausible_target(path, fh.read())
    return targets


def _plausible_target(path: str, raw: bytes) -> str:
    """The target, when unzip's link and zipfile's file holding it are both harmless."""
    try:
        target = raw.decode("utf-8")
    except UnicodeDecodeError:
        target = None
    if path.endswith(".pth"):
        why = "a .pth link: site.py would read zipfile's file of that text as a .pth"
    elif target is None or not _PLAUSIBLE_TARGET.fullmatch(target):
        why = f"target {raw[:200]!r} is no plausible path (zipfile writes it as file content)"
    else:
        return target
    raise HostileArtifactError(
        path, "ambiguous-symlink", f"unzip makes a link, zipfile and pip a regular file: {why}"
    )


def open_zip_file(
    path: str,
    limits: Limits,
    budget: Budget,
    chain: tuple[str, ...],
    label: str = "",
    *,
    as_files: bool | None = None,
) -> ZipTree:
    """Open a zip on disk in place (the caller closes the tree)."""
    try:
        source = Path(path).open("rb")  # noqa: SIM115 - owned by the tree, closed by close()
        size = os.fstat(source.fileno()).st_size
    except OSError as exc:
        raise ArtifactError(f"{path}: cannot read: {exc.strerror}") from exc
    try:
        return ZipTree(
            source,
            size,
            limits=limits,
            budget=budget,
            label=label or path,
            chain=chain,
            as_files=as_files,
        )
    except BaseException:
        source.close()
        raise


def open_zip_bytes(
    data: bytes,
    limits: Limits,
    budget: Budget,
    chain: tuple[str, ...],
    label: str,
    *,
    as_files: bool | None = None,
) -> ZipTree:
    return ZipTree(
        io.BytesIO(data),
        len(data),
        limits=limits,
        budget=budget,
        label=label,
        chain=chain,
        as_files=as_files,
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
            kind, python = tree.classification()
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

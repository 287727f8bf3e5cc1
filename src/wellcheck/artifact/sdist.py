"""Source distributions (sdists): the tar or zip archives pip builds and installs from.

An sdist is recognised by its content, never by its name: a zip, a tar, or a gzip,
bzip2 or xz compressed tar whose *source directory* holds ``PKG-INFO``, ``setup.py``
or ``pyproject.toml``.  The source directory is the one top directory every member
shares (``NAME-VERSION/``), else the archive root: pip 24-25 strips that shared
directory when it unpacks an sdist (``has_leading_dir`` in
``pip._internal.utils.unpacking``) and builds from what is left.

An sdist opens as a :class:`SdistTree`: the archive's own tree (member names as
written, ``NAME-VERSION/setup.py``) with ``root``, the source directory.  Tar sdists
are read by :mod:`wellcheck.artifact.sdisttar`, zip sdists by the zip reader; both
with the same limits as any artifact and nothing extracted.  pip writes every zip
member as a regular file (``unzip_file``), so a zip sdist holding a symlink member is
refused (``zip-symlink``); a tar sdist that is also a zip is refused
(``ambiguous-archive``): pip tries ``zipfile.is_zipfile`` before ``tarfile`` and would
install the zip.

Three ways in:

* :class:`SdistReader`: an sdist given as the artifact (``wellcheck scan x.tar.gz``);
* :func:`open_sdist_file`: a file in a directory named as pip's ``--find-links``
  would consider it (``NAME-VERSION.tar.gz`` ... see :func:`is_sdist_name`), e.g. a
  ``pip download -d wheelhouse`` folder; called by :mod:`wellcheck.artifact.nested`;
* :func:`as_sdist`: any zip found inside an artifact whose content is an sdist.
"""

from __future__ import annotations

import hashlib
import os
import re
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import BinaryIO

from wellcheck.artifact.base import (
    ArtifactReader,
    Entry,
    EntryKind,
    FileDigest,
    OpenedArtifact,
    Tree,
)
from wellcheck.artifact.common import Budget
from wellcheck.artifact.limits import Limits
from wellcheck.artifact.sdisttar import (
    SDIST_MARKERS,
    Packing,
    open_tar_sdist,
    packing,
    source_root,
)
from wellcheck.artifact.tarheader import BLOCK, ZERO_BLOCK, padded, pax_records, plain_number, text
from wellcheck.errors import ArtifactError, HostileArtifactError
from wellcheck.models import ArtifactInfo

__all__ = [
    "SDIST_MARKERS",
    "SdistReader",
    "SdistTree",
    "as_sdist",
    "is_sdist_name",
    "open_sdist_file",
]

#: pip's tar sdist extensions (pip 24-25 ``utils/filetypes.py``: TAR, BZ2 and XZ_EXTENSIONS);
#: ``.zip`` sdists are found with the other nested zips
TAR_SUFFIXES = (
    ".tar.gz",
    ".tgz",
    ".tar",
    ".tar.bz2",
    ".tbz",
    ".tar.xz",
    ".txz",
    ".tlz",
    ".tar.lz",
    ".tar.lzma",
)
_ZIP_LOCAL = b"PK\x03\x04"
_ZIP_EMPTY = b"PK\x05\x06"
# the top directory of an sdist as sdist builders write it: NAME-VERSION (a hint only)
_TOP = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]*-v?[0-9][^/]*")
_NOT_TOP = (".dist-info", ".egg-info", ".data", ".egg", ".whl", ".zip")


class SdistTree(Tree):
    """An sdist: the archive's tree, and ``root``, the directory pip builds from."""

    def __init__(
        self, inner: Tree, root: str, *, archive: str = "", sha256: str | None = None
    ) -> None:
        self.inner = inner
        self.root = root  # '' when the members do not share one top directory
        self.archive = archive  # the sdist's file name (identity of last resort)
        self.sha256 = sha256  # of the archive file, when nested (the artifact's is known)
        self.chain = inner.chain
        self.concurrent_open = inner.concurrent_open

    @property
    def warnings(self) -> tuple[str, ...]:
        return tuple(getattr(self.inner, "warnings", ()))

    def path(self, name: str) -> str:
        """The tree path of ``name`` in the source directory (``setup.py`` ->
        ``NAME-VERSION/setup.py``)."""
        return f"{self.root}/{name}" if self.root else name

    def entries(self) -> Mapping[str, Entry]:
        return self.inner.entries()

    def open(self, path: str) -> BinaryIO:
        return self.inner.open(path)

    def iter_dir(self, directory: str) -> Iterator[Entry]:
        return self.inner.iter_dir(directory)

    def hash_files(self, paths: Iterable[str], *, workers: int = 1) -> dict[str, FileDigest]:
        return self.inner.hash_files(paths, workers=workers)

    def reopener(self) -> Callable[[], Tree] | None:
        return None

    def close(self) -> None:
        self.inner.close()


def is_sdist_name(path: str) -> bool:
    """Would pip's ``--find-links`` look at this file as a tar sdist?  ``NAME-VERSION``
    plus a tar extension: pip matches the name before the version, so a file without
    a '-' is never installed."""
    name = path.rpartition("/")[2]
    lower = name.lower()
    return "-" in name and lower.endswith(TAR_SUFFIXES)


def as_sdist(tree: Tree, archive: str = "", *, source: str | bytes | None = None) -> Tree:
    """``tree`` as a :class:`SdistTree` when its content is an sdist, else unchanged.

    ``source`` (the archive's file, or its bytes) gives the sdist its sha256.  Closes the
    tree when it is refused (a zip sdist with a symlink member).
    """
    entries = tree.entries()
    root = source_root(entries, lambda path: _is_file_like(entries.get(path)))
    if root is None:
        return tree
    try:
        if _packed_as_zip(tree):
            _refuse_zip_links(entries)
        sha256 = _sha256(source)
    except BaseException:
        tree.close()
        raise
    fallback = tree.chain[-1].rpartition("/")[2] if tree.chain else ""
    return SdistTree(tree, root, archive=archive or fallback, sha256=sha256)


def _refuse_zip_links(entries: Mapping[str, Entry]) -> None:
    link = next((p for p, e in entries.items() if e.kind is EntryKind.SYMLINK), None)
    if link is not None:
        why = "pip writes a zip member as a regular file (unzip_file), the zip says symlink"
        raise HostileArtifactError(link, "zip-symlink", why)


def _sha256(source: str | bytes | None) -> str | None:
    if isinstance(source, bytes):
        return hashlib.sha256(source).hexdigest()
    if source is None:
        return None
    from wellcheck.artifact.digest import file_digest

    return file_digest(source)[0]


def _packed_as_zip(tree: Tree) -> bool:
    from wellcheck.artifact.zipreader import ZipTree

    return isinstance(tree, ZipTree)


def _is_file_like(entry: Entry | None) -> bool:
    return entry is not None and entry.kind is not EntryKind.DIR


def open_sdist_file(
    local: str,
    limits: Limits,
    budget: Budget,
    chain: tuple[str, ...],
    label: str,
    *,
    only_sdist: bool = False,
) -> Tree | None:
    """Open the archive at ``local`` (on disk): an :class:`SdistTree` when it is an
    sdist, the plain archive tree when it is another zip or tar (None for a tar with
    ``only_sdist``), None when it is neither.  ``budget`` is the artifact's: the bytes
    read here count against it."""
    from wellcheck.artifact.zipreader import open_zip_file

    try:
        with Path(local).open("rb") as fh:
            head = fh.read(BLOCK)
            size = os.fstat(fh.fileno()).st_size
    except OSError as exc:
        raise ArtifactError(f"{label}: cannot read: {exc.strerror}") from exc
    archive = Path(label).name
    source = local if chain else None  # a nested sdist's own digest, for its component
    if head.startswith((_ZIP_LOCAL, _ZIP_EMPTY)):
        return as_sdist(open_zip_file(local, limits, budget, chain, label), archive, source=source)
    kind = packing(head)
    if kind is None:
        return None
    tree = _open_tar(local, kind, limits, budget, chain, label, only_sdist)
    if tree is None:
        return None
    try:
        sdist = as_sdist(tree, archive, source=source)
        if isinstance(sdist, SdistTree):
            _refuse_zip_polyglot(local, size, label)
    except BaseException:
        tree.close()
        raise
    return sdist


def _open_tar(
    local: str,
    kind: Packing,
    limits: Limits,
    budget: Budget,
    chain: tuple[str, ...],
    label: str,
    only_sdist: bool,
) -> Tree | None:
    from wellcheck.artifact.tarsafe import Budget as TarBudget

    counted = TarBudget(limits)
    counted.total = budget.used  # what is left of the artifact's total-size limit
    tree = open_tar_sdist(local, kind, limits, counted, chain, label, only_sdist=only_sdist)
    if tree is None:
        return None
    try:
        budget.charge(label, counted.total - budget.used)
    except BaseException:
        tree.close()
        raise
    return tree


def _refuse_zip_polyglot(local: str, size: int, label: str) -> None:
    from wellcheck.artifact.zipformat import looks_like_zip

    with Path(local).open("rb") as fh:
        if looks_like_zip(fh, size):
            why = "it is also a zip, which pip would unpack instead (zipfile.is_zipfile first)"
            raise HostileArtifactError(label, "ambiguous-archive", why)


class SdistReader(ArtifactReader):
    """An sdist given as the artifact.  ``matches`` looks at the first member only (a
    hint: ``NAME-VERSION/...``); ``open`` decides on the whole listing and hands a tar
    or zip that is no sdist to the image or zip reader."""

    kind = "sdist"

    def matches(self, path: str, head: bytes) -> bool:
        if not head:
            return False
        if head.startswith(_ZIP_LOCAL):
            return _sdist_like(_zip_first_name(head))
        kind = packing(head)
        if kind in (Packing.BZIP2, Packing.XZ):
            return True  # no other reader takes them
        if kind is Packing.GZIP:
            head = _gunzip_head(head)
        elif kind is not Packing.TAR:
            return False
        return _sdist_like(_tar_first_name(head))

    def open(self, path: str, limits: Limits) -> OpenedArtifact:
        from wellcheck.artifact.digest import BackgroundDigest, DigestingArtifact
        from wellcheck.artifact.nested import find_nested, tree_warnings

        budget = Budget(limits)
        digest = BackgroundDigest(path)
        try:
            tree = open_sdist_file(path, limits, budget, (), path, only_sdist=True)
            if not isinstance(tree, SdistTree):
                if tree is not None:
                    tree.close()
                digest.cancel()
                return _not_an_sdist(path, limits)
            try:
                trees, not_scanned = find_nested(tree, limits, 0, budget)
            except BaseException:
                tree.close()
                raise
        except BaseException:
            digest.cancel()
            raise
        warnings = tuple(tree_warnings([tree, *trees]))
        info = ArtifactInfo(path=path, kind="sdist", warnings=warnings)
        return DigestingArtifact(info, [tree, *trees], not_scanned, digest)


def _not_an_sdist(path: str, limits: Limits) -> OpenedArtifact:
    """A zip or tar that looked like an sdist by its first member but is none."""
    with Path(path).open("rb") as fh:
        head = fh.read(BLOCK)
    if head.startswith(_ZIP_LOCAL):
        from wellcheck.artifact.zipreader import ZipReader

        return ZipReader().open(path, limits)
    if packing(head) in (Packing.TAR, Packing.GZIP):
        from wellcheck.artifact.image import open_image

        return open_image(path, limits)
    raise ArtifactError(
        f"{path}: a compressed tar that is no source distribution "
        f"(no {', '.join(SDIST_MARKERS)} in the directory pip would build from)"
    )


def _sdist_like(name: str | None) -> bool:
    """Is a first member name that of an sdist (``NAME-VERSION/...`` or a marker)?  Not a
    metadata directory (``NAME-VERSION.dist-info/`` starts many function zips)."""
    parts = [p for p in (name or "").split("/") if p not in ("", ".")]
    if not parts or parts[0].endswith(_NOT_TOP):
        return False
    return parts[0] in SDIST_MARKERS or _TOP.fullmatch(parts[0]) is not None


def _zip_first_name(head: bytes) -> str | None:
    if len(head) < 30:
        return None
    length = int.from_bytes(head[26:28], "little")
    return head[30 : 30 + length].decode("utf-8", "replace")


def _gunzip_head(head: bytes) -> bytes:
    try:
        return zlib.decompressobj(31).decompress(head, 16 * 1024)
    except zlib.error:
        return b""


def _tar_first_name(data: bytes) -> str | None:
    """The first member's name in the start of a tar (pax and GNU long names read)."""
    pos, pax_path, long_name = 0, None, None
    for _ in range(8):
        block = data[pos : pos + BLOCK]
        if len(block) < BLOCK or block == ZERO_BLOCK:
            return None
        size, kind = plain_number(block[124:136]) or 0, block[156:157]
        payload = data[pos + BLOCK : pos + BLOCK + size]
        pos += BLOCK + padded(size)
        if kind == b"x":
            pax_path = (pax_records(payload) or {}).get("path", pax_path)
        elif kind == b"L":
            long_name = text(payload)
        elif kind not in (b"g", b"K"):
            name = text(block[:100])
            prefix = text(block[345:500]) if block[257:262] == b"ustar" else ""
            return pax_path or long_name or (f"{prefix}/{name}" if prefix else name)
    return None

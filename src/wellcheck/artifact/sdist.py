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
install the zip.  So is a tar sdist that is also a container image archive (a
``docker save`` or OCI tar whose root holds a ``setup.py`` too): ``docker load`` and
containerd would load the image, pip would build the sdist, and reading it one way only
hid the other (``ambiguous-archive``).

Three ways in:

* :class:`~wellcheck.artifact.sdistreader.SdistReader`: an sdist given as the artifact
  (``wellcheck scan x.tar.gz``);
* :func:`open_sdist_file`: a file in a directory named as pip's ``--find-links``
  would consider it (``NAME-VERSION.tar.gz`` ... see :func:`is_sdist_name`), e.g. a
  ``pip download -d wheelhouse`` folder; called by :mod:`wellcheck.artifact.nested`;
* :func:`as_sdist`: any zip found inside an artifact whose content is an sdist.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import BinaryIO

from wellcheck.artifact.base import Entry, EntryKind, FileDigest, Tree
from wellcheck.artifact.common import Budget
from wellcheck.artifact.limits import Limits
from wellcheck.artifact.sdistinflate import packing
from wellcheck.artifact.sdisttar import SDIST_MARKERS, open_tar_sdist, source_root
from wellcheck.artifact.tarheader import BLOCK
from wellcheck.errors import ArtifactError, HostileArtifactError

__all__ = [
    "SDIST_MARKERS",
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
ZIP_LOCAL = b"PK\x03\x04"
_ZIP_EMPTY = b"PK\x05\x06"
_MAX_IMAGE_DOCUMENT = 1024 * 1024


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

    def remember_digests(self, digests: Mapping[str, FileDigest]) -> None:
        self.inner.remember_digests(digests)

    def known_digests(self) -> Mapping[str, FileDigest]:
        return self.inner.known_digests()

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
    local: str, limits: Limits, budget: Budget, chain: tuple[str, ...], label: str
) -> Tree | None:
    """Open the archive at ``local`` (on disk, nested in an artifact): an
    :class:`SdistTree` when it is an sdist, the plain archive tree when it is another
    zip or tar, None when it is neither.  ``budget`` is the artifact's: the bytes read
    here count against it."""
    from wellcheck.artifact.tarsafe import Budget as TarBudget
    from wellcheck.artifact.zipreader import open_zip_file

    head = read_head(local, label)
    archive = Path(label).name
    if head.startswith((ZIP_LOCAL, _ZIP_EMPTY)):
        return as_sdist(open_zip_file(local, limits, budget, chain, label), archive, source=local)
    kind = packing(head)
    if kind is None:
        return None
    counted = TarBudget(limits)
    counted.total = budget.used  # what is left of the artifact's total-size limit
    tree = open_tar_sdist(local, kind, limits, counted, chain, label)
    try:
        budget.charge(label, counted.total - budget.used)
        return tar_as_sdist(tree, local, archive, source=local)
    except BaseException:
        tree.close()
        raise


def tar_as_sdist(tree: Tree, local: str, archive: str, *, source: str | None) -> Tree:
    """:func:`as_sdist` for a tar, refusing one that is also a zip or an image archive
    (the caller closes the tree on error)."""
    sdist = as_sdist(tree, archive, source=source)
    if isinstance(sdist, SdistTree):
        label = local if not tree.chain else "!".join(tree.chain)
        _refuse_zip_polyglot(local, label)
        _refuse_image_polyglot(sdist, label)
    return sdist


def read_head(local: str, label: str) -> bytes:
    try:
        with Path(local).open("rb") as fh:
            return fh.read(BLOCK)
    except OSError as exc:
        raise ArtifactError(f"{label}: cannot read: {exc.strerror}") from exc


#: what ``docker load`` (moby ``image/tarexport``: ``manifest.json``; Docker 25+ also
#: ``index.json``) and containerd's importer (``index.json``) read at an archive's root,
#: with the key that makes each a manifest or index
_IMAGE_DOCUMENTS = (("manifest.json", "Layers"), ("index.json", "manifests"))


def _refuse_image_polyglot(tree: SdistTree, label: str) -> None:
    entries = tree.entries()
    for name, key in _IMAGE_DOCUMENTS:
        entry = entries.get(name)
        if entry is None or entry.kind is not EntryKind.FILE or entry.size > _MAX_IMAGE_DOCUMENT:
            continue
        try:
            document = json.loads(tree.read_bytes(name, limit=_MAX_IMAGE_DOCUMENT))
        except (ValueError, RecursionError, ArtifactError):
            continue  # no image loader reads it either
        listed = document if isinstance(document, list) else [document]
        if any(isinstance(item, dict) and key in item for item in listed):
            why = f"it is also a container image archive ({name}), which docker load would load"
            raise HostileArtifactError(label, "ambiguous-archive", why)


def _refuse_zip_polyglot(local: str, label: str) -> None:
    from wellcheck.artifact.zipformat import looks_like_zip

    with Path(local).open("rb") as fh:
        if looks_like_zip(fh, os.fstat(fh.fileno()).st_size):
            why = "it is also a zip, which pip would unpack instead (zipfile.is_zipfile first)"
            raise HostileArtifactError(label, "ambiguous-archive", why)

"""An sdist given as the artifact (``wellcheck scan six-1.16.0.tar.gz``).

``SdistReader`` comes before the zip and image readers in ``_READERS``.  ``matches``
looks at the first member only: a zip whose first member is ``NAME-VERSION/...`` (or a
marker file) is claimed, and so is any tar that does not start as an image archive
(``docker save``, ``podman save`` and OCI archives start with ``blobs/``,
``manifest.json``, a 64-hex layer id ...): a flat sdist, one whose members share no
top directory, may start with any member, and must not be missed.  ``open`` decides
on the whole listing.  A zip that is no sdist goes to the zip reader; a tar that is no
sdist goes to the image reader as one root filesystem, reading the tar this reader
already inflated (no second inflation); a bzip2 or xz tar that is no sdist is an
input error (no other reader takes them).
"""

from __future__ import annotations

import re
import zlib
from dataclasses import replace
from pathlib import Path

from wellcheck.artifact.base import ArtifactReader, OpenedArtifact
from wellcheck.artifact.common import Budget
from wellcheck.artifact.digest import BackgroundDigest, DigestingArtifact
from wellcheck.artifact.limits import Limits
from wellcheck.artifact.sdist import (
    SDIST_MARKERS,
    ZIP_LOCAL,
    SdistTree,
    as_sdist,
    read_head,
    tar_as_sdist,
)
from wellcheck.artifact.sdistinflate import Packing, packing
from wellcheck.artifact.sdisttar import PlainTar, open_tar_if_sdist, remove_workdir
from wellcheck.artifact.tarheader import (
    BLOCK,
    ZERO_BLOCK,
    HeaderError,
    number,
    padded,
    pax_records,
    text,
)
from wellcheck.artifact.tarsafe import Budget as TarBudget
from wellcheck.errors import ArtifactError
from wellcheck.models import ArtifactInfo

__all__ = ["SdistReader"]

# the top directory of an sdist as sdist builders write it: NAME-VERSION (a hint only)
_TOP = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]*-v?[0-9][^/]*")
_NOT_TOP = (".dist-info", ".egg-info", ".data", ".egg", ".whl", ".zip")
# first members of docker save / podman save / OCI archives (Docker before and after 25)
_IMAGE_FIRST = re.compile(
    r"(?:[0-9a-f]{64}|blobs|manifest\.json|index\.json|oci-layout|repositories)(?:[./]|$)"
)


class SdistReader(ArtifactReader):
    """See the module docstring."""

    kind = "sdist"

    def matches(self, path: str, head: bytes) -> bool:
        if not head:
            return False
        if head.startswith(ZIP_LOCAL):
            return _sdist_like(_zip_first_name(head))
        kind = packing(head)
        if kind in (Packing.BZIP2, Packing.XZ):
            return True  # no other reader takes them
        if kind is Packing.GZIP:
            head = _gunzip_head(head)
        elif kind is not Packing.TAR:
            return False
        first = _tar_first_name(head)
        return first is not None and not _IMAGE_FIRST.match(first.lstrip("./"))

    def open(self, path: str, limits: Limits) -> OpenedArtifact:
        head = read_head(path, path)
        digest = BackgroundDigest(path)
        try:
            if head.startswith(ZIP_LOCAL):
                return _open_zip(path, limits, digest)
            kind = packing(head)
            if kind is None:
                raise ArtifactError(f"{path}: not a zip or tar archive")
            return _open_tar(path, kind, limits, digest)
        except BaseException:
            digest.cancel()
            raise


def _open_zip(path: str, limits: Limits, digest: BackgroundDigest) -> OpenedArtifact:
    from wellcheck.artifact.zipreader import ZipReader, open_zip_file

    budget = Budget(limits)
    tree = as_sdist(open_zip_file(path, limits, budget, (), path), Path(path).name)
    if not isinstance(tree, SdistTree):
        tree.close()
        digest.cancel()
        return ZipReader().open(path, limits)
    return _with_nested(tree, path, limits, budget, digest)


def _open_tar(path: str, kind: Packing, limits: Limits, digest: BackgroundDigest) -> OpenedArtifact:
    counted = TarBudget(limits)
    got = open_tar_if_sdist(path, kind, limits, counted, path)
    if isinstance(got, PlainTar):
        return _as_image(got, kind, path, limits, digest)
    try:
        tree = tar_as_sdist(got, path, Path(path).name, source=None)
    except BaseException:
        got.close()
        raise
    if not isinstance(tree, SdistTree):  # the names made an sdist: cannot happen
        tree.close()
        raise ArtifactError(f"{path}: not a source distribution")
    budget = Budget(limits)
    budget.charge(path, counted.total)
    return _with_nested(tree, path, limits, budget, digest)


def _with_nested(
    tree: SdistTree, path: str, limits: Limits, budget: Budget, digest: BackgroundDigest
) -> OpenedArtifact:
    from wellcheck.artifact.nested import find_nested, tree_warnings

    try:
        trees, not_scanned = find_nested(tree, limits, 0, budget)
    except BaseException:
        tree.close()
        raise
    warnings = tuple(tree_warnings([tree, *trees]))
    info = ArtifactInfo(path=path, kind="sdist", warnings=warnings)
    return DigestingArtifact(info, [tree, *trees], not_scanned, digest)


def _as_image(
    plain: PlainTar, kind: Packing, path: str, limits: Limits, digest: BackgroundDigest
) -> OpenedArtifact:
    """A tar that is no sdist, for the image reader (one root filesystem)."""
    from wellcheck.artifact.image import open_image

    if plain.workdir is None:  # a plain tar: the image reader reads the file in place
        digest.cancel()
        return open_image(path, limits)
    try:
        if kind is not Packing.GZIP:
            raise ArtifactError(
                f"{path}: a {kind} tar that is no source distribution "
                f"(no {', '.join(SDIST_MARKERS)} in the directory pip would build from)"
            )
        inner = open_image(plain.tar_file, limits)
    except BaseException:
        remove_workdir(plain.workdir)
        raise
    return _Borrowed(inner, path, plain.workdir, digest)


class _Borrowed(DigestingArtifact):
    """The image reader's view of the tar this reader inflated, with the identity of the
    file the user gave (its path, sha256 and size); the inflated tar goes on close."""

    def __init__(
        self, inner: OpenedArtifact, path: str, workdir: str, digest: BackgroundDigest
    ) -> None:
        known = inner.info_before_digest if isinstance(inner, DigestingArtifact) else inner.info
        info = replace(known, path=path, sha256=None, size=None)
        super().__init__(info, inner.trees, inner.not_scanned, digest)
        self._inner = inner
        self._workdir = workdir

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._release()

    def close_trees(self) -> None:
        super().close_trees()
        self._release()

    def _release(self) -> None:
        if isinstance(self._inner, DigestingArtifact):
            self._inner.close_trees()  # its digest (of the inflated tar) ends on its own
        remove_workdir(self._workdir)


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
        try:  # a hint only: a header the tar reader would refuse names nothing here
            size, kind = number(block[124:136]), block[156:157]
            payload = data[pos + BLOCK : pos + BLOCK + size]
            records = pax_records(payload) if kind == b"x" else {}
        except HeaderError:
            return None
        pos += BLOCK + padded(size)
        if kind == b"x":
            found = records.get(b"path")
            pax_path = text(found) if found is not None else pax_path
        elif kind == b"L":
            long_name = text(payload)
        elif kind not in (b"g", b"K"):
            name = text(block[:100])
            prefix = text(block[345:500]) if block[257:262] == b"ustar" else ""
            return long_name or pax_path or (f"{prefix}/{name}" if prefix else name)
    return None

"""Opening artifacts safely.  ``open_artifact`` sniffs the content and picks a reader.

Adding an artifact kind is one reader module and one line in ``_READERS``.
Readers are tried in order; file names are never used to decide.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import cast

from wellcheck.artifact.base import ArtifactReader, OpenedArtifact
from wellcheck.artifact.directory import DirectoryReader, is_oci_layout
from wellcheck.artifact.limits import DEFAULT_LIMITS, Limits
from wellcheck.artifact.sbomfile import SBOM_PREFIX, SbomReader, read_sbom_file
from wellcheck.artifact.sdistreader import SdistReader
from wellcheck.artifact.zipreader import SelfExtractingZipReader, ZipReader
from wellcheck.errors import ArtifactError

__all__ = ["open_artifact"]

HEAD_SIZE = 4096
_GZIP = b"\x1f\x8b"
_ZSTD = b"\x28\xb5\x2f\xfd"


def _looks_like_image(path: str, head: bytes) -> bool:
    """OCI layout directories and tar, gzip or zstd files belong to the image reader."""
    if not head:
        return Path(path).is_dir() and is_oci_layout(path)
    return head.startswith((_GZIP, _ZSTD)) or head[257:262] == b"ustar"


class _ImageReaderProxy(ArtifactReader):
    """Imports the image reader only when something that looks like an image is opened."""

    kind = "image"

    def matches(self, path: str, head: bytes) -> bool:
        reader = _image_reader()
        if reader is not None and reader.matches(path, head):
            return True
        return _looks_like_image(path, head)

    def open(self, path: str, limits: Limits) -> OpenedArtifact:
        reader = _image_reader()
        if reader is None:
            raise ArtifactError("container images are not supported yet")
        return reader.open(path, limits)


def _image_reader() -> ArtifactReader | None:
    try:
        module = importlib.import_module("wellcheck.artifact.image")
    except ImportError:
        return None
    reader_class = getattr(module, "ImageReader", None)
    return None if reader_class is None else cast(ArtifactReader, reader_class())


_READERS: tuple[ArtifactReader, ...] = (
    DirectoryReader(),
    SdistReader(),  # before zips and images: a zip or tar whose source directory has setup.py...
    _ImageReaderProxy(),  # before zips: a tar that is also a zip is read both ways (imagezip)
    ZipReader(),
    SelfExtractingZipReader(),
    SbomReader(),  # a JSON or XML document: CycloneDX or SPDX, else a clear error
)


def open_artifact(path: str, limits: Limits = DEFAULT_LIMITS) -> OpenedArtifact:
    """Open a directory, zip (function, layer, wheel), sdist, image tarball or SBOM by its content;
    ``sbom:PATH`` insists on an SBOM."""
    if path.startswith(SBOM_PREFIX):
        return read_sbom_file(path, limits)
    if not os.path.lexists(path):
        raise ArtifactError(f"{path}: no such file or directory")
    try:
        head = b""
        if not Path(path).is_dir():
            with Path(path).open("rb") as fh:
                head = fh.read(HEAD_SIZE)
        for reader in _READERS:
            if reader.matches(path, head):
                return reader.open(path, limits)
    except OSError as exc:
        raise ArtifactError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    if not head:
        raise ArtifactError(f"{path}: empty file, not an artifact")
    raise ArtifactError(
        f"{path}: unknown artifact format "
        "(not a directory, zip, wheel, sdist, image tarball or SBOM)"
    )

"""An existing SBOM as the artifact: ``wellcheck scan sbom/fn.cdx.json`` (or ``sbom:PATH``).

Teams keep the SBOM CI wrote and re-check it for new advisories without the original
zip, as ``trivy sbom``, ``osv-scanner --sbom`` and ``grype sbom:`` do.  The opened
artifact has no trees: its components come from the document
(:mod:`wellcheck.inventory.sbom_input`), so checks that read files cannot run on it.

The file is read whole, at most ``Limits.max_metadata_size`` bytes (32 MiB by default;
``--limit metadata-size=...``), and at most ``Limits.max_members`` components.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from wellcheck.artifact.base import ArtifactReader, OpenedArtifact
from wellcheck.artifact.limits import DEFAULT_LIMITS, Limits
from wellcheck.errors import ArtifactError, LimitExceededError
from wellcheck.models import ArtifactInfo, Component

if TYPE_CHECKING:
    from wellcheck.inventory.sbom_input import SbomDocument

__all__ = [
    "SBOM_PREFIX",
    "SbomArtifact",
    "SbomReader",
    "is_sbom_kind",
    "listed_components",
    "looks_like_sbom",
    "read_sbom_file",
]

SBOM_PREFIX = "sbom:"
_UTF8_BOM = b"\xef\xbb\xbf"


def looks_like_sbom(head: bytes) -> bool:
    """Content sniffing: a JSON object or an XML document (nothing else wellcheck opens
    starts so); which SBOM format, if any, is decided when it is parsed."""
    start = head.removeprefix(_UTF8_BOM).lstrip(b" \t\r\n")
    return start.startswith((b"{", b"<"))


def is_sbom_kind(kind: str) -> bool:
    """ArtifactInfo.kind of an SBOM opened as the artifact (``sbom-cyclonedx``...)."""
    return kind.startswith("sbom-")


@dataclass
class SbomArtifact(OpenedArtifact):
    """An SBOM opened as an artifact: no trees, the components it lists."""

    components: tuple[Component, ...] = ()
    document: SbomDocument | None = None


def listed_components(opened: OpenedArtifact) -> tuple[Component, ...] | None:
    """The components an artifact lists without trees (an SBOM), else None."""
    return opened.components if isinstance(opened, SbomArtifact) else None


def read_sbom_file(path: str, limits: Limits = DEFAULT_LIMITS) -> SbomArtifact:
    """Read and parse the SBOM at ``path`` (``sbom:`` prefix optional).

    ArtifactInfo.path is ``path`` as given, its kind ``sbom-cyclonedx`` or ``sbom-spdx``,
    its sha256 and size those of the SBOM file; what the SBOM lists that is left out
    (other ecosystems; entries without a usable purl, which a scan also reports as not
    checked: ``document.unusable_reason``) is said in its warnings.
    """
    real = Path(path.removeprefix(SBOM_PREFIX))
    cap = limits.max_metadata_size
    try:
        with real.open("rb") as fh:
            data = fh.read(cap + 1)
    except OSError as exc:
        raise ArtifactError(f"{real}: cannot read: {exc.strerror or exc}") from exc
    if len(data) > cap:
        raise LimitExceededError(str(real), "max_metadata_size", f"SBOM larger than {cap} bytes")
    if not data.strip():
        raise ArtifactError(f"{real}: empty file, not an SBOM")
    import hashlib

    from wellcheck.inventory.sbom_input import parse_sbom

    document = parse_sbom(data, str(real), max_components=limits.max_members)
    info = ArtifactInfo(
        path=path,
        kind=document.kind,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        python_version=document.python_version,
        warnings=document.notes,
    )
    return SbomArtifact(info, [], [], document.components, document)


class SbomReader(ArtifactReader):
    """CycloneDX JSON/XML or SPDX JSON, recognised by content (a JSON object or XML)."""

    kind = "sbom"

    def matches(self, path: str, head: bytes) -> bool:
        return looks_like_sbom(head)

    def open(self, path: str, limits: Limits) -> OpenedArtifact:
        return read_sbom_file(path, limits)

"""What a distribution bundles, from the SBOMs it ships (PEP 770: ``.dist-info/sboms/``).

auditwheel (6.3 and later) writes ``auditwheel.cdx.json`` listing the system libraries it
copied into a manylinux wheel (psycopg2-binary: the CentOS 7 rpms of libpq's
dependencies); maturin writes the Rust crates compiled in (pydantic-core:
``pydantic-core.cyclonedx.json``).  PEP 770 fixes the directory, not the format: every
regular file directly in ``sboms/`` is read with the one SBOM reader
(:func:`wellcheck.inventory.sbom_input.parse_sbom`: CycloneDX JSON or XML, SPDX JSON),
bounded as SBOM input is (its size here, the component count; XML without any DTD), and
each entry with a purl becomes a :class:`~wellcheck.models.BundledPackage`.

Left out: the distribution itself (auditwheel lists the wheel it repaired) and the SBOM's
own subject (CycloneDX ``metadata.component``: the crate being built).  An entry listed
twice (two SBOMs of one wheel) is kept once.  A file that is too large, unreadable or not
an SBOM is a warning on the component, not an error of the artifact: nothing in it runs,
and what it would have listed is said to be unread.
"""

from __future__ import annotations

from collections.abc import Sequence

from wellcheck.artifact.base import Tree
from wellcheck.errors import ArtifactError
from wellcheck.inventory import reading
from wellcheck.inventory.sbom_fields import pypi_purl
from wellcheck.inventory.sbom_input import ListedPackage, parse_sbom
from wellcheck.models import BundledPackage

MAX_SBOM_FILES = 16  # per distribution; real wheels ship one or two
MAX_SBOM_SIZE = 8 * 1024 * 1024  # one SBOM file (pydantic-core's: 120 kB for 100 crates)
MAX_LISTED = 10_000  # entries of one SBOM file


def bundled_packages(
    tree: Tree, paths: Sequence[str], owner: str, warnings: list[str]
) -> tuple[BundledPackage, ...]:
    """The packages the SBOM files ``paths`` list, ``owner`` (canonical name) left out."""
    found: dict[str, BundledPackage] = {}
    ordered = sorted(paths)
    if len(ordered) > MAX_SBOM_FILES:
        skipped = len(ordered) - MAX_SBOM_FILES
        warnings.append(f"{skipped} more SBOM files in {ordered[0].rpartition('/')[0]}: not read")
    for path in ordered[:MAX_SBOM_FILES]:
        for listed in _listed(tree, path, warnings):
            package = _bundled(listed, path, owner)
            if package is not None:
                found.setdefault(package.purl, package)
    return tuple(found.values())


def _listed(tree: Tree, path: str, warnings: list[str]) -> Sequence[ListedPackage]:
    got = reading.read_head(tree, path, MAX_SBOM_SIZE, warnings)
    if got is None:
        return ()
    data, truncated = got
    if truncated:
        warnings.append(f"{path}: larger than {MAX_SBOM_SIZE} bytes, its packages not read")
        return ()
    try:
        document = parse_sbom(data, path, max_components=MAX_LISTED, keep_packages=True)
    except ArtifactError as exc:  # not an SBOM, malformed, too many entries
        warnings.append(f"{exc}; its packages not read")
        return ()
    return document.packages


def _bundled(listed: ListedPackage, sbom: str, owner: str) -> BundledPackage | None:
    own = pypi_purl(listed.purl)
    if own is not None and own[0] == owner:
        return None  # the distribution itself
    version = listed.version or _purl_version(listed.purl)
    return BundledPackage(listed.purl, listed.name, version, sbom, listed.scope)


def _purl_version(purl: str) -> str:
    body = purl.split("#", 1)[0].split("?", 1)[0]
    _, at, version = body.rpartition("@")
    return version if at else ""

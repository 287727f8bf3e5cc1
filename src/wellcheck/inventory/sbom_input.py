"""Components from an existing SBOM: CycloneDX JSON/XML (1.4-1.6) and SPDX 2.3 JSON.

The one SBOM reader: ``wellcheck scan``/``inventory`` take an SBOM as the artifact
(:mod:`wellcheck.artifact.sbomfile`) and ``wellcheck diff`` compares with one.

Only ``pkg:pypi/...`` purls (``pkg://pypi/...`` too) become components: the name
canonicalised, the version (empty when the SBOM has none: the advisory check reports it
as not checkable), and where it was installed when the SBOM says so (wellcheck's
``wellcheck:*`` properties or its SPDX comment, syft's ``syft:location:0:path``,
trivy's ``aquasecurity:trivy:FilePath``).  Other ecosystems' purls and entries that are not
packages (files, the operating system) are counted, not kept.  A package entry that
cannot be checked (no purl, an invalid or over-long PyPI name, not an object) is counted
as *unusable*: a scan reports it as not checked (``SbomDocument.unusable_count``), never
as a pass.  A ``components``/``packages`` value that is not a list is malformed.
wellcheck's own "unclaimed code" entries come back as such, so an inventory of the SBOM
lists what the artifact's did, and so do its entries for what a wheel bundles (CycloneDX
components nested in a PyPI one, with a ``wellcheck:sbom`` property and a non-PyPI purl:
``Component.bundled``).  An entry listed twice (same name, version, place) is one.

The document is hostile input: the caller bounds its size, this module bounds the
component count, refuses malformed JSON (also too deeply nested) with one line, and
reads XML without any DTD (:mod:`wellcheck.inventory.sbom_xml`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from typing import Any

from packaging.utils import canonicalize_name

from wellcheck.errors import ArtifactError, LimitExceededError
from wellcheck.inventory.metadata import is_pep440_version
from wellcheck.inventory.sbom_fields import (
    Raw,
    as_list,
    as_mapping,
    as_text,
    clean,
    first_value,
    hashes_of,
    kind_from,
    layer_of,
    location_of,
    one_line,
    properties_of,
    purl_type,
    pypi_purl,
    site_root_of,
    spdx_comment,
)
from wellcheck.models import BundledPackage, Component, ComponentKind

CYCLONEDX = "sbom-cyclonedx"
SPDX = "sbom-spdx"
SBOM_KINDS = (CYCLONEDX, SPDX)

_NAME_RE = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.IGNORECASE)
MAX_NAME = 200  # longer project names are unusable (PyPI has none; keeps name checks fast)
# component types (CycloneDX) / package purposes (SPDX) that are not a package of any
# ecosystem: without a purl they are ignored, not unusable
_NOT_PACKAGES = frozenset(
    {"operating-system", "file", "application", "container", "platform", "device"}
    | {"device-driver", "firmware", "data", "machine-learning-model", "cryptographic-asset"}
)
_KINDS = {k.value: k for k in ComponentKind}
_UTF8_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class ListedPackage:
    """A package entry with a purl of any ecosystem (``parse_sbom(keep_packages=True)``)."""

    purl: str
    name: str
    version: str
    scope: str = ""  # CycloneDX ``scope`` ("required", "optional", "excluded"), as listed


@dataclass(frozen=True)
class SbomDocument:
    """What an SBOM lists that wellcheck can check."""

    kind: str  # CYCLONEDX or SPDX
    spec_version: str  # "1.6", "SPDX-2.3"
    encoding: str  # "json" or "xml"
    components: tuple[Component, ...]
    # purl type (or "no purl" for files, the OS...) -> count: not PyPI, not kept
    ignored: dict[str, int] = field(default_factory=dict)
    # why -> count: package entries that could not become a checkable PyPI component
    unusable: dict[str, int] = field(default_factory=dict)
    python_version: str | None = None  # of the artifact, when the SBOM says (wellcheck's)
    listed: int = 0  # entries the document lists (nested ones included)
    packages: tuple[ListedPackage, ...] = ()  # every entry with a purl, when asked for

    @property
    def unusable_count(self) -> int:
        return sum(self.unusable.values())

    @property
    def unusable_reason(self) -> str | None:
        """The SkippedCheck reason for the unusable entries, None when there are none."""
        n = self.unusable_count
        if not n:
            return None
        if n == 1:
            return "1 SBOM component without a usable purl was not checked"
        return f"{n} SBOM components without a usable purl were not checked"

    @property
    def notes(self) -> tuple[str, ...]:
        """Lines about what was left out (for ArtifactInfo.warnings), or nothing."""
        notes: list[str] = []
        if not self.listed:
            notes.append("the SBOM lists no components")
        total = sum(self.ignored.values())
        if total:
            kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(self.ignored.items()))
            noun = "component" if total == 1 else "components"
            notes.append(f"{total} non-PyPI SBOM {noun} ignored ({kinds})")
        if self.unusable:
            why = ", ".join(f"{reason} {n}" for reason, n in sorted(self.unusable.items()))
            n = self.unusable_count
            noun = "component" if n == 1 else "components"
            notes.append(f"{n} SBOM {noun} without a usable purl ({why}): not checked")
        return tuple(notes)


def parse_sbom(
    data: bytes, origin: str, *, max_components: int = 1_000_000, keep_packages: bool = False
) -> SbomDocument:
    """The components of a CycloneDX (JSON or XML) or SPDX JSON document; ArtifactError
    (one line) when it is neither or is malformed, LimitExceededError past
    ``max_components`` entries.  ``keep_packages``: also list every entry with a purl,
    whatever its ecosystem (``SbomDocument.packages``: the SBOMs wheels ship)."""
    start = data.removeprefix(_UTF8_BOM).lstrip(b" \t\r\n")
    if not start.startswith((b"{", b"<")):
        raise ArtifactError(f"{origin}: not an SBOM (CycloneDX JSON or XML, SPDX JSON)")
    if start.startswith(b"<"):
        from wellcheck.inventory.sbom_xml import cyclonedx_xml_as_json

        doc, spec = cyclonedx_xml_as_json(start, origin)
        return _Reader(origin, max_components, keep_packages).cyclonedx(doc, spec, "xml")
    try:
        doc = json.loads(start)
    except RecursionError:
        raise ArtifactError(f"{origin}: malformed SBOM JSON: nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError, bad UTF-8, an over-long integer
        raise ArtifactError(f"{origin}: malformed SBOM JSON: {one_line(str(exc))}") from exc
    reader = _Reader(origin, max_components, keep_packages)
    if isinstance(doc, dict) and doc.get("bomFormat") == "CycloneDX":
        return reader.cyclonedx(doc, as_text(doc.get("specVersion")), "json")
    if isinstance(doc, dict) and as_text(doc.get("spdxVersion")).startswith("SPDX-"):
        return reader.spdx(doc)
    raise ArtifactError(f"{origin}: JSON, but neither a CycloneDX nor an SPDX SBOM")


class _Reader:
    def __init__(self, origin: str, max_components: int, keep_packages: bool = False) -> None:
        self.origin = origin
        self.max_components = max_components
        self.seen = 0
        self.ignored: dict[str, int] = {}
        self.unusable: dict[str, int] = {}
        self.packages: list[ListedPackage] | None = [] if keep_packages else None

    def cyclonedx(self, doc: Raw, spec: str, encoding: str) -> SbomDocument:
        """Every component, nested ones included (walked without recursion); an entry
        nested in a PyPI component with a ``wellcheck:sbom`` property is what that
        distribution bundles (wellcheck's own SBOMs), not a component of the artifact."""
        components: list[Component] = []
        bundled: dict[int, list[BundledPackage]] = {}
        stack: list[tuple[Any, int | None]] = [
            (raw, None) for raw in reversed(self._entries(doc, "components"))
        ]
        while stack:
            self._count()
            raw, parent = stack.pop()
            if not isinstance(raw, dict):
                self._unusable("not an object")
                continue
            mine = None
            package = _bundled(raw, components[parent]) if parent is not None else None
            if parent is not None and package is not None:
                bundled.setdefault(parent, []).append(package)
            elif (component := self._cdx(raw)) is not None:
                mine = len(components)
                components.append(component)
            stack.extend((child, mine) for child in reversed(self._entries(raw, "components")))
        for index, packages in bundled.items():
            components[index] = replace(components[index], bundled=tuple(packages))
        meta = as_mapping(as_mapping(doc.get("metadata")).get("component"))
        python = properties_of(meta).get("wellcheck:python_version", [None])[0]
        return self._document(CYCLONEDX, spec, encoding, components, python)

    def spdx(self, doc: Raw) -> SbomDocument:
        described = {as_text(ref) for ref in as_list(doc.get("documentDescribes"))}
        for rel in as_list(doc.get("relationships")):
            rel = as_mapping(rel)
            if rel.get("spdxElementId") == "SPDXRef-DOCUMENT" and (
                rel.get("relationshipType") == "DESCRIBES"
            ):
                described.add(as_text(rel.get("relatedSpdxElement")))
        components: list[Component] = []
        for raw in self._entries(doc, "packages"):
            self._count()
            if not isinstance(raw, dict):
                self._unusable("not an object")
                continue
            component = self._spdx(raw, subject=as_text(raw.get("SPDXID")) in described)
            if component is not None:
                components.append(component)
        return self._document(SPDX, as_text(doc.get("spdxVersion")), "json", components, None)

    def _document(
        self, kind: str, spec: str, encoding: str, found: list[Component], python: str | None
    ) -> SbomDocument:
        unique: dict[tuple[str, str, str, tuple[str, ...]], Component] = {}
        for component in found:  # each listed once, the first kept
            unique.setdefault(
                (component.name, component.version, component.location, component.chain), component
            )
        return SbomDocument(
            kind=kind,
            spec_version=spec,
            encoding=encoding,
            components=tuple(unique.values()),
            ignored=dict(self.ignored),
            unusable=dict(self.unusable),
            python_version=(clean(python) or None) if python else None,
            listed=self.seen,
            packages=tuple(self.packages or ()),
        )

    def _entries(self, parent: Raw, key: str) -> list[Any]:
        """``parent[key]``: absent is empty; present but not a list is malformed."""
        value = parent.get(key, [])
        if not isinstance(value, list):
            what = type(value).__name__ if value is not None else "null"
            raise ArtifactError(f"{self.origin}: malformed SBOM: {key!r} is {what}, not a list")
        return value

    def _count(self) -> None:
        self.seen += 1
        if self.seen > self.max_components:
            limit = self.max_components
            raise LimitExceededError(self.origin, "max_members", f"more than {limit} components")

    def _unusable(self, why: str) -> None:
        self.unusable[why] = self.unusable.get(why, 0) + 1

    def _cdx(self, raw: Raw) -> Component | None:
        props = properties_of(raw)
        purl = as_text(raw.get("purl")).strip()
        if not purl and _is_unclaimed(as_text(raw.get("name")), props):
            return self._module(as_text(raw.get("name")), props)
        if not purl and as_text(raw.get("type")).lower() in _NOT_PACKAGES:
            self.ignored["no purl"] = self.ignored.get("no purl", 0) + 1
            return None
        return self._pypi(purl, as_text(raw.get("name")), as_text(raw.get("version")), props, raw)

    def _spdx(self, pkg: Raw, *, subject: bool) -> Component | None:
        purl = ""
        for ref in as_list(pkg.get("externalRefs")):
            ref = as_mapping(ref)
            locator = as_text(ref.get("referenceLocator")).strip()
            if purl_type(locator) == "pypi":  # whatever the referenceType says
                purl = locator
                break
            kind = as_text(ref.get("referenceType")).lower()
            if not purl and (kind == "purl" or kind.endswith("/purl")):  # also the URI form
                purl = locator
        props = spdx_comment(as_text(pkg.get("comment")))
        if not purl and _is_unclaimed(as_text(pkg.get("name")), props):
            return self._module(as_text(pkg.get("name")), props)
        if not purl and subject:
            return None  # the artifact the document describes, not a component of it
        purpose = as_text(pkg.get("primaryPackagePurpose")).lower()
        if not purl and purpose in _NOT_PACKAGES:
            self.ignored["no purl"] = self.ignored.get("no purl", 0) + 1
            return None
        version = as_text(pkg.get("versionInfo"))
        if version in ("NOASSERTION", "NONE"):  # SPDX for "not known": no version
            version = ""
        return self._pypi(purl, as_text(pkg.get("name")), version, props, pkg)

    def _pypi(
        self, purl: str, name: str, version: str, props: dict[str, list[str]], raw: Raw
    ) -> Component | None:
        kind = purl_type(purl)
        if not kind:
            self._unusable("no purl" if not purl else "not a purl")
            return None
        if self.packages is not None:
            scope = clean(as_text(raw.get("scope"))).lower()
            self.packages.append(ListedPackage(clean(purl), clean(name), clean(version), scope))
        parsed = pypi_purl(purl)
        if parsed is None:
            self.ignored[kind] = self.ignored.get(kind, 0) + 1
            return None
        canonical, purl_version = parsed
        if len(canonical) > MAX_NAME:
            self._unusable("name too long")
            return None
        if not _NAME_RE.match(canonical):
            self._unusable("invalid PyPI name")
            return None
        return _component(canonical, purl_version or clean(version), name, props, raw)

    def _module(self, display: str, props: dict[str, list[str]]) -> Component | None:
        if len(clean(display)) > MAX_NAME:
            self._unusable("name too long")
            return None
        return _unclaimed(display, props)


def _component(
    name: str, version: str, display: str, props: dict[str, list[str]], raw: Raw
) -> Component:
    chain, location = location_of(props)
    site_root = first_value(props, "wellcheck:site_root")
    if site_root is None:
        site_root = site_root_of(location)
    kind = _KINDS.get(first_value(props, "wellcheck:kind") or "") or kind_from(location)
    pep440 = first_value(props, "wellcheck:pep440") != "false" and (
        not version or is_pep440_version(version)
    )
    vendored_by = first_value(props, "wellcheck:vendored_by")
    return Component(
        name=name,
        version=version,
        kind=ComponentKind.DIST_INFO if kind is ComponentKind.UNCLAIMED else kind,
        location=location,
        display_name=_display(display, name),
        version_is_pep440=pep440,
        chain=chain,
        layer=layer_of(props),
        site_root=site_root,
        python_version=first_value(props, "wellcheck:python_version"),
        summary=clean(as_text(raw.get("description")) or as_text(raw.get("summary"))),
        hashes=hashes_of(raw.get("hashes")),
        installer=first_value(props, "wellcheck:installer"),
        vendored_by=canonicalize_name(vendored_by) if vendored_by else None,
        direct_url=first_value(props, "wellcheck:direct_url"),
        warnings=tuple(props.get("wellcheck:warning", ())),
    )


def _bundled(raw: Raw, owner: Component) -> BundledPackage | None:
    """wellcheck's nested entry for a package ``owner`` bundles, when ``raw`` is one."""
    props = properties_of(raw)
    sbom = first_value(props, "wellcheck:sbom")
    purl = clean(as_text(raw.get("purl"))) or first_value(props, "wellcheck:purl") or ""
    if sbom is None or purl_type(purl) in ("", "pypi"):  # a PyPI entry stays a component
        return None
    prefix = "!".join((*owner.chain, ""))
    return BundledPackage(
        purl,
        clean(as_text(raw.get("name"))),
        clean(as_text(raw.get("version"))),
        sbom.removeprefix(prefix) if owner.chain else sbom,
        clean(as_text(raw.get("scope"))).lower(),
    )


def _display(display: str, name: str) -> str:
    """The SBOM's spelling of the name, when it is the purl's name (else the purl's)."""
    display = clean(display)
    return display if display and canonicalize_name(display) == name else name


def _is_unclaimed(display: str, props: dict[str, list[str]]) -> bool:
    """wellcheck's entry for importable code no RECORD claims (no purl, a module name)."""
    return first_value(props, "wellcheck:kind") == "unclaimed" and bool(clean(display))


def _unclaimed(display: str, props: dict[str, list[str]]) -> Component:
    chain, location = location_of(props)
    module = clean(display)
    return Component(
        name=canonicalize_name(module),
        version="",
        kind=ComponentKind.UNCLAIMED,
        location=location,
        display_name=module,
        chain=chain,
        layer=layer_of(props),
        site_root=first_value(props, "wellcheck:site_root") or "",
        python_version=first_value(props, "wellcheck:python_version"),
        top_level=tuple(props.get("wellcheck:top_level", ())),
    )

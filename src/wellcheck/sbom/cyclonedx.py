"""CycloneDX 1.5/1.6 (JSON and XML) with cyclonedx-python-lib.

Import this module lazily (inside functions, as ``wellcheck.sbom`` does): the
library takes ~0.1 s to import and ``wellcheck inventory`` never needs it.
Findings become vulnerabilities in :mod:`wellcheck.sbom.vdr`.

Choices worth knowing:
- the artifact is ``metadata.component`` (image -> container, function zip or
  directory -> application, layer/wheel/zip -> file) with its sha256; several
  artifacts are nested under one parent application component;
- unclaimed code (importable modules no RECORD claims) is a ``file`` component
  with no purl and ``wellcheck:kind=unclaimed``, so it is visible to SBOM
  consumers without pretending to be a PyPI package;
- maintainers become the ``supplier`` (contacts only, no invented name);
  authors are ``authors`` in 1.6 and the ``author`` string in 1.5;
- what a distribution bundles, as the SBOMs it ships list it (PEP 770: the C libraries
  auditwheel copied in, the Rust crates compiled in), are nested ``components`` of its
  component, with their own purls, their scope and ``wellcheck:sbom`` (the file listing
  them), so consumers see them and tools match them against their advisories.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from cyclonedx.model import (
    AttachedText,
    ExternalReference,
    ExternalReferenceType,
    HashAlgorithm,
    HashType,
    Property,
    XsUri,
)
from cyclonedx.model.bom import Bom
from cyclonedx.model.bom_ref import BomRef
from cyclonedx.model.component import Component as CdxComponent
from cyclonedx.model.component import ComponentScope, ComponentType
from cyclonedx.model.contact import OrganizationalContact, OrganizationalEntity
from cyclonedx.model.dependency import Dependency
from cyclonedx.model.license import DisjunctiveLicense, License, LicenseExpression
from cyclonedx.output import make_outputter
from cyclonedx.schema import OutputFormat, SchemaVersion
from cyclonedx.schema.deprecation import SchemaDeprecationWarning1Dot6
from packageurl import PackageURL

from wellcheck import __version__
from wellcheck.errors import OutputError
from wellcheck.escape import json_safe, xml_safe
from wellcheck.models import (
    ArtifactInfo,
    BundledPackage,
    Component,
    ComponentKind,
    Finding,
    Person,
)
from wellcheck.sbom.graph import Graph, Node, build_graph, bundled_ref
from wellcheck.sbom.licenses import declared_licenses
from wellcheck.sbom.sanitize import clean, safe_url

if TYPE_CHECKING:
    from wellcheck.pipeline import Inventory

SCHEMA_VERSIONS = {"1.5": SchemaVersion.V1_5, "1.6": SchemaVersion.V1_6}
_ARTIFACT_TYPES = {
    "docker-archive": ComponentType.CONTAINER,
    "oci-layout": ComponentType.CONTAINER,
    "lambda-zip": ComponentType.APPLICATION,
    "directory": ComponentType.APPLICATION,
}
_HASH_ALGORITHMS = {
    "md5": HashAlgorithm.MD5,
    "sha1": HashAlgorithm.SHA_1,
    "sha256": HashAlgorithm.SHA_256,
    "sha384": HashAlgorithm.SHA_384,
    "sha512": HashAlgorithm.SHA_512,
    "sha3256": HashAlgorithm.SHA3_256,
    "sha3384": HashAlgorithm.SHA3_384,
    "sha3512": HashAlgorithm.SHA3_512,
    "blake2b256": HashAlgorithm.BLAKE2B_256,
    "blake2b384": HashAlgorithm.BLAKE2B_384,
    "blake2b512": HashAlgorithm.BLAKE2B_512,
}
_HEX = re.compile(r"^(?:[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64}|[0-9a-f]{96}|[0-9a-f]{128})$")
_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+$")
_URL_KINDS: dict[str, ExternalReferenceType] = {
    **dict.fromkeys(("homepage", "home", "website", "url"), ExternalReferenceType.WEBSITE),
    **dict.fromkeys(
        ("source", "sourcecode", "repository", "repo", "code", "github", "gitlab", "git"),
        ExternalReferenceType.VCS,
    ),
    **dict.fromkeys(
        ("issues", "issuetracker", "bugtracker", "bugs", "bugreports", "tracker", "issue"),
        ExternalReferenceType.ISSUE_TRACKER,
    ),
    **dict.fromkeys(("documentation", "docs", "doc"), ExternalReferenceType.DOCUMENTATION),
    **dict.fromkeys(
        ("changelog", "changes", "releasenotes", "whatsnew", "history", "news"),
        ExternalReferenceType.RELEASE_NOTES,
    ),
    "download": ExternalReferenceType.DISTRIBUTION,
    **dict.fromkeys(("chat", "discord", "gitter", "slack"), ExternalReferenceType.CHAT),
    "mailinglist": ExternalReferenceType.MAILING_LIST,
    **dict.fromkeys(("twitter", "mastodon"), ExternalReferenceType.SOCIAL),
}


def schema_version(spec: str) -> SchemaVersion:
    try:
        return SCHEMA_VERSIONS[spec]
    except KeyError:
        choices = ", ".join(SCHEMA_VERSIONS)
        raise OutputError(f"unsupported CycloneDX version {spec!r} (choose {choices})") from None


def build_cyclonedx(
    inventories: Sequence[Inventory],
    *,
    spec: str = "1.6",
    reproducible: bool = False,
    findings: Sequence[Sequence[Finding]] = (),
) -> Bom:
    """One BOM for all ``inventories``; ``findings[i]``, the findings (reported and
    ignored) of ``inventories[i]``, become vulnerabilities (:mod:`wellcheck.sbom.vdr`)."""
    version = schema_version(spec)
    if not inventories:
        raise OutputError("no artifact to describe")
    graph = build_graph(inventories)
    bom = Bom()
    if reproducible:
        bom.serial_number = None  # type: ignore[assignment]  # the library omits it
        bom.metadata.timestamp = None  # type: ignore[assignment]
    bom.metadata.tools.components.add(
        CdxComponent(type=ComponentType.APPLICATION, name="wellcheck", version=__version__)
    )
    # Components first, in the library's own order, added one by one: a SortedSet built
    # from a list sorts a set (n log n comparisons of whole-component tuples); appending
    # in order costs one comparison each (build: -6 ms on 120 components).  And the
    # artifacts last: their sha256 may still be hashed in the background until then.
    for component in sorted((_component(node, version) for node in graph.nodes), key=_order):
        bom.components.add(component)
    artifacts = [
        _artifact_component(inv, ref, name)
        for inv, ref, name in zip(
            inventories, graph.artifact_refs, graph.artifact_names, strict=True
        )
    ]
    if len(artifacts) == 1:
        bom.metadata.component = root = artifacts[0]
    else:
        root = CdxComponent(
            type=ComponentType.APPLICATION,
            name=clean(" + ".join(graph.artifact_names)),
            bom_ref="artifacts",
            components=artifacts,
            properties=[Property(name="wellcheck:artifact-count", value=str(len(artifacts)))],
        )
        bom.metadata.component = root
    bom.dependencies = _dependencies(graph, root, artifacts)
    if len(findings) > len(inventories):
        raise OutputError("findings given for more artifacts than there are inventories")
    if any(findings):
        from wellcheck.sbom.vdr import vulnerabilities

        bom.vulnerabilities = vulnerabilities(graph, findings)
    return bom


def _order(component: CdxComponent) -> tuple[object, ...]:
    """The library's component order (type, group, name, version, bom-ref; None last):
    bom-refs are unique, so the later fields never decide."""
    group, version = component.group, component.version
    return (
        component.type,
        group is None,
        group or "",
        component.name,
        version is None,
        version or "",
        component.bom_ref.value,
    )


def render_cyclonedx(bom: Bom, fmt: str = "json", spec: str = "1.6") -> str:
    """Serialise ``bom`` as CycloneDX ``fmt`` ("json" or "xml") of version ``spec``."""
    formats = {"json": OutputFormat.JSON, "xml": OutputFormat.XML}
    if fmt not in formats:
        raise OutputError(f"unsupported CycloneDX encoding {fmt!r} (choose json, xml)")
    text = make_outputter(bom, formats[fmt], schema_version(spec)).output_as_string(indent=2)
    text = json_safe(text) if fmt == "json" else xml_safe(text)  # no raw bidi, C1, \r...
    return text if text.endswith("\n") else f"{text}\n"


def validate_cyclonedx(text: str, fmt: str = "json", spec: str = "1.6") -> str | None:
    """Schema-check a rendered SBOM; the first error as one line, or None when valid.

    See :mod:`wellcheck.sbom.validation` (which this module does not need to import).
    """
    from wellcheck.sbom.validation import validate_cyclonedx as validate

    return validate(text, fmt, spec)


def _artifact_component(inv: Inventory, ref: str, name: str) -> CdxComponent:
    info: ArtifactInfo = inv.artifact
    props = [Property(name="wellcheck:artifact-kind", value=info.kind)]
    if info.python_version:
        props.append(Property(name="wellcheck:python_version", value=info.python_version))
    props += [Property(name="wellcheck:layer", value=layer) for layer in info.layers]
    props += [Property(name="wellcheck:not_scanned", value=clean(i)) for i in inv.not_scanned]
    props += [Property(name="wellcheck:warning", value=clean(w)) for w in info.warnings]
    return CdxComponent(
        type=_ARTIFACT_TYPES.get(info.kind, ComponentType.FILE),
        name=clean(name),
        bom_ref=ref,
        hashes=_hashes([("sha256", info.sha256)] if info.sha256 else []),
        properties=props,
    )


def _component(node: Node, version: SchemaVersion) -> CdxComponent:
    c = node.component
    unclaimed = c.kind is ComponentKind.UNCLAIMED
    authors = [_contact(p) for p in c.authors if p.name or p.email]
    maintainers = [_contact(p) for p in c.maintainers if p.name or p.email]
    component = CdxComponent(
        type=ComponentType.FILE if unclaimed else ComponentType.LIBRARY,
        name=clean(c.display_name or c.name),
        version=clean(c.version) or None,
        bom_ref=node.ref,
        purl=None
        if unclaimed or not c.name
        else PackageURL(type="pypi", name=c.name, version=c.version or None),
        description=clean(c.summary) or None,
        licenses=_licenses(c),
        authors=authors if version >= SchemaVersion.V1_6 else None,
        supplier=OrganizationalEntity(contacts=maintainers) if maintainers else None,
        external_references=_external_references(c.project_urls),
        hashes=_hashes(c.hashes),
        properties=_properties(c),
        components=[_bundled(node.ref, n, b, c.chain) for n, b in enumerate(c.bundled)],
    )
    if version < SchemaVersion.V1_6 and (author := _author_string(c.authors)):
        with warnings.catch_warnings():  # deprecated in 1.6, the only field 1.5 has
            warnings.simplefilter("ignore", SchemaDeprecationWarning1Dot6)
            component.author = clean(author)
    return component


_SCOPES = {scope.value: scope for scope in ComponentScope}


def _bundled(ref: str, index: int, package: BundledPackage, chain: tuple[str, ...]) -> CdxComponent:
    """A package the component bundles, with its purl when it is a valid one."""
    try:
        purl: PackageURL | None = PackageURL.from_string(package.purl)
    except ValueError:
        purl = None
    props = [Property(name="wellcheck:sbom", value=clean("!".join((*chain, package.sbom))))]
    if purl is None:
        props.append(Property(name="wellcheck:purl", value=clean(package.purl)))
    return CdxComponent(
        type=ComponentType.LIBRARY,
        name=clean(package.name) or clean(package.purl) or "unnamed",
        version=clean(package.version) or None,
        bom_ref=bundled_ref(ref, index),
        purl=purl,
        scope=_SCOPES.get(package.scope),
        properties=props,
    )


def _author_string(people: Iterable[Person]) -> str | None:
    return ", ".join(str(p) for p in people if str(p)) or None


def _contact(person: Person) -> OrganizationalContact:
    """A contact; an email the schema would reject ("x at y") is kept as the name."""
    name = clean(person.name or "").strip()
    email = clean(person.email or "").strip()
    if email and not _EMAIL.match(email):
        return OrganizationalContact(name=name or email)
    return OrganizationalContact(name=name or None, email=email or None)


def _licenses(c: Component) -> list[License]:
    declared = declared_licenses(c)
    if declared.expression:
        return [LicenseExpression(clean(declared.expression))]
    out: list[License] = [DisjunctiveLicense(id=spdx_id) for spdx_id in declared.ids]
    for name, text in declared.names:
        cleaned = clean(name)
        if not cleaned.strip():
            continue  # nothing printable left (e.g. a lone control character): no licence to name
        content = AttachedText(content=clean(text)) if text else None
        out.append(DisjunctiveLicense(name=cleaned, text=content))
    return out


def _hashes(pairs: Iterable[tuple[str, str]]) -> list[HashType]:
    out: list[HashType] = []
    for alg, value in pairs:
        key = re.sub(r"[^a-z0-9]", "", alg.lower())
        content = value.strip().lower()
        if key in _HASH_ALGORITHMS and _HEX.match(content):
            out.append(HashType(alg=_HASH_ALGORITHMS[key], content=content))
    return out


def _external_references(urls: Iterable[tuple[str, str]]) -> list[ExternalReference]:
    out: list[ExternalReference] = []
    for label, raw in urls:
        url = safe_url(raw)
        if url is None:
            continue  # not a URL a consumer could follow
        kind = _URL_KINDS.get(re.sub(r"[^a-z0-9]", "", label.lower()), ExternalReferenceType.OTHER)
        comment = clean(label) if kind is ExternalReferenceType.OTHER and label else None
        out.append(ExternalReference(type=kind, url=XsUri(url), comment=comment or None))
    return out


def _properties(c: Component) -> list[Property]:
    pairs = [
        ("wellcheck:location", c.display_location),
        ("wellcheck:kind", c.kind.value),
        ("wellcheck:layer", c.layer),
        ("wellcheck:vendored_by", c.vendored_by),
        ("wellcheck:site_root", c.site_root),
        ("wellcheck:python_version", c.python_version),
        ("wellcheck:installer", c.installer),
        ("wellcheck:direct_url", c.direct_url),
        ("wellcheck:pep440", None if c.version_is_pep440 or not c.version else "false"),
        *(
            ("wellcheck:top_level", name)
            for name in c.top_level
            if c.kind is ComponentKind.UNCLAIMED
        ),
        *(("wellcheck:warning", w) for w in c.warnings),
    ]
    return [Property(name=name, value=clean(value)) for name, value in pairs if value]


def _dependencies(
    graph: Graph, root: CdxComponent, artifacts: Sequence[CdxComponent]
) -> list[Dependency]:
    deps: list[Dependency] = []
    if len(artifacts) > 1:
        deps.append(_dependency(str(root.bom_ref.value), [str(a.bom_ref.value) for a in artifacts]))
    for ref in graph.artifact_refs:
        deps.append(_dependency(ref, graph.top_level.get(ref, ())))
    for node in graph.nodes:
        deps.append(_dependency(node.ref, graph.children(node.ref)))
    return deps


def _dependency(ref: str, children: Iterable[str]) -> Dependency:
    return Dependency(ref=BomRef(ref), dependencies=[Dependency(ref=BomRef(c)) for c in children])

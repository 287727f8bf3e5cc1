"""SPDX 2.3 JSON, built by hand (no SPDX library), plus a structural checker.

One package per artifact (DOCUMENT DESCRIBES it) and per component (the
artifact CONTAINS it); Requires-Dist edges are DEPENDS_ON, vendored copies are
CONTAINS from the vendoring distribution.  ``filesAnalyzed`` is false: we list
distributions, not a verified file manifest.  Unclaimed code is a package with
``primaryPackagePurpose`` FILE and no purl.  What a distribution bundles, as the SBOMs
it ships list it (PEP 770), are packages with their own purls that the distribution
CONTAINS.

Every package carries the NTIA minimum elements (name, version, supplier, SPDXID):
an artifact's version is its file's ``sha256:`` digest; what is not known is
``NOASSERTION`` (a directory's version, a component's missing version or supplier).
Authors and maintainers are ``Organization:`` when the name says it is one
(``Amazon Web Services``, ``Google LLC``, ``The Jupyter Development Team``), else
``Person:``: core metadata has no field that tells.

In reproducible mode the creation time is ``SOURCE_DATE_EPOCH`` (or the epoch)
and the document namespace is derived from the content, so the bytes are
identical across runs.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from wellcheck import __version__
from wellcheck.escape import json_safe
from wellcheck.models import ArtifactInfo, BundledPackage, Component, ComponentKind, Person
from wellcheck.sbom.graph import Graph, build_graph
from wellcheck.sbom.licenses import declared_licenses

if TYPE_CHECKING:
    from wellcheck.pipeline import Inventory

NAMESPACE_BASE = "https://wellcheck.invalid/spdx"
_CHECKSUM_ALGORITHMS = {
    "md5": "MD5",
    "sha1": "SHA1",
    "sha224": "SHA224",
    "sha256": "SHA256",
    "sha384": "SHA384",
    "sha512": "SHA512",
    "sha3256": "SHA3-256",
    "sha3384": "SHA3-384",
    "sha3512": "SHA3-512",
    "blake2b256": "BLAKE2b-256",
    "blake2b384": "BLAKE2b-384",
    "blake2b512": "BLAKE2b-512",
}
_PURPOSES = {
    "docker-archive": "CONTAINER",
    "oci-layout": "CONTAINER",
    "lambda-zip": "APPLICATION",
    "directory": "APPLICATION",
    "sdist": "SOURCE",
}
_COMPONENT_PURPOSES = {ComponentKind.SDIST: "SOURCE"}  # a source distribution, not installed
_PACKAGE_KEYS = frozenset(
    {
        *("SPDXID", "name", "versionInfo", "downloadLocation", "filesAnalyzed", "comment"),
        *("licenseConcluded", "licenseDeclared", "licenseComments", "copyrightText"),
        *("externalRefs", "checksums", "primaryPackagePurpose", "summary", "description"),
        *("homepage", "originator", "supplier", "packageFileName"),
    }
)
_HOMEPAGE_LABELS = frozenset({"homepage", "home", "website", "url"})
NOASSERTION = "NOASSERTION"
# Words that make a name an organisation's (a team, a company, a project), whole words
# of any case; a person's name rarely holds one.
_ORGANISATION = re.compile(
    r"\b(?:inc|llc|ltd|limited|gmbh|plc|pbc|corp|corporation|company|foundation|team"
    r"|project|authority|developers|contributors|authors|maintainers|community|group"
    r"|organi[sz]ation|university|institute|labs?|software|technologies|systems"
    r"|consortium|association|society|services)\b",
    re.IGNORECASE,
)


def render_spdx(inventories: Sequence[Inventory], *, reproducible: bool = False) -> str:
    """An SPDX 2.3 JSON document describing every artifact in ``inventories``."""
    doc = build_spdx(inventories, reproducible=reproducible)
    return json_safe(json.dumps(doc, indent=2, ensure_ascii=False)) + "\n"


def build_spdx(inventories: Sequence[Inventory], *, reproducible: bool = False) -> dict[str, Any]:
    graph = build_graph(inventories)
    ids = _spdx_ids(graph)
    packages: list[dict[str, Any]] = []
    relationships: list[dict[str, str]] = []
    for inv, ref, name in zip(inventories, graph.artifact_refs, graph.artifact_names, strict=True):
        packages.append(_artifact_package(inv.artifact, ids[ref], name))
        relationships.append(_rel("SPDXRef-DOCUMENT", "DESCRIBES", ids[ref]))
    for node in graph.nodes:
        packages.append(_package(node.component, ids[node.ref]))
        parent = graph.artifact_refs[node.artifact]
        relationships.append(_rel(ids[parent], "CONTAINS", ids[node.ref]))
        for n, bundled in enumerate(node.component.bundled):
            bundled_id = f"{ids[node.ref]}-bundled-{n}"
            packages.append(_bundled_package(bundled, bundled_id, node.component))
            relationships.append(_rel(ids[node.ref], "CONTAINS", bundled_id))
    for node in graph.nodes:
        for target in graph.depends_on.get(node.ref, ()):
            relationships.append(_rel(ids[node.ref], "DEPENDS_ON", ids[target]))
        for target in graph.vendors.get(node.ref, ()):
            relationships.append(_rel(ids[node.ref], "CONTAINS", ids[target]))
    name = " + ".join(graph.artifact_names)
    body = json.dumps([packages, relationships], sort_keys=True)
    if reproducible:
        digest = hashlib.sha256(body.encode()).hexdigest()
        ns_id = str(uuid.UUID(digest[:32]))
        created = _reproducible_time()
    else:
        ns_id = str(uuid.uuid4())
        created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", name)[:80] or "artifact"
    return {
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": name,
        "documentNamespace": f"{NAMESPACE_BASE}/{slug}-{ns_id}",
        "creationInfo": {"created": created, "creators": [f"Tool: wellcheck-{__version__}"]},
        "packages": packages,
        "relationships": relationships,
    }


def _reproducible_time() -> str:
    raw = os.environ.get("SOURCE_DATE_EPOCH", "0")
    try:
        stamp = int(raw)
    except ValueError:
        stamp = 0
    return datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _spdx_ids(graph: Graph) -> dict[str, str]:
    ids: dict[str, str] = {}
    for n, name in enumerate(graph.artifact_names, start=1):
        ids[graph.artifact_refs[n - 1]] = f"SPDXRef-Artifact-{n}-{_slug(name)}"
    for n, node in enumerate(graph.nodes, start=1):
        c = node.component
        ids[node.ref] = f"SPDXRef-Package-{n}-{_slug(c.name)}-{_slug(c.version or 'unknown')}"
    return ids


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9.]+", "-", text).strip("-")[:60] or "x"


def _rel(element: str, kind: str, related: str) -> dict[str, str]:
    return {"spdxElementId": element, "relationshipType": kind, "relatedSpdxElement": related}


def _artifact_package(info: ArtifactInfo, spdx_id: str, name: str) -> dict[str, Any]:
    pkg: dict[str, Any] = {
        "SPDXID": spdx_id,
        "name": name,
        "versionInfo": f"sha256:{info.sha256.lower()}" if info.sha256 else NOASSERTION,
        "supplier": NOASSERTION,
        "packageFileName": name,
        "downloadLocation": "NOASSERTION",
        "filesAnalyzed": False,
        "primaryPackagePurpose": _PURPOSES.get(info.kind, "FILE"),
        "licenseConcluded": "NOASSERTION",
        "licenseDeclared": "NOASSERTION",
        "copyrightText": "NOASSERTION",
        "comment": f"wellcheck artifact kind: {info.kind}",
    }
    if info.sha256:
        pkg["checksums"] = [{"algorithm": "SHA256", "checksumValue": info.sha256.lower()}]
    return pkg


def _package(c: Component, spdx_id: str) -> dict[str, Any]:
    unclaimed = c.kind is ComponentKind.UNCLAIMED
    licenses = declared_licenses(c)
    pkg: dict[str, Any] = {
        "SPDXID": spdx_id,
        "name": c.display_name or c.name,
        "downloadLocation": "NOASSERTION",
        "filesAnalyzed": False,
        "primaryPackagePurpose": "FILE"
        if unclaimed
        else _COMPONENT_PURPOSES.get(c.kind, "LIBRARY"),
        "licenseConcluded": "NOASSERTION",
        "licenseDeclared": licenses.spdx_declared(),
        "copyrightText": "NOASSERTION",
    }
    pkg["versionInfo"] = c.version or NOASSERTION
    if not licenses.empty and pkg["licenseDeclared"] == "NOASSERTION":
        pkg["licenseComments"] = f"Declared in the metadata: {licenses.describe()}"
    if not unclaimed:
        locator = c.purl
        pkg["externalRefs"] = [
            {
                "referenceCategory": "PACKAGE-MANAGER",
                "referenceType": "purl",
                "referenceLocator": locator,
            }
        ]
    checksums = _checksums(c.hashes)
    if checksums:
        pkg["checksums"] = checksums
    if c.summary:
        pkg["summary"] = c.summary
    homepage = next(
        (
            u
            for label, u in c.project_urls
            if re.sub(r"[^a-z]", "", label.lower()) in _HOMEPAGE_LABELS
        ),
        None,
    )
    if homepage and re.match(r"^https?://\S+$", homepage.strip()):
        pkg["homepage"] = homepage.strip()
    if c.authors and (agent := _agent(c.authors[0])):
        pkg["originator"] = agent
    supplier = _agent(c.maintainers[0]) if c.maintainers else None
    pkg["supplier"] = supplier or NOASSERTION
    pkg["comment"] = _comment(c)
    return pkg


def _bundled_package(package: BundledPackage, spdx_id: str, owner: Component) -> dict[str, Any]:
    pkg: dict[str, Any] = {
        "SPDXID": spdx_id,
        "name": package.name or package.purl or "unnamed",
        "downloadLocation": "NOASSERTION",
        "filesAnalyzed": False,
        "primaryPackagePurpose": "LIBRARY",
        "licenseConcluded": "NOASSERTION",
        "licenseDeclared": "NOASSERTION",
        "copyrightText": "NOASSERTION",
        "comment": f"bundled in {owner.name} {owner.version}; listed in "
        f"{'!'.join((*owner.chain, package.sbom))}"
        + (f"; scope: {package.scope}" if package.scope else ""),
    }
    if package.version:
        pkg["versionInfo"] = package.version
    if package.purl:
        pkg["externalRefs"] = [
            {
                "referenceCategory": "PACKAGE-MANAGER",
                "referenceType": "purl",
                "referenceLocator": package.purl,
            }
        ]
    return pkg


def _agent(person: Person) -> str | None:
    """SPDX agent syntax: ``Person: name (email)`` or ``Organization: ...``; None if no name."""
    name = " ".join((person.name or "").replace("(", " ").replace(")", " ").split())
    if not name:
        return None
    kind = "Organization" if _ORGANISATION.search(name) else "Person"
    return f"{kind}: {name} ({person.email})" if person.email else f"{kind}: {name}"


def _checksums(pairs: Sequence[tuple[str, str]]) -> list[dict[str, str]]:
    out = []
    for alg, value in pairs:
        key = re.sub(r"[^a-z0-9]", "", alg.lower())
        content = value.strip().lower()
        if key in _CHECKSUM_ALGORITHMS and re.fullmatch(r"[0-9a-f]{32,128}", content):
            out.append({"algorithm": _CHECKSUM_ALGORITHMS[key], "checksumValue": content})
    return out


def _comment(c: Component) -> str:
    parts = [f"location: {c.display_location}", f"kind: {c.kind.value}"]
    if c.layer:
        parts.append(f"layer: {c.layer}")
    if c.vendored_by:
        parts.append(f"vendored by: {c.vendored_by}")
    if c.site_root:
        parts.append(f"site root: {c.site_root}")
    return "; ".join(parts)


def check_spdx(doc: Any) -> list[str]:
    """Structural check of an SPDX 2.3 JSON document: what is missing or dangling."""
    errors: list[str] = []
    if not isinstance(doc, dict):
        return ["document is not a JSON object"]
    for key in ("spdxVersion", "dataLicense", "SPDXID", "name", "documentNamespace"):
        if not isinstance(doc.get(key), str) or not doc[key]:
            errors.append(f"missing {key}")
    if doc.get("spdxVersion") != "SPDX-2.3":
        errors.append("spdxVersion is not SPDX-2.3")
    info = doc.get("creationInfo")
    if not isinstance(info, dict) or not info.get("created") or not info.get("creators"):
        errors.append("creationInfo needs created and creators")
    known = {"SPDXRef-DOCUMENT"}
    for pkg in doc.get("packages", []):
        sid = pkg.get("SPDXID", "")
        if not re.fullmatch(r"SPDXRef-[A-Za-z0-9.-]+", sid):
            errors.append(f"bad SPDXID {sid!r}")
        if sid in known:
            errors.append(f"duplicate SPDXID {sid!r}")
        known.add(sid)
        for key in ("name", "downloadLocation"):
            if not pkg.get(key):
                errors.append(f"{sid}: missing {key}")
        if extra := set(pkg) - _PACKAGE_KEYS:
            errors.append(f"{sid}: unknown keys {sorted(extra)}")
        for ref in pkg.get("externalRefs", []):
            if ref.get("referenceCategory") != "PACKAGE-MANAGER" or not ref.get("referenceLocator"):
                errors.append(f"{sid}: bad externalRef {ref!r}")
        for checksum in pkg.get("checksums", []):
            if checksum.get("algorithm") not in _CHECKSUM_ALGORITHMS.values():
                errors.append(f"{sid}: bad checksum algorithm")
    for rel in doc.get("relationships", []):
        for key in ("spdxElementId", "relatedSpdxElement"):
            if rel.get(key) not in known:
                errors.append(f"relationship points at unknown element {rel.get(key)!r}")
    return errors

"""SPDX 2.3 JSON: required fields, purls, licences and relationships."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sbom_factories import demo_components, demo_inventory, dist, spdx_tools_errors

from wellcheck.errors import OutputError
from wellcheck.models import ArtifactInfo, Person
from wellcheck.pipeline import Inventory
from wellcheck.sbom import render_spdx, validate_sbom
from wellcheck.sbom.spdx import check_spdx


def spdx(inventories: list[Inventory], **kw: Any) -> dict[str, Any]:
    text = render_spdx(inventories, **kw)
    doc: dict[str, Any] = json.loads(text)
    assert check_spdx(doc) == []
    validate_sbom(text, "spdx-json")
    return doc


def package(doc: dict[str, Any], name: str) -> dict[str, Any]:
    return next(p for p in doc["packages"] if p["name"] == name)


def test_document_has_the_required_fields() -> None:
    doc = spdx([demo_inventory()])
    assert doc["spdxVersion"] == "SPDX-2.3"
    assert doc["dataLicense"] == "CC0-1.0"
    assert doc["SPDXID"] == "SPDXRef-DOCUMENT"
    assert doc["documentNamespace"].startswith("https://")
    assert doc["creationInfo"]["creators"] == ["Tool: wellcheck-0.1.0"]
    assert len(doc["packages"]) == 1 + len(demo_components())
    for pkg in doc["packages"]:
        assert pkg["downloadLocation"] == "NOASSERTION"
        assert pkg["filesAnalyzed"] is False


def test_packages_carry_purl_version_and_checksums() -> None:
    doc = spdx([demo_inventory()])
    requests = package(doc, "requests")
    assert requests["versionInfo"] == "2.31.0"
    assert requests["externalRefs"] == [
        {
            "referenceCategory": "PACKAGE-MANAGER",
            "referenceType": "purl",
            "referenceLocator": "pkg:pypi/requests@2.31.0",
        }
    ]
    assert requests["originator"] == "Person: Kenneth Reitz (me@kennethreitz.org)"
    assert package(doc, "certifi")["checksums"] == [
        {"algorithm": "SHA256", "checksumValue": "ab" * 32}
    ]
    artifact = package(doc, "demo-layer.zip")
    assert artifact["checksums"] == [{"algorithm": "SHA256", "checksumValue": "cd" * 32}]
    assert "externalRefs" not in package(doc, "sitecustomize")
    assert package(doc, "sitecustomize")["primaryPackagePurpose"] == "FILE"


@pytest.mark.parametrize(
    ("name", "declared"),
    [
        ("idna", "BSD-3-Clause"),  # License-Expression
        ("urllib3", "MIT"),  # classifier
        ("certifi", "MPL-2.0"),  # License field
        ("requests", "NOASSERTION"),  # Apache-2.0 plus a versionless classifier
    ],
)
def test_license_declared(name: str, declared: str) -> None:
    assert package(spdx([demo_inventory()]), name)["licenseDeclared"] == declared


def test_unclear_licences_are_explained_in_a_comment() -> None:
    requests = package(spdx([demo_inventory()]), "requests")
    assert "Apache Software License" in requests["licenseComments"]


def test_invalid_license_expression_is_not_passed_off_as_spdx() -> None:
    odd = dist("odd", "1.0", license_expression="MIT or whatever I like")
    inv = Inventory(ArtifactInfo("fn.zip", "lambda-zip"), (odd,), ())
    assert package(spdx([inv]), "odd")["licenseDeclared"] == "NOASSERTION"


def test_relationships_describe_contain_and_depend() -> None:
    doc = spdx([demo_inventory()])
    ids = {p["name"]: p["SPDXID"] for p in doc["packages"]}
    rels = {
        (r["spdxElementId"], r["relationshipType"], r["relatedSpdxElement"])
        for r in doc["relationships"]
    }
    artifact = ids["demo-layer.zip"]
    assert ("SPDXRef-DOCUMENT", "DESCRIBES", artifact) in rels
    assert all((artifact, "CONTAINS", ids[n]) in rels for n in ids if n != "demo-layer.zip")
    assert (ids["requests"], "DEPENDS_ON", ids["idna"]) in rels
    assert (ids["pip"], "CONTAINS", ids["packaging"]) in rels
    assert not any(r[1] == "DEPENDS_ON" and r[0] == ids["urllib3"] for r in rels)


def test_several_artifacts_are_each_described() -> None:
    doc = spdx([demo_inventory(), demo_inventory(path="fn.zip", kind="lambda-zip")])
    described = [r for r in doc["relationships"] if r["relationshipType"] == "DESCRIBES"]
    assert len(described) == 2
    assert len({p["SPDXID"] for p in doc["packages"]}) == len(doc["packages"])


def test_reproducible_is_byte_identical_and_namespace_follows_content() -> None:
    first = render_spdx([demo_inventory()], reproducible=True)
    assert first == render_spdx([demo_inventory()], reproducible=True)
    assert '"created": "1970-01-01T00:00:00Z"' in first
    other = render_spdx([demo_inventory(path="other.zip")], reproducible=True)
    assert json.loads(first)["documentNamespace"] != json.loads(other)["documentNamespace"]


def test_reproducible_honours_source_date_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    doc = json.loads(render_spdx([demo_inventory()], reproducible=True))
    assert doc["creationInfo"]["created"] == "2023-11-14T22:13:20Z"


def test_default_namespace_is_unique_per_run() -> None:
    one, two = (json.loads(render_spdx([demo_inventory()])) for _ in range(2))
    assert one["documentNamespace"] != two["documentNamespace"]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.pop("documentNamespace"), "documentNamespace"),
        (lambda d: d["packages"][0].update(SPDXID="bad id"), "SPDXID"),
        (lambda d: d["packages"][1].update(colour="red"), "unknown keys"),
        (lambda d: d["packages"][1].pop("downloadLocation"), "downloadLocation"),
        (lambda d: d["relationships"][0].update(relatedSpdxElement="SPDXRef-nope"), "unknown"),
        (lambda d: d["creationInfo"].pop("created"), "creationInfo"),
    ],
)
def test_checker_catches_broken_documents(mutate: Any, message: str) -> None:
    doc = json.loads(render_spdx([demo_inventory()]))
    mutate(doc)
    errors = check_spdx(doc)
    assert errors
    assert any(message in e for e in errors)
    with pytest.raises(OutputError):
        validate_sbom(json.dumps(doc), "spdx-json")


def test_the_official_spdx_tools_accept_the_document(tmp_path: Path) -> None:
    inventories = [demo_inventory(), demo_inventory(path="img.tar", kind="docker-archive")]
    for reproducible in (False, True):
        assert (
            spdx_tools_errors(render_spdx(inventories, reproducible=reproducible), tmp_path) == []
        )


def test_the_official_spdx_tools_do_catch_mistakes(tmp_path: Path) -> None:
    doc = json.loads(render_spdx([demo_inventory()]))
    doc["packages"][1]["licenseDeclared"] = "MIT or whatever I like"
    assert spdx_tools_errors(json.dumps(doc), tmp_path)


def _parsed(text: str, directory: Path) -> Any:
    """The document as the official SPDX tools read it (what NTIA checkers build on)."""
    pytest.importorskip("spdx_tools")
    from spdx_tools.spdx.parser.parse_anything import parse_file

    assert spdx_tools_errors(text, directory) == []
    return parse_file(str(directory / "document.spdx.json"))


def test_every_package_has_the_ntia_minimum_elements(tmp_path: Path) -> None:
    """Issue 12: NTIA's minimum elements (supplier, name, version, identifier, relationship,
    author, timestamp), read the way ntia-conformance-checker reads them (spdx-tools), for a
    file artifact, a directory, and components without a version or maintainers."""
    from spdx_tools.spdx.model import RelationshipType

    inventories = [demo_inventory(), demo_inventory(path="srv/app", kind="directory", sha256=None)]
    doc = _parsed(render_spdx(inventories), tmp_path)
    assert doc.creation_info.creators and doc.creation_info.created
    for pkg in doc.packages:
        assert pkg.name and pkg.spdx_id, pkg
        assert pkg.version, f"{pkg.name} has no version"
        assert pkg.supplier is not None, f"{pkg.name} has no supplier"
    described = {
        r.related_spdx_element_id
        for r in doc.relationships
        if r.relationship_type is RelationshipType.DESCRIBES
    }
    artifacts = [p for p in doc.packages if p.spdx_id in described]
    assert [p.version for p in artifacts] == [f"sha256:{'cd' * 32}", "NOASSERTION"]


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("Amazon Web Services", "ORGANIZATION"),
        ("Google LLC", "ORGANIZATION"),
        ("Python Software Foundation", "ORGANIZATION"),
        ("The Jupyter Development Team", "ORGANIZATION"),
        ("The Python Packaging Authority", "ORGANIZATION"),
        ("NumPy Developers", "ORGANIZATION"),
        ("Kenneth Reitz", "PERSON"),
        ("Andrey Petrov", "PERSON"),
        ("Seth Michael Larson", "PERSON"),
    ],
)
def test_organisations_are_organizations_and_people_persons(
    tmp_path: Path, name: str, kind: str
) -> None:
    """Issue 12: SPDX wrote every author and maintainer as ``Person:``."""
    from spdx_tools.spdx.model import ActorType

    party = (Person(name, "security@example.org"),)
    component = dist("boto3", "1.26.0", authors=party, maintainers=party)
    inventory = Inventory(demo_inventory().artifact, (component,), ())
    [pkg] = [p for p in _parsed(render_spdx([inventory]), tmp_path).packages if p.name == "boto3"]
    for actor in (pkg.originator, pkg.supplier):
        assert actor.actor_type is getattr(ActorType, kind)
        assert (actor.name, actor.email) == (name, "security@example.org")

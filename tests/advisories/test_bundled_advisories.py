"""Advisories for what wheels bundle (issue 12): the OSV API asked by purl for the ecosystems
it covers; what a source cannot cover is not applicable (reported, the scan not incomplete);
what it could not be asked about is not checked (exit 3)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from osv_server import OsvServer
from osvdata import FIXTURES

from wellcheck.advisories.check import AdvisoryCheck
from wellcheck.advisories.index import import_path
from wellcheck.advisories.offline import OfflineSource
from wellcheck.advisories.osv_api import OsvApiSource
from wellcheck.checks import CheckContext, CheckResult
from wellcheck.errors import ExitStatus
from wellcheck.http import RetryPolicy
from wellcheck.models import ArtifactInfo, BundledPackage, Component, ComponentKind, Severity
from wellcheck.policy import FailOn, decide
from wellcheck.report import get_reporter
from wellcheck.scan.target import scan_artifacts

FAST = RetryPolicy(attempts=2, backoff=0.01, max_backoff=0.02, connect_timeout=1.0)
CONTEXT = CheckContext(ArtifactInfo(path="fn.zip", kind="lambda-zip"))
CORE_SBOM = "pydantic_core-2.27.2.dist-info/sboms/pydantic-core.cyclonedx.json"
AUDITWHEEL = "psycopg2_binary-2.9.10.dist-info/sboms/auditwheel.cdx.json"


def crate(name: str, version: str, scope: str = "required", **qualifiers: str) -> BundledPackage:
    query = "&".join(f"{k}={v}" for k, v in qualifiers.items())
    purl = f"pkg:cargo/{name}@{version}" + (f"?{query}" if query else "")
    return BundledPackage(purl, name, version, CORE_SBOM, scope)


def rpm(name: str, version: str) -> BundledPackage:
    return BundledPackage(f"pkg:rpm/centos/{name}@{version}", name, version, AUDITWHEEL)


CORE = Component(
    "pydantic-core",
    "2.27.2",
    ComponentKind.DIST_INFO,
    "pydantic_core-2.27.2.dist-info",
    bundled=(
        crate("pyo3", "0.22.6"),
        crate("paste", "1.0.15"),
        crate("autocfg", "1.4.0", scope="excluded"),  # build-time only: not in the wheel
        crate("pydantic-core", "2.27.2", download_url="file://."),  # the project's own tree
    ),
)
PSYCOPG = Component(
    "psycopg2-binary",
    "2.9.10",
    ComponentKind.DIST_INFO,
    "psycopg2_binary-2.9.10.dist-info",
    bundled=(rpm("krb5-libs", "1.15.1-55.el7_9"), rpm("openssl-libs", "1:1.0.2k-26.el7_9")),
)


def rust_record(rid: str, crate_name: str, fixed: str | None, **extra: Any) -> dict[str, Any]:
    events: list[dict[str, str]] = [{"introduced": "0.0.0-0"}]
    if fixed:
        events.append({"fixed": fixed})
    affected: dict[str, Any] = {
        "package": {
            "ecosystem": "crates.io",
            "name": crate_name,
            "purl": f"pkg:cargo/{crate_name}",
        },
        "ranges": [{"type": "SEMVER", "events": events}],
    }
    affected.update(extra.pop("affected_extra", {}))
    return {
        "id": rid,
        "modified": "2025-04-01T00:00:00Z",
        "summary": f"{crate_name}: {rid}",
        "details": f"details of {rid}",
        "affected": [affected],
        **extra,
    }


PYO3 = rust_record(
    "RUSTSEC-2025-0020", "pyo3", "0.24.1", aliases=["GHSA-pph8-gcv7-4qj5"],
    summary="Risk of buffer overflow in PyString::from_object",
)  # fmt: skip
PYO3_GHSA = rust_record(
    "GHSA-pph8-gcv7-4qj5", "pyo3", "0.24.1", aliases=["RUSTSEC-2025-0020"],
    severity=[{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:N/A:L"}],
)  # fmt: skip
del PYO3_GHSA["affected"][0]["package"]["purl"]  # found by ecosystem and name instead
PASTE = rust_record(
    "RUSTSEC-2024-0436", "paste", None, summary="paste - no longer maintained",
    affected_extra={"database_specific": {"informational": "unmaintained"}},
)  # fmt: skip


@pytest.fixture
def server(osv_server: OsvServer) -> OsvServer:
    osv_server.add_purl(PYO3, "pkg:cargo/pyo3@0.22.6")
    osv_server.add_purl(PYO3_GHSA, "pkg:cargo/pyo3@0.22.6")
    osv_server.add_purl(PASTE, "pkg:cargo/paste@1.0.15")
    return osv_server


def run_api(server: OsvServer, tmp_path: Path, *components: Component) -> CheckResult:
    source = OsvApiSource(server.url, policy=FAST, cache_path=tmp_path / "api.sqlite3")
    try:
        return AdvisoryCheck(source).run(list(components), CONTEXT)
    finally:
        source.close()


def test_the_osv_api_is_asked_by_purl_for_what_a_wheel_bundles(
    server: OsvServer, tmp_path: Path
) -> None:
    result = run_api(server, tmp_path, CORE, PSYCOPG)
    found = {(f.package, f.version): f for f in result.findings}
    assert set(found) == {("pyo3", "0.22.6"), ("paste", "1.0.15")}
    pyo3 = found[("pyo3", "0.22.6")]
    assert (pyo3.rule, pyo3.aliases) == ("GHSA-pph8-gcv7-4qj5", ("RUSTSEC-2025-0020",))  # merged
    assert pyo3.kind == "advisory" and pyo3.severity is Severity.MEDIUM  # the GHSA's CVSS: 4.8
    assert pyo3.title.endswith("(bundled in pydantic-core 2.27.2)")
    assert (pyo3.location, pyo3.path) == ("pydantic_core-2.27.2.dist-info", CORE_SBOM)
    assert pyo3.fixed == "0.24.1"
    assert "upgrade pydantic-core to a release that bundles pyo3 0.24.1" in pyo3.remediation
    assert "pkg:cargo/pyo3@0.22.6" in pyo3.evidence
    paste = found[("paste", "1.0.15")]
    assert paste.severity is Severity.LOW and paste.title.startswith("[unmaintained] ")
    asked = [
        q["package"] for _, ep, body in server.log if ep == "querybatch" for q in body["queries"]
    ]
    purls = sorted(p["purl"] for p in asked if "purl" in p)
    assert purls == ["pkg:cargo/paste@1.0.15", "pkg:cargo/pyo3@0.22.6"]  # not autocfg, not local
    assert result.skipped == ()
    [centos] = result.not_applicable
    assert (centos.source, centos.package, centos.version) == (
        "osv-api",
        "psycopg2-binary",
        "2.9.10",
    )
    assert centos.reason == (
        "2 bundled packages (rpm 2) not checked for advisories: OSV has no ecosystem for rpm/centos"
    )


def test_bundled_packages_osv_could_not_be_asked_about_are_not_checked(
    server: OsvServer, tmp_path: Path
) -> None:
    server.failing_names.add("pkg:cargo/pyo3@0.22.6")
    result = run_api(server, tmp_path, CORE)
    assert result.findings == ()
    [skipped] = result.skipped
    assert (skipped.package, skipped.version) == ("pydantic-core", "2.27.2")
    assert skipped.reason.startswith("2 bundled packages (cargo 2) not checked for advisories: ")
    assert "500" in skipped.reason


def wheel_zip(path: Path) -> Path:
    """A function zip with psycopg2-binary installed, its auditwheel SBOM beside RECORD."""
    sbom = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.4",
        "components": [
            {"type": "library", "name": name, "version": version,
             "purl": f"pkg:rpm/centos/{name}@{version}"}
            for name, version in (("krb5-libs", "1.15.1-55.el7_9"), ("pcre", "8.32-17.el7"))
        ],
    }  # fmt: skip
    dist = "psycopg2_binary-2.9.10.dist-info"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("lambda_function.py", "import psycopg2\n")
        zf.writestr(f"{dist}/METADATA", "Metadata-Version: 2.1\nName: psycopg2-binary\n"
                    "Version: 2.9.10\n\n")  # fmt: skip
        zf.writestr(f"{dist}/RECORD", "")
        zf.writestr(f"{dist}/sboms/auditwheel.cdx.json", json.dumps(sbom))
    return path


def test_offline_the_bundled_packages_are_not_applicable_and_the_scan_complete(
    tmp_path: Path,
) -> None:
    import_path(FIXTURES, tmp_path / "demo.sqlite3")
    source = OfflineSource(tmp_path / "demo.sqlite3")
    try:
        outcome = scan_artifacts([str(wheel_zip(tmp_path / "fn.zip"))], [AdvisoryCheck(source)])
    finally:
        source.close()
    [result] = outcome.results
    assert result.skipped == () and result.complete
    [note] = result.not_applicable
    assert note.reason == (
        "2 bundled packages (rpm 2) not checked for advisories: the osv-offline source holds "
        "PyPI advisories only"
    )
    verdict = decide(outcome, FailOn.HIGH)
    assert verdict.status is ExitStatus.CLEAN
    table = get_reporter("table").render(outcome, verdict)
    assert "2 bundled packages (rpm 2) not checked" in table


def test_the_vdr_names_the_bundled_component(server: OsvServer, tmp_path: Path) -> None:
    zipped = tmp_path / "fn.zip"
    with zipfile.ZipFile(zipped, "w") as zf:
        dist = "pydantic_core-2.27.2.dist-info"
        zf.writestr("lambda_function.py", "import pydantic_core\n")
        zf.writestr(f"{dist}/METADATA", "Metadata-Version: 2.1\nName: pydantic-core\n"
                    "Version: 2.27.2\n\n")  # fmt: skip
        zf.writestr(f"{dist}/RECORD", "")
        sbom = {"bomFormat": "CycloneDX", "specVersion": "1.5", "components": [
            {"type": "library", "name": "pyo3", "version": "0.22.6",
             "purl": "pkg:cargo/pyo3@0.22.6"}]}  # fmt: skip
        zf.writestr(f"{dist}/sboms/pydantic-core.cyclonedx.json", json.dumps(sbom))
    source = OsvApiSource(server.url, policy=FAST, cache_path=tmp_path / "api.sqlite3")
    try:
        outcome = scan_artifacts([str(zipped)], [AdvisoryCheck(source)])
    finally:
        source.close()
    verdict = decide(outcome, FailOn.HIGH)
    doc = json.loads(get_reporter("cyclonedx-json").render(outcome, verdict))
    [vulnerability] = doc["vulnerabilities"]
    [target] = vulnerability["affects"]
    [core] = [c for c in doc["components"] if c["name"] == "pydantic-core"]
    [nested] = core["components"]
    assert target["ref"] == nested["bom-ref"] and nested["purl"] == "pkg:cargo/pyo3@0.22.6"

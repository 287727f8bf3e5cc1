import json

import pytest

from wellcheck.errors import OutputError
from wellcheck.models import ScanOutcome
from wellcheck.policy import Verdict
from wellcheck.report import ReportOptions, get_reporter

Scan = tuple[ScanOutcome, Verdict]

pytest.importorskip("wellcheck.sbom.cyclonedx", reason="SBOM stage not present")


def test_every_finding_that_fails_the_scan_is_a_vulnerability(findings_scan: Scan) -> None:
    from wellcheck.sbom.cyclonedx import validate_cyclonedx

    reporter = get_reporter("cyclonedx-json", ReportOptions(reproducible=True))
    text = reporter.render(*findings_scan)
    assert validate_cyclonedx(text, "json", "1.6") is None
    bom = json.loads(text)
    vulns = {v["id"]: v for v in bom["vulnerabilities"]}
    assert set(vulns) == {
        "GHSA-j8r2-6x86-q33q",
        "GHSA-v845-jxx5-vc9f",
        "PYSEC-2021-108",
        "WC-TYPO-001",  # the typosquat that made this scan fail
    }
    typo = vulns["WC-TYPO-001"]
    assert typo["source"] == {"name": "wellcheck"}
    assert typo["ratings"][0]["severity"] == "high"
    requestz = next(c for c in bom["components"] if c["name"] == "requestz")
    assert typo["affects"] == [
        {"ref": requestz["bom-ref"], "versions": [{"version": "1.0.0", "status": "affected"}]}
    ]
    assert "serialNumber" not in bom
    names = {c["name"] for c in bom["components"]}
    assert {"requests", "urllib3"} <= names
    properties = {p["name"]: p["value"] for p in bom["metadata"]["properties"]}
    assert properties["wellcheck:verdict"].startswith("FAIL: 2 findings at or above")
    assert properties["wellcheck:exit-status"] == "1"


def test_ignored_findings_and_what_was_not_checked_are_kept(incomplete_scan: Scan) -> None:
    from wellcheck.sbom.cyclonedx import validate_cyclonedx

    text = get_reporter("cyclonedx-json").render(*incomplete_scan)
    assert validate_cyclonedx(text, "json", "1.6") is None
    bom = json.loads(text)
    vulns = {v["bom-ref"]: v for v in bom["vulnerabilities"]}
    # the fixture's ignored finding was built by hand, with no reason recorded
    ignored = vulns["vulnerability:GHSA-v845-jxx5-vc9f|ignored"]
    assert ignored["analysis"] == {"detail": "ignored (no reason recorded)"}
    assert "analysis" not in vulns["vulnerability:GHSA-j8r2-6x86-q33q"]
    properties: dict[str, list[str]] = {}
    for p in bom["metadata"]["properties"]:
        properties.setdefault(p["name"], []).append(p["value"])
    assert properties["wellcheck:exit-status"] == ["2"]
    assert properties["wellcheck:not-checked"] == [
        "dist/function.zip: osv-api: timed out after 3 attempts (requests)",
        "dist/function.zip: popular-names: snapshot unreadable",
    ]
    assert properties["wellcheck:error"] == ["missing.zip: No such file or directory: missing.zip"]
    assert properties["wellcheck:note"] == ["ignore entry for X expired on 2026-01-01"]


def test_clean_scan_is_still_an_sbom(clean_scan: Scan) -> None:
    bom = json.loads(get_reporter("cyclonedx-json").render(*clean_scan))
    assert bom["bomFormat"] == "CycloneDX"
    assert not bom.get("vulnerabilities")


def test_only_unreadable_artifacts_is_an_output_error(incomplete_scan: Scan) -> None:
    outcome, verdict = incomplete_scan
    only_broken = ScanOutcome(outcome.results[1:])
    with pytest.raises(OutputError, match="nothing to describe"):
        get_reporter("cyclonedx-json").render(only_broken, verdict)

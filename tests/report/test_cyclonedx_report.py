import json

import pytest

from wellcheck.errors import OutputError
from wellcheck.models import ScanOutcome
from wellcheck.policy import Verdict
from wellcheck.report import ReportOptions, get_reporter

Scan = tuple[ScanOutcome, Verdict]

pytest.importorskip("wellcheck.sbom.cyclonedx", reason="SBOM stage not present")


def test_vdr_lists_advisories_against_components(findings_scan: Scan) -> None:
    from wellcheck.sbom.cyclonedx import validate_cyclonedx

    reporter = get_reporter("cyclonedx-json", ReportOptions(reproducible=True))
    text = reporter.render(*findings_scan)
    assert validate_cyclonedx(text, "json", "1.6") is None
    bom = json.loads(text)
    ids = {v["id"] for v in bom["vulnerabilities"]}
    assert {"GHSA-j8r2-6x86-q33q", "GHSA-v845-jxx5-vc9f", "PYSEC-2021-108"} <= ids
    assert "WC-TYPO-001" not in ids  # signals are not vulnerabilities
    assert "serialNumber" not in bom
    names = {c["name"] for c in bom["components"]}
    assert {"requests", "urllib3"} <= names


def test_clean_scan_is_still_an_sbom(clean_scan: Scan) -> None:
    bom = json.loads(get_reporter("cyclonedx-json").render(*clean_scan))
    assert bom["bomFormat"] == "CycloneDX"
    assert not bom.get("vulnerabilities")


def test_only_unreadable_artifacts_is_an_output_error(incomplete_scan: Scan) -> None:
    outcome, verdict = incomplete_scan
    only_broken = ScanOutcome(outcome.results[1:])
    with pytest.raises(OutputError, match="nothing to describe"):
        get_reporter("cyclonedx-json").render(only_broken, verdict)

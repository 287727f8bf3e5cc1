import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from wellcheck.models import ScanOutcome
from wellcheck.policy import Verdict
from wellcheck.report import get_reporter

SARIF_SCHEMA = Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json"

Scan = tuple[ScanOutcome, Verdict]


def render(scan: Scan) -> dict[str, Any]:
    return json.loads(get_reporter("sarif").render(*scan))  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft7Validator:
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())


def test_every_outcome_is_valid_sarif_2_1_0(
    any_outcome: Scan, validator: jsonschema.Draft7Validator
) -> None:
    log = render(any_outcome)
    assert [e.message for e in validator.iter_errors(log)] == []
    assert log["version"] == "2.1.0"


def test_one_rule_per_advisory_with_security_severity(findings_scan: Scan) -> None:
    run = render(findings_scan)["runs"][0]
    rules = {rule["id"]: rule for rule in run["tool"]["driver"]["rules"]}
    assert sorted(rules) == [
        "GHSA-j8r2-6x86-q33q",
        "GHSA-v845-jxx5-vc9f",
        "PYSEC-2021-108",
        "WC-TYPO-001",
    ]
    leak = rules["GHSA-j8r2-6x86-q33q"]
    assert leak["properties"]["security-severity"] == "6.1"
    assert leak["helpUri"] == "https://osv.dev/vulnerability/GHSA-j8r2-6x86-q33q"
    assert "security" in leak["properties"]["tags"]
    # no CVSS score: a representative score for the level, so GitHub can rank it
    assert rules["PYSEC-2021-108"]["properties"]["security-severity"] == "5.5"


def test_results_point_at_the_metadata_file_inside_the_artifact(findings_scan: Scan) -> None:
    run = render(findings_scan)["runs"][0]
    result = next(r for r in run["results"] if r["ruleId"] == "GHSA-j8r2-6x86-q33q")
    location = result["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location["uri"] == "python/requests-2.25.1.dist-info/METADATA"
    base = run["originalUriBaseIds"][location["uriBaseId"]]["uri"]
    assert base.startswith("file://")
    assert base.endswith("dist/function.zip/")
    assert result["level"] == "warning"
    assert "fixed in 2.31.0" in result["message"]["text"]
    levels = {r["ruleId"]: r["level"] for r in run["results"]}
    assert levels["GHSA-v845-jxx5-vc9f"] == "error"


def test_fingerprints_are_stable_between_runs(findings_scan: Scan) -> None:
    first = [r["partialFingerprints"] for r in render(findings_scan)["runs"][0]["results"]]
    second = [r["partialFingerprints"] for r in render(findings_scan)["runs"][0]["results"]]
    assert first == second
    assert len({fp["wellcheckFinding/v1"] for fp in first}) == len(first)


def test_clean_scan_is_a_successful_run_with_no_results(clean_scan: Scan) -> None:
    run = render(clean_scan)["runs"][0]
    assert run["results"] == []
    assert run["invocations"][0]["executionSuccessful"] is True


def test_incomplete_scan_is_not_a_successful_execution(incomplete_scan: Scan) -> None:
    run = render(incomplete_scan)["runs"][0]
    invocation = run["invocations"][0]
    assert invocation["executionSuccessful"] is False
    texts = [n["message"]["text"] for n in invocation["toolExecutionNotifications"]]
    assert any("osv-api: timed out after 3 attempts" in t for t in texts)
    assert any("missing.zip" in t for t in texts)
    suppressed = [r for r in run["results"] if r.get("suppressions")]
    assert [r["ruleId"] for r in suppressed] == ["GHSA-v845-jxx5-vc9f"]


def test_schema_catches_an_invalid_level(
    findings_scan: Scan, validator: jsonschema.Draft7Validator
) -> None:
    log = render(findings_scan)
    log["runs"][0]["results"][0]["level"] = "critical"
    assert not validator.is_valid(log)


def test_a_signal_rule_about_several_packages_is_described_generically() -> None:
    from dataclasses import replace

    from wellcheck.models import ArtifactInfo, ArtifactResult, Finding, Severity
    from wellcheck.policy import FailOn, decide

    first = Finding(
        kind="typosquat",
        rule="WC-TYPO-SWAP",
        package="reqeusts",
        version="0.0.1",
        severity=Severity.HIGH,
        title="reqeusts imitates requests",
    )
    second = replace(first, package="urlib3", title="urlib3 imitates urllib3")
    result = ArtifactResult(ArtifactInfo("f.zip", "lambda-zip"), (), (first, second))
    outcome = ScanOutcome((result,))
    run = render((outcome, decide(outcome, FailOn.HIGH)))["runs"][0]
    (rule,) = run["tool"]["driver"]["rules"]
    assert rule["shortDescription"]["text"] == "wellcheck typosquat signal WC-TYPO-SWAP"
    assert [r["message"]["text"] for r in run["results"]] == [
        "reqeusts 0.0.1: WC-TYPO-SWAP: reqeusts imitates requests.",
        "urlib3 0.0.1: WC-TYPO-SWAP: urlib3 imitates urllib3.",
    ]

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
    # the artifact is part of the URI: GitHub ignores uriBaseId
    assert location["uri"] == "dist/function.zip/python/requests-2.25.1.dist-info/METADATA"
    base = run["originalUriBaseIds"][location["uriBaseId"]]["uri"]
    assert base == Path.cwd().resolve().as_uri() + "/"
    assert result["level"] == "warning"
    assert "fixed in 2.31.0" in result["message"]["text"]
    levels = {r["ruleId"]: r["level"] for r in run["results"]}
    assert levels["GHSA-v845-jxx5-vc9f"] == "error"


def test_fingerprints_are_stable_between_runs(findings_scan: Scan) -> None:
    first = [r["partialFingerprints"] for r in render(findings_scan)["runs"][0]["results"]]
    second = [r["partialFingerprints"] for r in render(findings_scan)["runs"][0]["results"]]
    assert first == second
    assert len({fp["wellcheckFinding/v2"] for fp in first}) == len(first)


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
        "reqeusts 0.0.1 in f.zip: WC-TYPO-SWAP: reqeusts imitates requests.",
        "urlib3 0.0.1 in f.zip: WC-TYPO-SWAP: urlib3 imitates urllib3.",
    ]


def parts(scan: Scan) -> dict[str, Any]:
    """The conftest outcome's components and findings, by name and by rule."""
    (result,) = scan[0].results[:1]
    found: dict[str, Any] = {c.name: c for c in result.components}
    found.update({f.rule: f for f in result.findings})
    return found


def test_two_artifacts_with_the_same_package_give_two_alerts(findings_scan: Scan) -> None:
    from wellcheck.models import ArtifactInfo, ArtifactResult
    from wellcheck.policy import FailOn, decide

    given = parts(findings_scan)
    results = tuple(
        ArtifactResult(
            ArtifactInfo(path, "lambda-zip", sha256="ab" * 32),
            (given["requests"],),
            (given["GHSA-j8r2-6x86-q33q"],),
        )
        for path in ("dist/orders.zip", "dist/payments.zip")
    )
    outcome = ScanOutcome(results)
    run = render((outcome, decide(outcome, FailOn.HIGH)))["runs"][0]
    first, second = run["results"]
    assert first["partialFingerprints"] != second["partialFingerprints"]
    uris = [
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]
    ]
    assert uris == [
        "dist/orders.zip/python/requests-2.25.1.dist-info/METADATA",
        "dist/payments.zip/python/requests-2.25.1.dist-info/METADATA",
    ]
    assert "requests 2.25.1 in dist/orders.zip: GHSA-j8r2-6x86-q33q" in first["message"]["text"]
    assert "requests 2.25.1 in dist/payments.zip: " in second["message"]["text"]
    artifacts = [(a["location"]["uri"], a["hashes"]["sha-256"]) for a in run["artifacts"]]
    assert artifacts == [("dist/orders.zip", "ab" * 32), ("dist/payments.zip", "ab" * 32)]
    assert run["tool"]["driver"]["informationUri"].startswith("https://")


def test_a_finding_about_a_file_is_located_at_its_line(
    findings_scan: Scan, validator: jsonschema.Draft7Validator
) -> None:
    from dataclasses import replace

    from wellcheck.models import ArtifactInfo, ArtifactResult
    from wellcheck.policy import FailOn, decide

    given = parts(findings_scan)
    finding = replace(given["WC-TYPO-001"], path="python/requestz/api.py", line=42)
    artifact = ArtifactInfo("/elsewhere/fn.zip", "zip")
    outcome = ScanOutcome((ArtifactResult(artifact, (given["requestz"],), (finding,)),))
    log = render((outcome, decide(outcome, FailOn.HIGH)))
    assert [e.message for e in validator.iter_errors(log)] == []
    physical = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert physical["region"] == {"startLine": 42}
    # outside the working directory: an absolute file URI, no base
    assert physical["artifactLocation"] == {
        "uri": "file:///elsewhere/fn.zip/python/requestz/api.py"
    }


def test_results_beyond_githubs_limit_are_cut_with_a_note(findings_scan: Scan) -> None:
    from dataclasses import replace

    from wellcheck.models import ArtifactInfo, ArtifactResult, Severity
    from wellcheck.policy import FailOn, decide
    from wellcheck.report.sarif_report import GITHUB_MAX_RESULTS, sarif_log

    typo = parts(findings_scan)["WC-TYPO-001"]
    low = [replace(typo, package=f"p{n}", severity=Severity.LOW) for n in range(GITHUB_MAX_RESULTS)]
    critical = replace(typo, package="zz-last", severity=Severity.CRITICAL)
    outcome = ScanOutcome((ArtifactResult(ArtifactInfo("fleet.zip", "zip"), (), (*low, critical)),))
    log = sarif_log(outcome, decide(outcome, FailOn.HIGH))
    (run,) = log["runs"]
    assert len(run["results"]) == GITHUB_MAX_RESULTS
    assert run["results"][0]["level"] == "error"  # the critical one is kept, first
    assert run["properties"]["truncated"] == {"kept": 25_000, "total": 25_001}
    notes = run["invocations"][0]["toolExecutionNotifications"]
    (cut,) = [n for n in notes if n.get("descriptor", {}).get("id") == "WC-SARIF-TRUNCATED"]
    assert cut["message"]["text"].startswith("1 of 25001 results left out")

import json
from pathlib import Path

import jsonschema
import pytest

from wellcheck.models import ScanOutcome
from wellcheck.policy import Verdict
from wellcheck.report import get_reporter

SCHEMA = Path(__file__).parents[2] / "schemas" / "wellcheck-report.schema.json"

Scan = tuple[ScanOutcome, Verdict]


def render(scan: Scan) -> dict[str, object]:
    return json.loads(get_reporter("json").render(*scan))  # type: ignore[no-any-return]


def test_every_outcome_validates_against_the_published_schema(any_outcome: Scan) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    errors = [e.message for e in validator.iter_errors(render(any_outcome))]
    assert errors == []


def test_schema_rejects_a_report_missing_the_verdict(findings_scan: Scan) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    report = render(findings_scan)
    del report["verdict"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(report, schema, cls=jsonschema.Draft202012Validator)


def test_findings_carry_advisory_ids_aliases_and_fix(findings_scan: Scan) -> None:
    report = render(findings_scan)
    assert report["version"] == 1
    artifact = report["artifacts"][0]  # type: ignore[index]
    assert artifact["artifact"]["path"] == "dist/function.zip"
    assert next(c["purl"] for c in artifact["components"]) == "pkg:pypi/requests@2.25.1"
    by_rule = {f["rule"]: f for f in artifact["findings"]}
    leak = by_rule["GHSA-j8r2-6x86-q33q"]
    assert leak["package"] == "requests"
    assert leak["fixed"] == "2.31.0"
    assert leak["aliases"] == ["CVE-2023-32681", "PYSEC-2023-74"]
    assert leak["severity"] == "medium"
    # most severe first
    assert [f["severity"] for f in artifact["findings"]][:2] == ["high", "high"]


def test_verdict_is_in_the_report(findings_scan: Scan) -> None:
    verdict = render(findings_scan)["verdict"]
    assert verdict["exit_status"] == 1  # type: ignore[index]
    assert verdict["failing"] == 2  # type: ignore[index]
    assert verdict["fail_on"] == "high"  # type: ignore[index]


def test_clean_scan_is_still_a_full_document(clean_scan: Scan) -> None:
    report = render(clean_scan)
    assert report["verdict"]["exit_status"] == 0  # type: ignore[index]
    assert report["artifacts"][0]["findings"] == []  # type: ignore[index]
    assert report["artifacts"][0]["components"][0]["name"] == "requests"  # type: ignore[index]


def test_incomplete_scan_lists_what_was_not_checked(incomplete_scan: Scan) -> None:
    report = render(incomplete_scan)
    first, broken = report["artifacts"]  # type: ignore[misc]
    assert first["complete"] is False
    assert first["not_checked"][0] == {
        "source": "osv-api",
        "reason": "timed out after 3 attempts",
        "package": "requests",
        "version": None,
    }
    assert [f["rule"] for f in first["ignored"]] == ["GHSA-v845-jxx5-vc9f"]
    assert broken["error"].startswith("No such file")
    assert report["verdict"]["exit_status"] == 2  # type: ignore[index]
    assert report["notes"] == ["ignore entry for X expired on 2026-01-01"]


def test_why_a_finding_is_ignored_is_in_the_report_and_survives_merge(
    incomplete_scan: Scan,
) -> None:
    from dataclasses import replace

    from wellcheck.models import Suppression
    from wellcheck.report.json_load import ReportInputError, parse_report

    outcome, verdict = incomplete_scan
    why = Suppression("fixed in our fork", "vex.json, statement 3", "resolved", None)
    first = outcome.results[0]
    ignored = tuple(replace(f, suppression=why) for f in first.ignored)
    outcome = ScanOutcome((replace(first, ignored=ignored), *outcome.results[1:]), outcome.notes)
    text = get_reporter("json").render(outcome, verdict)
    report = json.loads(text)
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.validate(report, schema, cls=jsonschema.Draft202012Validator)
    assert report["artifacts"][0]["ignored"][0]["suppression"] == {
        "reason": "fixed in our fork",
        "origin": "vex.json, statement 3",
        "state": "resolved",
        "justification": None,
    }
    loaded = parse_report(text, "part1.json")
    assert [f.suppression for f in loaded.outcome.results[0].ignored] == [why]
    tampered = text.replace('"state": "resolved"', '"state": "fine"')
    with pytest.raises(ReportInputError, match=r"suppression\.state"):
        parse_report(tampered, "part1.json")

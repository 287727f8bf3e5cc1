"""The lambda-config check and --expect, table-driven (no network)."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import date
from pathlib import Path

import pytest
from fixtures.build import install_all, zip_bytes

from wellcheck.aws import (
    RULE_CODE_MISMATCH,
    RULE_RUNTIME_EOL,
    RULE_TIMEOUT_MAX,
    ExpectError,
    LambdaConfigCheck,
    expected_code_sha256,
)
from wellcheck.aws.runtimes import PYTHON_RUNTIME_DEPRECATION
from wellcheck.aws.targets import LambdaTarget
from wellcheck.checks import CheckContext
from wellcheck.models import ArtifactInfo, Severity
from wellcheck.pipeline import inventory_artifact
from wellcheck.sbom import render_sbom

TODAY = date(2026, 11, 30)
CONTEXT = CheckContext(artifact=ArtifactInfo(path="lambda:f", kind="lambda-zip"))
SHA = base64.b64encode(hashlib.sha256(b"deployed").digest()).decode()


def _target(**changes: object) -> LambdaTarget:
    fields: dict[str, object] = {
        "label": "lambda:f:live",
        "zip_path": None,
        "function_name": "f",
        "runtime": "python3.12",
        "timeout": 30,
        "code_sha256": SHA,
        "package_type": "Zip",
        "version": "4",
        "qualifier": "live",
    }
    fields.update(changes)
    return LambdaTarget(**fields)  # type: ignore[arg-type]


def _rules(target: LambdaTarget, today: date = TODAY, expected: str | None = None) -> set[str]:
    check = LambdaConfigCheck(target, expected_sha256=expected, today=today)
    return {f.rule for f in check.run((), CONTEXT).findings}


@pytest.mark.parametrize(
    ("runtime", "today", "flagged"),
    [
        ("python2.7", TODAY, True),
        ("python3.6", TODAY, True),
        ("python3.7", TODAY, True),
        ("python3.8", TODAY, True),
        ("python3.9", TODAY, True),
        ("python3.9", date(2025, 12, 14), False),  # the day before end of support
        ("python3.9", date(2025, 12, 15), True),
        ("python3.10", TODAY, True),
        ("python3.11", TODAY, False),
        ("python3.12", TODAY, False),
        ("python3.13", TODAY, False),
        ("python3.99", TODAY, False),  # unknown: no claim either way
        ("nodejs20.x", TODAY, False),
        (None, TODAY, False),
    ],
)
def test_runtime_end_of_support(runtime: str | None, today: date, flagged: bool) -> None:
    assert (RULE_RUNTIME_EOL in _rules(_target(runtime=runtime), today)) is flagged


def test_runtime_table_covers_every_python_lambda_has_had() -> None:
    assert {"python2.7", "python3.6", "python3.7", "python3.8", "python3.9"} <= set(
        PYTHON_RUNTIME_DEPRECATION
    )
    dates = [PYTHON_RUNTIME_DEPRECATION[f"python3.{minor}"] for minor in range(6, 14)]
    assert dates == sorted(dates)


@pytest.mark.parametrize(("timeout", "flagged"), [(900, True), (899, False), (3, False)])
def test_timeout_at_the_maximum(timeout: int, flagged: bool) -> None:
    assert (RULE_TIMEOUT_MAX in _rules(_target(timeout=timeout))) is flagged


def test_timeout_finding_is_medium_and_names_the_function() -> None:
    check = LambdaConfigCheck(_target(timeout=900), today=TODAY)
    [finding] = check.run((), CONTEXT).findings
    assert (finding.kind, finding.severity) == ("lambda", Severity.MEDIUM)
    assert (finding.package, finding.version, finding.location) == ("f", "4", "lambda:f:live")


def test_code_mismatch_only_when_expected_differs() -> None:
    other = base64.b64encode(hashlib.sha256(b"ci build").digest()).decode()
    assert RULE_CODE_MISMATCH in _rules(_target(), expected=other)
    assert RULE_CODE_MISMATCH not in _rules(_target(), expected=SHA)
    assert RULE_CODE_MISMATCH not in _rules(_target(), expected=None)


def test_no_code_sha256_to_compare_is_not_checked_rather_than_clean() -> None:
    check = LambdaConfigCheck(_target(code_sha256=None), expected_sha256=SHA, today=TODAY)
    result = check.run((), CONTEXT)
    assert result.findings == ()
    [skipped] = result.skipped
    assert skipped.source == "lambda-config" and "CodeSha256" in skipped.reason


def test_layer_findings_use_the_layer_name() -> None:
    arn = "arn:aws:lambda:us-east-1:123456789012:layer:deps:3"
    layer = _target(
        label=arn,
        function_name=None,
        runtime=None,
        timeout=None,
        kind="layer",
        arn=arn,
        version="3",
        qualifier=None,
        package_type="Layer",
    )
    check = LambdaConfigCheck(layer, expected_sha256="AAAA", today=TODAY)
    [finding] = check.run((), CONTEXT).findings
    assert (finding.rule, finding.package, finding.version) == (RULE_CODE_MISMATCH, "deps", "3")


# --- --expect --------------------------------------------------------------------


@pytest.fixture
def built_zip(tmp_path: Path) -> Path:
    path = tmp_path / "function.zip"
    path.write_bytes(zip_bytes(install_all(("requests-2.25.1", "idna-2.10"))))
    return path


def _lambda_style(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def test_expect_zip_hashes_like_lambda(built_zip: Path) -> None:
    assert expected_code_sha256(built_zip) == _lambda_style(built_zip.read_bytes())


@pytest.mark.parametrize("fmt", ["cyclonedx-json", "spdx-json"])
def test_expect_sbom_written_by_wellcheck(built_zip: Path, tmp_path: Path, fmt: str) -> None:
    sbom = tmp_path / f"function.{fmt}.json"
    sbom.write_text(render_sbom([inventory_artifact(str(built_zip))], fmt, reproducible=True))
    assert expected_code_sha256(sbom) == _lambda_style(built_zip.read_bytes())


def test_expect_sbom_of_several_artifacts_is_refused(built_zip: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.zip"
    other.write_bytes(zip_bytes(install_all(("six-1.16.0",))))
    inventories = [inventory_artifact(str(built_zip)), inventory_artifact(str(other))]
    sbom = tmp_path / "two.cdx.json"
    sbom.write_text(render_sbom(inventories, "cyclonedx-json", reproducible=True))
    with pytest.raises(ExpectError, match="2 artifacts"):
        expected_code_sha256(sbom)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"bomFormat": "CycloneDX", "metadata": {"component": {"name": "x"}}}', "no SHA-256"),
        ('{"bomFormat": "CycloneDX", "metadata": []}', "no SHA-256"),
        ('{"not": "an sbom"}', "CycloneDX or SPDX"),
        ('{"truncated": ', "not valid JSON"),
        (json.dumps({"spdxVersion": "SPDX-2.3", "packages": []}), "describes no artifact"),
    ],
)
def test_expect_unusable_json_is_a_clear_error(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "expect.json"
    path.write_text(content)
    with pytest.raises(ExpectError, match=message) as info:
        expected_code_sha256(path)
    assert info.value.exit_status == 2


def test_expect_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ExpectError, match="cannot read --expect file"):
        expected_code_sha256(tmp_path / "absent.zip")

"""Exact locations (issue 12): a file-level finding points at the file it is about, with a
line where there is one, behind the chain of nested archives; not at the package's METADATA."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from test_integrity import Files, install, requests_install

from wellcheck.models import Finding, ScanOutcome
from wellcheck.policy import FailOn, decide
from wellcheck.report import get_reporter
from wellcheck.scan.target import scan_artifacts
from wellcheck.signals.integrity import IntegrityCheck

DIST = "requests-2.32.3.dist-info"


def _boto3() -> Files:
    files, _ = install(
        "boto3", "1.35.0", {"boto3/__init__.py": b"", "boto3/session.py": b""}, site=""
    )
    return files


def _modified(files: Files) -> None:
    files["requests/api.py"] = b"def get(url):\n    return 'http://evil' + url\n"


def _added(files: Files) -> None:
    files.update(_boto3())
    files["boto3/evil.py"] = b"import os\n"


def _missing(files: Files) -> None:
    del files["requests/adapters.py"]  # RECORD line 3 (__init__, api, adapters)


def _bad_record(files: Files) -> None:
    lines = files[f"{DIST}/RECORD"].decode().splitlines()
    lines.insert(1, "requests/help.py,md5=1B2M2Y8AsgTpgAmY7PhCfg,0")
    files[f"{DIST}/RECORD"] = ("\n".join(lines) + "\n").encode()


def _outside(files: Files) -> None:
    lines = files[f"{DIST}/RECORD"].decode().splitlines()
    lines.insert(2, "../../share/requests/NOTICE,,")
    files[f"{DIST}/RECORD"] = ("\n".join(lines) + "\n").encode()


def _empty_record(files: Files) -> None:
    files[f"{DIST}/RECORD"] = b"\n"


def _pth(files: Files) -> None:
    files["zz_evil.pth"] = b"# a path first\n/opt/elsewhere\nimport os; os.system('id')\n"


def _start(files: Files) -> None:
    files["zz_evil.start"] = b"# calls at start-up\r\n\r\n  evil.hook:run\n"


CASES: list[tuple[str, Callable[[Files], None], str, str, int | None]] = [
    ("modified", _modified, "WC-INTEG-MODIFIED", "requests/api.py", None),
    ("added", _added, "WC-INTEG-UNRECORDED", "boto3/evil.py", None),
    ("missing", _missing, "WC-INTEG-MISSING", f"{DIST}/RECORD", 3),
    ("weak-hash", _bad_record, "WC-INTEG-BAD-RECORD", f"{DIST}/RECORD", 2),
    ("outside", _outside, "WC-INTEG-OUTSIDE", f"{DIST}/RECORD", 3),
    ("empty-record", _empty_record, "WC-INTEG-NO-RECORD", f"{DIST}/RECORD", None),
    ("pth-exec", _pth, "WC-PTH-EXEC", "zz_evil.pth", 3),
    ("pth-path", _pth, "WC-PTH-PATH", "zz_evil.pth", 2),
    ("start-entry-point", _start, "WC-STARTUP-ENTRYPOINT", "zz_evil.start", 3),
]


def _zip(files: Files) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def _scan(tmp_path: Path, files: Files, *, nested: str | None = None) -> ScanOutcome:
    outer: Files = {"lambda_function.py": b"import requests\n"}
    if nested:
        outer[nested] = _zip(files)
    else:
        outer.update(files)
    artifact = tmp_path / "function.zip"
    artifact.write_bytes(_zip(outer))
    outcome = scan_artifacts([str(artifact)], [IntegrityCheck(workers=1)])
    assert outcome.results[0].error is None
    return outcome


def _one(outcome: ScanOutcome, rule: str) -> Finding:
    (finding,) = [f for f in outcome.results[0].findings if f.rule == rule]
    return finding


@pytest.mark.parametrize(("case", "change", "rule", "path", "line"), CASES)
def test_a_file_level_finding_points_at_its_file_and_line(
    tmp_path: Path,
    case: str,
    change: Callable[[Files], None],
    rule: str,
    path: str,
    line: int | None,
) -> None:
    files, _ = requests_install(site="")
    change(files)
    finding = _one(_scan(tmp_path, files), rule)
    assert (finding.path, finding.line) == (path, line), case


def test_the_location_stays_the_packages_metadata(tmp_path: Path) -> None:
    files, _ = requests_install(site="")
    _modified(files)
    finding = _one(_scan(tmp_path, files), "WC-INTEG-MODIFIED")
    assert finding.location == DIST
    assert finding.path == "requests/api.py"


def test_a_nested_archive_is_named_before_the_file(tmp_path: Path) -> None:
    files, _ = requests_install(site="")
    _modified(files)
    _missing(files)
    outcome = _scan(tmp_path, files, nested="vendor/deps.zip")
    modified = _one(outcome, "WC-INTEG-MODIFIED")
    assert modified.path == "vendor/deps.zip!requests/api.py"
    missing = _one(outcome, "WC-INTEG-MISSING")
    assert (missing.path, missing.line) == (f"vendor/deps.zip!{DIST}/RECORD", 3)


def test_sarif_and_json_carry_the_file_and_line(tmp_path: Path) -> None:
    files, _ = requests_install(site="")
    _modified(files)
    _pth(files)
    outcome = _scan(tmp_path, files)
    verdict = decide(outcome, FailOn.HIGH)
    sarif = json.loads(get_reporter("sarif").render(outcome, verdict))
    places = {
        r["ruleId"]: r["locations"][0]["physicalLocation"] for r in sarif["runs"][0]["results"]
    }
    assert places["WC-INTEG-MODIFIED"]["artifactLocation"]["uri"].endswith("requests/api.py")
    assert "region" not in places["WC-INTEG-MODIFIED"]
    assert places["WC-PTH-EXEC"]["artifactLocation"]["uri"].endswith("zz_evil.pth")
    assert places["WC-PTH-EXEC"]["region"] == {"startLine": 3}
    report = json.loads(get_reporter("json").render(outcome, verdict))
    rows = {f["rule"]: (f["path"], f["line"]) for f in report["artifacts"][0]["findings"]}
    assert rows["WC-INTEG-MODIFIED"] == ("requests/api.py", None)

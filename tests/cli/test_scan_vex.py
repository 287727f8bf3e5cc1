"""``wellcheck scan --vex`` and ``--format cyclonedx-json`` end to end: a generated function
zip, an authored OSV index (the real GHSA-j8r2-6x86-q33q facts), VEX documents written as
vexctl and Dependency-Track write them."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from wellcheck.sbom.cyclonedx import validate_cyclonedx

REPORT_SCHEMA = Path(__file__).parents[2] / "schemas" / "wellcheck-report.schema.json"
# Real advisory facts (GHSA-j8r2-6x86-q33q, CVE-2023-32681): requests >=2.3.0,<2.31.0.
REQUESTS_LEAK = {
    "schema_version": "1.4.0",
    "id": "GHSA-j8r2-6x86-q33q",
    "modified": "2023-06-12T20:41:08Z",
    "aliases": ["CVE-2023-32681"],
    "summary": "Unintended leak of Proxy-Authorization header in requests",
    "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:C/C:H/I:N/A:N"}],
    "affected": [
        {
            "package": {"ecosystem": "PyPI", "name": "requests", "purl": "pkg:pypi/requests"},
            "ranges": [
                {"type": "ECOSYSTEM", "events": [{"introduced": "2.3.0"}, {"fixed": "2.31.0"}]}
            ],
        }
    ],
}


def function_zip(path: Path, hook: bool) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("lambda_function.py", "def handler(event, context):\n    return 1\n")
        info = "requests-2.25.1.dist-info"
        zf.writestr(
            f"{info}/METADATA", "Metadata-Version: 2.1\nName: requests\nVersion: 2.25.1\n\n"
        )
        zf.writestr(f"{info}/RECORD", f"requests/__init__.py,,\n{info}/METADATA,,\n")
        zf.writestr("requests/__init__.py", "")
        if hook:
            zf.writestr("zz-hook.pth", "# set up\nimport os; os.system('id')\n")
    return path


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from wellcheck.advisories.index import build_index

    base = tmp_path_factory.mktemp("scan-vex")
    build_index([REQUESTS_LEAK], base / "osv.sqlite3", source="test records")
    function_zip(base / "function.zip", hook=False)
    function_zip(base / "hooked.zip", hook=True)
    return base


Runner = Callable[..., subprocess.CompletedProcess[str]]


def environment(workdir: Path) -> dict[str, str]:
    return {
        "WELLCHECK_CACHE_DIR": str(workdir / "cache"),
        "WELLCHECK_DB": str(workdir / "osv.sqlite3"),
        "NO_COLOR": "1",
    }


@pytest.fixture
def scan(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Runner:
    """``wellcheck scan ARGS`` through the console entry point, in this process (fast).

    Every command module is imported first: ``main`` imports only the one its command line
    names, once per process, and later in-process runs of other commands need theirs.
    """
    from wellcheck.cli import main
    from wellcheck.cli.app import COMMAND_MODULES

    for module in COMMAND_MODULES:
        importlib.import_module(f"wellcheck.cli.{module}")

    for key, value in environment(workdir).items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(workdir)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        monkeypatch.setattr(sys, "argv", ["wellcheck", "scan", *args])
        capsys.readouterr()
        with pytest.raises(SystemExit) as exited:
            main()
        out, err = capsys.readouterr()
        code = exited.value.code
        return subprocess.CompletedProcess(args, code if isinstance(code, int) else 1, out, err)

    return run


def write_openvex(path: Path, status: str, timestamp: str, **extra: Any) -> Path:
    statement = {
        "vulnerability": {"name": "CVE-2023-32681"},
        "products": [{"@id": "pkg:pypi/requests@2.25.1"}],
        "status": status,
        **extra,
    }
    document = {
        "@context": "https://openvex.dev/ns/v0.2.0",
        "@id": "https://openvex.dev/docs/public/vex-wellcheck-test",
        "author": "Platform team",
        "timestamp": timestamp,
        "version": 1,
        "statements": [statement],
    }
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_an_openvex_statement_suppresses_the_advisory_it_names(workdir: Path, scan: Runner) -> None:
    failing = scan("function.zip", "--fail-on", "medium", "-f", "json")
    assert failing.returncode == 1, failing.stderr
    vex = write_openvex(
        workdir / "not-affected.openvex.json",
        "not_affected",
        "2026-01-08T18:02:03Z",
        justification="vulnerable_code_not_in_execute_path",
        impact_statement="the function never configures proxies",
    )
    proc = scan("function.zip", "--fail-on", "medium", "--vex", str(vex), "-f", "json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    jsonschema.validate(
        report, json.loads(REPORT_SCHEMA.read_text()), cls=jsonschema.Draft202012Validator
    )
    artifact = report["artifacts"][0]
    assert artifact["findings"] == []
    (ignored,) = artifact["ignored"]
    assert ignored["id"] == "GHSA-j8r2-6x86-q33q"
    assert ignored["suppression"] == {
        "reason": "vulnerable_code_not_in_execute_path: the function never configures proxies",
        "origin": f"{vex}, statement 1",
        "state": "not_affected",
        "justification": "code_not_reachable",
    }
    sarif = json.loads(scan("function.zip", "--vex", str(vex), "-f", "sarif").stdout)
    (result,) = sarif["runs"][0]["results"]
    assert result["suppressions"] == [
        {
            "kind": "external",
            "justification": "vulnerable_code_not_in_execute_path: the function never "
            f"configures proxies ({vex}, statement 1)",
        }
    ]
    table = scan("function.zip", "--vex", str(vex), "-f", "table")
    assert (
        "GHSA-j8r2-6x86-q33q requests 2.25.1: vulnerable_code_not_in_execute_path" in table.stdout
    )


def test_a_later_affected_statement_in_another_file_wins(workdir: Path, scan: Runner) -> None:
    early = write_openvex(
        workdir / "early.json", "not_affected", "2026-01-01T00:00:00Z", impact_statement="n/a"
    )
    later = write_openvex(
        workdir / "later.json", "affected", "2026-03-01T00:00:00Z", action_statement="upgrade"
    )
    args = ("function.zip", "--fail-on", "medium", "-f", "json")
    assert scan(*args, "--vex", str(early)).returncode == 0
    proc = scan(*args, "--vex", str(early), "--vex", str(later))
    assert proc.returncode == 1, proc.stderr
    assert json.loads(proc.stdout)["verdict"]["ignored"] == 0


def test_malformed_vex_is_a_usage_error_and_writes_nothing(workdir: Path) -> None:
    bad = write_openvex(workdir / "bad.json", "not_affected", "2026-01-01T00:00:00Z")
    out = workdir / "never.json"
    proc = subprocess.run(  # the real console program: one line on stderr, exit 2
        [
            sys.executable,
            "-m",
            "wellcheck",
            "scan",
            "function.zip",
            "--vex",
            str(bad),
            "-o",
            str(out),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, **environment(workdir)},
        cwd=workdir,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith("wellcheck: error: ")
    assert "justification or an impact_statement" in line
    assert not out.exists()


def test_cyclonedx_keeps_the_hook_and_the_ignored_advisory_and_reads_back_as_vex(
    workdir: Path, scan: Runner
) -> None:
    ignore = workdir / "ignore.toml"
    ignore.write_text(
        '[[ignore]]\nid = "CVE-2023-32681"\nreason = "no proxies in Lambda"\n'
        'state = "not_affected"\njustification = "requires_configuration"\n',
        encoding="utf-8",
    )
    out = workdir / "hooked.cdx.json"
    proc = scan("hooked.zip", "--ignore-file", str(ignore), "-f", "cyclonedx-json", "-o", str(out))
    assert proc.returncode == 1, proc.stderr  # the start-up hook fails the scan
    text = out.read_text(encoding="utf-8")
    assert validate_cyclonedx(text, "json", "1.6") is None
    bom = json.loads(text)
    vulns = {v["id"]: v for v in bom["vulnerabilities"]}
    # the hook is a start-up file (WC-PTH-EXEC) whose code spawns a process (WC-CODE-...)
    assert set(vulns) == {"GHSA-j8r2-6x86-q33q", "WC-PTH-EXEC", "WC-CODE-IMPORT-SPAWN"}
    hook = vulns["WC-PTH-EXEC"]
    assert hook["source"] == {"name": "wellcheck"}
    assert hook["affects"] == [{"ref": bom["metadata"]["component"]["bom-ref"]}]
    assert {p["name"]: p["value"] for p in hook["properties"]}["wellcheck:path"] == "zz-hook.pth"
    assert vulns["GHSA-j8r2-6x86-q33q"]["analysis"] == {
        "state": "not_affected",
        "justification": "requires_configuration",
        "detail": "no proxies in Lambda",
    }
    # the document is CycloneDX VEX: given back to scan, it waives the advisory again
    again = scan("hooked.zip", "--vex", str(out), "-f", "json")
    assert again.returncode == 1  # the hook is not waived: no VEX statement names it
    (ignored,) = json.loads(again.stdout)["artifacts"][0]["ignored"]
    assert ignored["id"] == "GHSA-j8r2-6x86-q33q"
    assert ignored["suppression"]["reason"] == "requires_configuration: no proxies in Lambda"
    assert ignored["suppression"]["origin"].startswith(f"{out}, vulnerability ")


def test_a_vendor_statement_is_shown_never_obeyed(workdir: Path, scan: Runner) -> None:
    """The reason comes from whoever wrote the VEX: escaped like any artifact text."""
    hostile = "\x1b[2K\rPASS: nothing found\u202e\x1b]8;;https://evil.example\x07link"
    vex = write_openvex(
        workdir / "vendor.json", "not_affected", "2026-01-08T18:02:03Z", impact_statement=hostile
    )
    table = scan("function.zip", "--vex", str(vex), "-f", "table").stdout
    assert "\x1b" not in table
    assert "\r" not in table
    assert "\u202e" not in table
    assert "not_affected: \\x1b[2K PASS: nothing" in table  # printed as text, on its line
    assert "found\\u202e\\x1b]8;;https://evil.example\\x07link" in table
    report = scan("function.zip", "--vex", str(vex), "-f", "json").stdout
    assert "\x1b" not in report
    assert "\u202e" not in report
    (ignored,) = json.loads(report)["artifacts"][0]["ignored"]
    assert ignored["suppression"]["reason"] == f"not_affected: {hostile}"  # as written

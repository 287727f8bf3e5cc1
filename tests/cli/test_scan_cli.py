"""``wellcheck scan`` end to end: a generated function zip, a small authored OSV index."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest

Runner = Callable[..., subprocess.CompletedProcess[str]]
ROOT = Path(__file__).parents[2]
REPORT_SCHEMA = ROOT / "schemas" / "wellcheck-report.schema.json"
SARIF_SCHEMA = ROOT / "tests" / "report" / "schemas" / "sarif-schema-2.1.0.json"

# Real advisory facts (GHSA-j8r2-6x86-q33q, CVE-2023-32681): requests >=2.3.0,<2.31.0.
REQUESTS_LEAK = {
    "schema_version": "1.4.0",
    "id": "GHSA-j8r2-6x86-q33q",
    "modified": "2023-06-12T20:41:08Z",
    "published": "2023-05-22T20:36:32Z",
    "aliases": ["CVE-2023-32681"],
    "summary": "Unintended leak of Proxy-Authorization header in requests",
    "details": "Requests leaks Proxy-Authorization headers to destination servers.",
    "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:C/C:H/I:N/A:N"}],
    "affected": [
        {
            "package": {"ecosystem": "PyPI", "name": "requests", "purl": "pkg:pypi/requests"},
            "ranges": [
                {"type": "ECOSYSTEM", "events": [{"introduced": "2.3.0"}, {"fixed": "2.31.0"}]}
            ],
        }
    ],
    "references": [{"type": "WEB", "url": "https://github.com/psf/requests/releases/tag/v2.31.0"}],
}


def lambda_zip(path: Path, packages: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("lambda_function.py", "def handler(event, context):\n    return 1\n")
        for name, version in packages.items():
            info = f"{name}-{version}.dist-info"
            zf.writestr(
                f"{info}/METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\n"
            )
            zf.writestr(f"{info}/RECORD", f"{name}/__init__.py,,\n{info}/METADATA,,\n")
            zf.writestr(f"{name}/__init__.py", "")
    return path


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    index = pytest.importorskip("wellcheck.advisories.index", reason="advisory index not present")
    base = tmp_path_factory.mktemp("scan-cli")
    index.build_index([REQUESTS_LEAK], base / "osv.sqlite3", source="test records")
    lambda_zip(base / "function.zip", {"requests": "2.25.1", "urllib3": "1.26.18"})
    return base


def environment(workdir: Path) -> dict[str, str]:
    return {
        "WELLCHECK_CACHE_DIR": str(workdir / "cache"),
        "WELLCHECK_DB": str(workdir / "osv.sqlite3"),
        "NO_COLOR": "1",
    }


def subprocess_wellcheck(workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The real console program, as CI runs it."""
    return subprocess.run(
        [sys.executable, "-m", "wellcheck", "scan", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **environment(workdir)},
        cwd=workdir,
        timeout=60,
    )


@pytest.fixture
def wellcheck(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., subprocess.CompletedProcess[str]]:
    """The same entry point (``wellcheck.cli.main``) run in this process: faster."""
    from wellcheck.cli import main

    for key, value in environment(workdir).items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(workdir)

    def run(_: Path, *args: str) -> subprocess.CompletedProcess[str]:
        monkeypatch.setattr(sys, "argv", ["wellcheck", "scan", *args])
        capsys.readouterr()
        with pytest.raises(SystemExit) as exited:
            main()
        out, err = capsys.readouterr()
        code = exited.value.code
        return subprocess.CompletedProcess(args, code if isinstance(code, int) else 1, out, err)

    return run


def test_json_valid_and_clean_under_high(workdir: Path) -> None:
    proc = subprocess_wellcheck(workdir, "function.zip", "-f", "json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    jsonschema.validate(
        report, json.loads(REPORT_SCHEMA.read_text()), cls=jsonschema.Draft202012Validator
    )
    (finding,) = report["artifacts"][0]["findings"]
    assert (finding["package"], finding["id"], finding["fixed"]) == (
        "requests",
        "GHSA-j8r2-6x86-q33q",
        "2.31.0",
    )
    assert finding["severity"] == "medium"
    assert finding["aliases"] == ["CVE-2023-32681"]


def test_fail_on_medium_fails(workdir: Path, wellcheck: Runner) -> None:
    proc = wellcheck(workdir, "function.zip", "--fail-on", "medium", "--format", "table")
    assert proc.returncode == 1
    assert "GHSA-j8r2-6x86-q33q" in proc.stdout
    assert "fixed in 2.31.0" in proc.stdout
    assert "\x1b[" not in proc.stdout


def test_sarif_to_a_file(workdir: Path) -> None:
    out = workdir / "out" / "wellcheck.sarif"
    out.parent.mkdir(exist_ok=True)
    proc = subprocess_wellcheck(workdir, "function.zip", "-f", "sarif", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert "PASS" in proc.stderr
    log = json.loads(out.read_text())
    jsonschema.validate(log, json.loads(SARIF_SCHEMA.read_text()), cls=jsonschema.Draft7Validator)
    assert log["runs"][0]["results"][0]["ruleId"] == "GHSA-j8r2-6x86-q33q"


def test_ignore_file_suppresses_by_alias(workdir: Path, wellcheck: Runner) -> None:
    ignore = workdir / "ignore.toml"
    ignore.write_text(
        '[[ignore]]\nid = "CVE-2023-32681"\nreason = "no proxies in Lambda"\n', encoding="utf-8"
    )
    proc = wellcheck(
        workdir, "function.zip", "--fail-on", "any", "--ignore-file", str(ignore), "-f", "json"
    )
    assert proc.returncode == 0, proc.stderr
    artifact = json.loads(proc.stdout)["artifacts"][0]
    assert artifact["findings"] == []
    assert [f["id"] for f in artifact["ignored"]] == ["GHSA-j8r2-6x86-q33q"]


def test_ignore_entry_without_reason_is_a_usage_error_and_writes_nothing(workdir: Path) -> None:
    ignore = workdir / "bad-ignore.toml"
    ignore.write_text('[[ignore]]\nid = "CVE-2023-32681"\n', encoding="utf-8")
    out = workdir / "never.json"
    proc = subprocess_wellcheck(
        workdir, "function.zip", "--ignore-file", str(ignore), "-o", str(out)
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().startswith("wellcheck: error:")
    assert "reason" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not out.exists()


def test_unreadable_artifact_exits_2_but_the_others_are_reported(
    workdir: Path, wellcheck: Runner
) -> None:
    proc = wellcheck(workdir, "missing.zip", "function.zip", "-f", "markdown")
    assert proc.returncode == 2
    assert "### Could not be scanned" in proc.stdout
    assert "GHSA-j8r2-6x86-q33q" in proc.stdout
    assert "missing.zip" in proc.stderr


def test_offline_with_an_online_source_is_incomplete(workdir: Path, wellcheck: Runner) -> None:
    proc = wellcheck(workdir, "function.zip", "--source", "osv-api", "--offline", "-f", "json")
    assert proc.returncode == 3
    report = json.loads(proc.stdout)
    assert report["verdict"]["incomplete"] is True
    assert report["artifacts"][0]["not_checked"][0]["source"] == "osv-api"


@pytest.mark.parametrize("flag", ["--skip-db-update", "--offline"])
def test_no_index_says_how_to_get_one(workdir: Path, wellcheck: Runner, flag: str) -> None:
    absent = workdir / "absent.sqlite3"
    proc = wellcheck(workdir, "function.zip", "--db", str(absent), flag)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1] == (
        f"wellcheck: error: no advisory index at {absent}; "
        "run `wellcheck db update` or `wellcheck db import FILE`"
    )
    assert not absent.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--limit", "depth=lots"), "not a number"),
        (("--limit", "colour=3"), "--limit takes NAME=VALUE"),
        (("--fail-on", "severe"), "severe"),
        (("--format", "xml"), "xml"),
    ],
)
def test_bad_options_are_usage_errors(
    workdir: Path, wellcheck: Runner, args: tuple[str, ...], message: str
) -> None:
    proc = wellcheck(workdir, "function.zip", *args)
    assert proc.returncode == 2
    assert message in proc.stderr


def test_cyclonedx_vdr(workdir: Path, wellcheck: Runner) -> None:
    proc = wellcheck(workdir, "function.zip", "-f", "cyclonedx-json", "--reproducible")
    assert proc.returncode == 0, proc.stderr
    bom = json.loads(proc.stdout)
    assert [v["id"] for v in bom["vulnerabilities"]] == ["GHSA-j8r2-6x86-q33q"]


def run_on_a_tty(workdir: Path, extra_env: dict[str, str]) -> str:
    pty = pytest.importorskip("pty", reason="needs a POSIX pseudo-terminal")
    leader, follower = pty.openpty()
    env = {**os.environ, **environment(workdir), **extra_env}
    if "NO_COLOR" not in extra_env:
        env.pop("NO_COLOR", None)
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "wellcheck", "scan", "function.zip", "--no-signals"],
            stdout=follower,
            stderr=subprocess.PIPE,
            env=env,
            cwd=workdir,
            timeout=60,
        )
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO once the follower side is closed and drained (Linux)
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(leader)
    assert proc.returncode == 0, proc.stderr
    return b"".join(chunks).decode()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX pseudo-terminal")
def test_a_terminal_gets_the_table_in_colour_unless_no_color(workdir: Path) -> None:
    coloured = run_on_a_tty(workdir, {})
    assert "GHSA-j8r2-6x86-q33q" in coloured
    assert "\x1b[" in coloured
    assert not coloured.lstrip().startswith("{")
    plain = run_on_a_tty(workdir, {"NO_COLOR": "1"})
    assert "GHSA-j8r2-6x86-q33q" in plain
    assert "\x1b[" not in plain


def test_config_file_sets_fail_on_and_ignore_file_and_flags_win(
    workdir: Path, wellcheck: Runner
) -> None:
    config_dir = workdir / "project"
    config_dir.mkdir(exist_ok=True)
    config = config_dir / "wellcheck.toml"
    config.write_text('fail-on = "medium"\n', encoding="utf-8")
    assert wellcheck(workdir, "function.zip", "--config", str(config)).returncode == 1
    flagged = wellcheck(workdir, "function.zip", "--config", str(config), "--fail-on", "high")
    assert flagged.returncode == 0
    (config_dir / "ignore.toml").write_text(
        '[[ignore]]\nid = "GHSA-j8r2-6x86-q33q"\nreason = "no proxies"\n', encoding="utf-8"
    )
    config.write_text('fail-on = "medium"\nignore-file = "ignore.toml"\n', encoding="utf-8")
    proc = wellcheck(workdir, "function.zip", "--config", str(config), "-f", "json")
    assert proc.returncode == 0, proc.stdout
    assert json.loads(proc.stdout)["verdict"]["ignored"] == 1


def test_a_missing_path_gets_a_report_that_says_so(workdir: Path, wellcheck: Runner) -> None:
    """Issue 12: README said nothing is written; ``scan -o`` writes its report (the action
    and fleets rely on it), with the artifact marked as an error and exit 2."""
    report = workdir / "missing-report.json"
    proc = wellcheck(workdir, "absent.zip", "-o", str(report))
    assert proc.returncode == 2
    assert "wellcheck: error: absent.zip: no such file or directory" in proc.stderr
    written = json.loads(report.read_text(encoding="utf-8"))
    assert written["verdict"]["status"] == "input_error"
    [artifact] = written["artifacts"]
    assert artifact["error"] == "absent.zip: no such file or directory"
    assert artifact["components"] == []

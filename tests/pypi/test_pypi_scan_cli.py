"""`wellcheck scan --pypi` end to end, against the loopback PyPI server."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

from fakepypi import FakePyPI, project, release
from fixtures.build import install_all, zip_bytes

STEMS = ("requests-2.25.1", "urllib3-1.26.4")


def scan(artifact: Path, cache: Path, pypi_url: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, WELLCHECK_CACHE_DIR=str(cache), WELLCHECK_PYPI_URL=pypi_url)
    env["WELLCHECK_PYPI_TTL"] = "0"  # every scan asks PyPI afresh
    args = ["scan", str(artifact), "--pypi", "--no-advisories", "--no-signals", "-f", "json"]
    return subprocess.run(
        [sys.executable, "-m", "wellcheck", *args, "--fail-on", "high"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def artifact(tmp_path: Path) -> Path:
    path = tmp_path / "function.zip"
    path.write_bytes(zip_bytes(install_all(STEMS)))
    return path


def serve_both(fake: FakePyPI, requests_owners: list[str]) -> None:
    fake.projects["requests"] = project(
        "requests", {"2.25.1": [release("2.25.1", "2020-12-16T00:00:00Z")]}, requests_owners
    )
    fake.projects["urllib3"] = project(
        "urllib3", {"1.26.4": [release("1.26.4", "2021-03-15T00:00:00Z")]}, ["sethmlarson"]
    )


def test_an_unreachable_pypi_makes_the_scan_incomplete(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    proc = scan(artifact(tmp_path), tmp_path / "cache", dead)
    assert proc.returncode == 3, proc.stderr
    [result] = json.loads(proc.stdout)["artifacts"]
    assert {(n["source"], n["package"]) for n in result["not_checked"]} == {
        ("pypi", "requests"),
        ("pypi", "urllib3"),
    }


def test_an_owner_change_between_two_scans_fails_the_second(
    fake_pypi: FakePyPI, tmp_path: Path
) -> None:
    zipped, cache = artifact(tmp_path), tmp_path / "cache"
    serve_both(fake_pypi, ["Lukasa", "nateprewitt"])
    first = scan(zipped, cache, fake_pypi.url)
    assert first.returncode == 0, first.stdout + first.stderr

    serve_both(fake_pypi, ["Lukasa", "a-new-owner"])
    second = scan(zipped, cache, fake_pypi.url)

    assert second.returncode == 1
    [result] = json.loads(second.stdout)["artifacts"]
    [change] = [f for f in result["findings"] if f["rule"] == "WC-PYPI-OWNER-CHANGE"]
    assert change["package"] == "requests"
    assert "added a-new-owner" in change["evidence"]


def test_unknown_name_and_missing_version_fail_the_scan(
    fake_pypi: FakePyPI, tmp_path: Path
) -> None:
    fake_pypi.projects["urllib3"] = project(
        "urllib3", {"1.26.5": [release("1.26.5", "2021-05-26T00:00:00Z")]}, ["sethmlarson"]
    )  # 1.26.4 is missing, and requests is unknown
    proc = scan(artifact(tmp_path), tmp_path / "cache", fake_pypi.url)
    assert proc.returncode == 1
    [result] = json.loads(proc.stdout)["artifacts"]
    rules = {(f["package"], f["rule"]) for f in result["findings"]}
    assert {("requests", "WC-PYPI-UNKNOWN"), ("urllib3", "WC-PYPI-VERSION-MISSING")} <= rules


def test_baseline_written_then_enforced(fake_pypi: FakePyPI, tmp_path: Path) -> None:
    zipped, cache = artifact(tmp_path), tmp_path / "cache"
    serve_both(fake_pypi, ["Lukasa", "nateprewitt"])
    env = dict(os.environ, WELLCHECK_CACHE_DIR=str(cache), WELLCHECK_PYPI_URL=fake_pypi.url)
    env["WELLCHECK_PYPI_TTL"] = "0"
    baseline = tmp_path / "owners.json"
    wrote = subprocess.run(
        [sys.executable, "-m", "wellcheck", "baseline", "write", str(baseline), str(zipped)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert wrote.returncode == 0, wrote.stderr
    assert json.loads(baseline.read_text())["owners"]["requests"] == ["Lukasa", "nateprewitt"]

    serve_both(fake_pypi, ["Lukasa", "someone-else"])  # a fresh CI machine: no history
    args = ["scan", str(zipped), "--baseline", str(baseline), "--no-advisories", "-f", "json"]
    proc = subprocess.run(
        [sys.executable, "-m", "wellcheck", *args, "--no-signals"],
        capture_output=True,
        text=True,
        env=dict(env, WELLCHECK_CACHE_DIR=str(tmp_path / "fresh-cache")),
        check=False,
    )
    assert proc.returncode == 1, proc.stderr
    [result] = json.loads(proc.stdout)["artifacts"]
    [finding] = [f for f in result["findings"] if f["rule"] == "WC-PYPI-OWNER-BASELINE"]
    assert finding["package"] == "requests"
    assert "added someone-else" in finding["evidence"]


def test_an_sbom_entry_without_a_version_is_not_checked_not_missing(
    fake_pypi: FakePyPI, tmp_path: Path
) -> None:
    """An SBOM may list a package without a version: the version rules cannot run (not
    checked, exit 3), and it is no "urllib3  is not a release on PyPI" (exit 1)."""
    serve_both(fake_pypi, ["Lukasa", "nateprewitt"])
    sbom = tmp_path / "fn.cdx.json"
    sbom.write_text(
        json.dumps(
            {
                "bomFormat": "CycloneDX",
                "specVersion": "1.6",
                "components": [
                    {"type": "library", "name": "urllib3", "purl": "pkg:pypi/urllib3"},
                    {"type": "library", "name": "requests", "purl": "pkg:pypi/requests@2.25.1"},
                ],
            }
        ),
        encoding="utf-8",
    )
    proc = scan(sbom, tmp_path / "cache", fake_pypi.url)
    assert proc.returncode == 3, proc.stdout + proc.stderr
    [result] = json.loads(proc.stdout)["artifacts"]
    assert not [f for f in result["findings"] if f["rule"] == "WC-PYPI-VERSION-MISSING"]
    assert {(n["source"], n["reason"], n["package"]) for n in result["not_checked"]} == {
        ("pypi", "urllib3: no version", "urllib3")
    }

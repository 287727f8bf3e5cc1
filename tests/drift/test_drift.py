"""wellcheck diff: what CI built against what is deployed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from fixtures.build import function_files, zip_bytes


def wellcheck(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "wellcheck", *args], capture_output=True, text=True, check=False
    )


def built_and_deployed(tmp_path: Path) -> tuple[Path, Path]:
    """CI's zip, and a deployed copy with a bumped urllib3 and one injected module."""
    files = function_files()
    built = tmp_path / "built.zip"
    built.write_bytes(zip_bytes(files))
    deployed_files = dict(files)
    meta = "urllib3-1.26.4.dist-info/METADATA"
    deployed_files[meta] = files[meta].replace(b"Version: 1.26.4", b"Version: 1.26.5")
    deployed_files["requests/_patch.py"] = b"import os  # not from CI\n"
    deployed = tmp_path / "deployed.zip"
    deployed.write_bytes(zip_bytes(deployed_files))
    return built, deployed


def test_artifact_against_artifact_finds_a_changed_version_and_an_injected_file(
    tmp_path: Path,
) -> None:
    built, deployed = built_and_deployed(tmp_path)
    proc = wellcheck("diff", str(built), str(deployed), "--format", "json", "--fail-on-drift")
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    assert report["drift"] is True
    assert [(c["name"], c["from"], c["to"]) for c in report["components"]["changed"]] == [
        ("urllib3", "1.26.4", "1.26.5")
    ]
    assert report["files"]["added"] == ["requests/_patch.py"]
    assert report["files"]["changed"] == ["urllib3-1.26.4.dist-info/METADATA"]


def test_the_same_build_has_no_drift(tmp_path: Path) -> None:
    built, _ = built_and_deployed(tmp_path)
    copy = tmp_path / "copy.zip"
    copy.write_bytes(built.read_bytes())
    proc = wellcheck("diff", str(built), str(copy), "--fail-on-drift")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "no drift"


def test_sbom_from_ci_against_the_deployed_artifact(tmp_path: Path) -> None:
    built, deployed = built_and_deployed(tmp_path)
    sbom = tmp_path / "built.cdx.json"
    assert (
        wellcheck("sbom", str(built), "--format", "cyclonedx-json", "-o", str(sbom)).returncode == 0
    )
    proc = wellcheck("diff", str(sbom), str(deployed))
    assert proc.returncode == 0  # drift is reported, not failed, without --fail-on-drift
    assert "~ urllib3 1.26.4 -> 1.26.5" in proc.stdout
    assert "file contents not compared" in proc.stdout


def test_a_file_that_is_not_an_sbom_is_a_clear_error(tmp_path: Path) -> None:
    bogus = tmp_path / "x.json"
    bogus.write_text('{"hello": "world"}')
    built, _ = built_and_deployed(tmp_path)
    proc = wellcheck("diff", str(bogus), str(built))
    assert proc.returncode == 2
    assert "neither a CycloneDX nor an SPDX" in proc.stderr

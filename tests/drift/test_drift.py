"""wellcheck diff: what CI built against what is deployed."""

from __future__ import annotations

import importlib
import io
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
    assert proc.stdout == "no drift: no component differs; no file differs\n"


def test_sbom_from_ci_against_the_deployed_artifact(tmp_path: Path) -> None:
    built, deployed = built_and_deployed(tmp_path)
    sbom = tmp_path / "built.cdx.json"
    assert (
        wellcheck("sbom", str(built), "--format", "cyclonedx-json", "-o", str(sbom)).returncode == 0
    )
    proc = wellcheck("diff", str(sbom), str(deployed))
    assert proc.returncode == 0  # drift is reported, not failed, without --fail-on-drift
    assert proc.stdout.splitlines() == [
        "drift: components: 1 changed, 0 added, 0 removed; "
        "file contents not compared (one side is an SBOM)",
        "~ urllib3 1.26.4 -> 1.26.5  (urllib3-1.26.4.dist-info)",
    ]


def test_a_file_that_is_not_an_sbom_is_a_clear_error(tmp_path: Path) -> None:
    bogus = tmp_path / "x.json"
    bogus.write_text('{"hello": "world"}')
    built, _ = built_and_deployed(tmp_path)
    proc = wellcheck("diff", str(bogus), str(built))
    assert proc.returncode == 2
    assert "neither a CycloneDX nor an SPDX" in proc.stderr


def diff(*args: str) -> subprocess.CompletedProcess[str]:
    """``wellcheck diff ARGS`` through the console entry point, in this process (fast).

    Every command module is imported first: ``main`` imports only the one its command line
    names, once per process, and later in-process runs of other commands need theirs.
    """
    from wellcheck.cli import main
    from wellcheck.cli.app import COMMAND_MODULES

    for module in COMMAND_MODULES:
        importlib.import_module(f"wellcheck.cli.{module}")

    argv, stdout, stderr = sys.argv, sys.stdout, sys.stderr
    out, err = io.StringIO(), io.StringIO()
    sys.argv, sys.stdout, sys.stderr = ["wellcheck", "diff", *args], out, err
    try:
        main()
    except SystemExit as exited:
        code = exited.code if isinstance(exited.code, int) else 1
    else:
        code = 0
    finally:
        sys.argv, sys.stdout, sys.stderr = argv, stdout, stderr
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())


def test_the_summary_comes_first_and_components_show_where_they_are(tmp_path: Path) -> None:
    files = function_files()
    built = tmp_path / "built.zip"
    built.write_bytes(zip_bytes(files))
    deployed_files = dict(files)
    meta = "urllib3-1.26.4.dist-info/METADATA"
    deployed_files[meta] = files[meta].replace(b"Version: 1.26.4", b"Version: 1.26.5")
    deployed_files["python/six-1.16.0.dist-info/METADATA"] = (
        b"Metadata-Version: 2.1\nName: six\nVersion: 1.16.0\n\n"
    )
    deployed = tmp_path / "deployed.zip"
    deployed.write_bytes(zip_bytes(deployed_files))
    proc = diff(str(built), str(deployed))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        "drift: components: 1 changed, 1 added, 0 removed; files: 1 changed, 1 added, 0 removed",
        "+ six 1.16.0  (python/six-1.16.0.dist-info)",  # was "(?)" for every root package
        "~ urllib3 1.26.4 -> 1.26.5  (urllib3-1.26.4.dist-info)",
        "+ file python/six-1.16.0.dist-info/METADATA",
        "~ file urllib3-1.26.4.dist-info/METADATA",
    ]
    report = json.loads(diff(str(built), str(deployed), "-f", "json").stdout)
    assert report["summary"] == proc.stdout.splitlines()[0]
    assert report["components"]["added"] == [
        {
            "name": "six",
            "version": "1.16.0",
            "where": "python",
            "location": "python/six-1.16.0.dist-info",
        }
    ]
    assert report["components"]["changed"][0]["where"] == ""  # the zip's root, not unknown


def noisy_pair(tmp_path: Path, extra: dict[str, bytes]) -> tuple[Path, Path]:
    """Two builds of the same code: bytecode and installer records differ, plus ``extra``."""
    files = function_files()
    files["requests/__pycache__/api.cpython-312.pyc"] = b"\xcb\r\r\n" + bytes(12) + b"build one"
    files["requests/api.py"] = b"def get(url):\n    return url\n"
    built = tmp_path / "built.zip"
    built.write_bytes(zip_bytes(files))
    rebuilt = dict(files)
    rebuilt["requests/__pycache__/api.cpython-312.pyc"] = b"\xcb\r\r\n" + bytes(12) + b"build 2"
    rebuilt["requests/__pycache__/sessions.cpython-312.pyc"] = b"\xcb\r\r\n" + bytes(12)
    rebuilt["requests-2.25.1.dist-info/INSTALLER"] = b"uv\n"
    rebuilt["requests-2.25.1.dist-info/direct_url.json"] = (
        b'{"url": "file:///tmp/pip-req-build-x1y2/requests-2.25.1-py2.py3-none-any.whl"}'
    )
    rebuilt.update(extra)
    deployed = tmp_path / "deployed.zip"
    deployed.write_bytes(zip_bytes(rebuilt))
    return built, deployed


def test_build_noise_is_counted_but_not_listed_unless_all_files(tmp_path: Path) -> None:
    built, deployed = noisy_pair(tmp_path, {})
    proc = diff(str(built), str(deployed), "--fail-on-drift")
    assert proc.returncode == 0, proc.stdout
    assert proc.stdout == (
        "no drift: no component differs; no file differs (4 build-noise file(s) also differ, "
        "not listed: __pycache__, .pyc, installer records; --all-files lists them)\n"
    )
    report = json.loads(diff(str(built), str(deployed), "-f", "json").stdout)
    assert report["drift"] is False
    assert report["files"]["build_noise_not_listed"] == {"added": 2, "removed": 0, "changed": 2}
    every = diff(str(built), str(deployed), "--all-files", "--fail-on-drift")
    assert every.returncode == 1
    assert every.stdout.splitlines()[1:] == [
        "+ file requests-2.25.1.dist-info/direct_url.json",
        "+ file requests/__pycache__/sessions.cpython-312.pyc",
        "~ file requests-2.25.1.dist-info/INSTALLER",
        "~ file requests/__pycache__/api.cpython-312.pyc",
    ]


def test_bytecode_without_its_source_is_code_not_noise(tmp_path: Path) -> None:
    """CPython imports ``_hook.pyc`` when no ``_hook.py`` is beside it: always listed."""
    built, deployed = noisy_pair(
        tmp_path, {"requests/_hook.pyc": b"\xcb\r\r\n" + bytes(12), "requests/api.pyc": b"x"}
    )
    proc = diff(str(built), str(deployed), "--fail-on-drift")
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("drift: no component differs; files: 0 changed, 1 added")
    assert "(5 build-noise file(s) also differ" in lines[0]  # api.pyc: api.py is beside it
    assert lines[1:] == ["+ file requests/_hook.pyc"]


def test_output_goes_to_a_file_with_the_summary_on_stderr(tmp_path: Path) -> None:
    built, deployed = built_and_deployed(tmp_path)
    out = tmp_path / "reports" / "drift.json"
    out.parent.mkdir()
    proc = diff(str(built), str(deployed), "-f", "json", "-o", str(out), "--fail-on-drift")
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert proc.stderr.startswith("drift: components: 1 changed")
    assert json.loads(out.read_text(encoding="utf-8"))["files"]["added"] == ["requests/_patch.py"]
    assert [p.name for p in out.parent.iterdir()] == ["drift.json"]  # no temporary file left


def test_a_foreign_sbom_without_locations_says_so(tmp_path: Path) -> None:
    built, _ = built_and_deployed(tmp_path)
    sbom = tmp_path / "syft.cdx.json"
    sbom.write_text(
        json.dumps(
            {
                "bomFormat": "CycloneDX",
                "specVersion": "1.5",
                "version": 1,
                "components": [
                    {
                        "type": "library",
                        "name": "six",
                        "version": "1.16.0",
                        "purl": "pkg:pypi/six@1.16.0",
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    proc = diff(str(built), str(sbom))
    assert "- urllib3 1.26.4  (urllib3-1.26.4.dist-info)" in proc.stdout
    assert "+ six 1.16.0  (location not in the SBOM)" in proc.stdout

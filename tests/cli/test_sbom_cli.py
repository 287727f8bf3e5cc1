"""``wellcheck inventory`` and ``wellcheck sbom`` end to end, through a real process."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from wellcheck.cli import app
from wellcheck.sbom.cyclonedx import validate_cyclonedx
from wellcheck.sbom.spdx import check_spdx

SITE = "python/lib/python3.12/site-packages"


def metadata(name: str, version: str, *requires: str) -> str:
    lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}", "License: MIT"]
    lines += [f"Requires-Dist: {r}" for r in requires]
    return "\n".join(lines) + "\n"


def add_dist(zf: zipfile.ZipFile, root: str, name: str, version: str, *requires: str) -> None:
    prefix = f"{root}/" if root else ""
    info = f"{prefix}{name}-{version}.dist-info"
    zf.writestr(f"{prefix}{name}/__init__.py", "")
    zf.writestr(f"{info}/METADATA", metadata(name, version, *requires))
    zf.writestr(f"{info}/RECORD", f"{name}/__init__.py,,\n{name}-{version}.dist-info/METADATA,,\n")


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("artifacts")
    function = base / "demo-function.zip"
    with zipfile.ZipFile(function, "w") as zf:
        zf.writestr("app.py", "def handler(event, context):\n    return 'ok'\n")
        add_dist(zf, "", "requests", "2.31.0", "idna<4,>=2.5", 'PySocks; extra == "socks"')
        add_dist(zf, "", "idna", "3.6")
    layer = base / "demo-layer.zip"
    with zipfile.ZipFile(layer, "w") as zf:
        add_dist(zf, SITE, "six", "1.16.0")
    broken = base / "broken.zip"
    broken.write_bytes(b"PK\x03\x04 this is not a zip")
    return {"function": function, "layer": layer, "broken": broken}


def wellcheck(*args: str | Path) -> str:
    """Run in-process (fast); returns stdout.  Error paths use ``process`` below."""
    result = CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def process(*args: str | Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    """A real ``python -m wellcheck`` process: exit status and stderr as users see them."""
    proc = subprocess.run(
        [sys.executable, "-m", "wellcheck", *map(str, args)],
        capture_output=True,
        text=True,
        encoding="utf-8",
    )
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def test_inventory_table(artifacts: dict[str, Path]) -> None:
    out = wellcheck("inventory", artifacts["function"])
    rows = [line.split() for line in out.splitlines()]
    assert ["requests", "2.31.0", "dist-info", "requests-2.31.0.dist-info"] in rows
    assert ["idna", "3.6", "dist-info", "idna-3.6.dist-info"] in rows


def test_inventory_json_to_a_file(artifacts: dict[str, Path], tmp_path: Path) -> None:
    target = tmp_path / "inv.json"
    out = wellcheck(
        "inventory", artifacts["function"], artifacts["layer"], "-f", "json", "-o", target
    )
    assert out == ""
    doc = json.loads(target.read_text())
    first, second = doc["artifacts"]
    assert first["artifact"]["path"] == str(artifacts["function"])
    assert {(c["name"], c["version"]) for c in first["components"] if c["purl"]} == {
        ("requests", "2.31.0"),
        ("idna", "3.6"),
    }
    assert [c["location"] for c in second["components"]] == [f"{SITE}/six-1.16.0.dist-info"]


@pytest.mark.parametrize("spec", ["1.5", "1.6"])
def test_sbom_cyclonedx_json_to_stdout_is_valid(artifacts: dict[str, Path], spec: str) -> None:
    out = wellcheck("sbom", artifacts["function"], "--spec", spec)
    assert validate_cyclonedx(out, "json", spec) is None
    doc = json.loads(out)
    assert doc["specVersion"] == spec
    meta = doc["metadata"]["component"]
    assert meta["name"] == "demo-function.zip"
    assert meta["hashes"][0]["alg"] == "SHA-256"
    purls = {c.get("purl") for c in doc["components"]}
    assert {"pkg:pypi/requests@2.31.0", "pkg:pypi/idna@3.6"} <= purls
    requests = next(c for c in doc["components"] if c["name"] == "requests")["bom-ref"]
    deps = next(d for d in doc["dependencies"] if d["ref"] == requests)
    assert [d.split("|")[0] for d in deps["dependsOn"]] == ["pkg:pypi/idna@3.6"]


def test_sbom_xml_and_spdx_to_files(artifacts: dict[str, Path], tmp_path: Path) -> None:
    xml = tmp_path / "sbom.xml"
    wellcheck("sbom", artifacts["function"], "-f", "cyclonedx-xml", "-o", xml, "--validate")
    assert validate_cyclonedx(xml.read_text(), "xml", "1.6") is None
    spdx = tmp_path / "sbom.spdx.json"
    wellcheck("sbom", artifacts["function"], artifacts["layer"], "-f", "spdx-json", "-o", spdx)
    doc = json.loads(spdx.read_text())
    assert check_spdx(doc) == []
    assert {p["name"] for p in doc["packages"]} >= {"demo-function.zip", "demo-layer.zip", "six"}


def test_sbom_into_a_directory_writes_one_per_artifact(
    artifacts: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "sboms"
    wellcheck("sbom", artifacts["function"], artifacts["layer"], "-o", f"{out}/", "--reproducible")
    assert sorted(p.name for p in out.iterdir()) == [
        "demo-function.zip.cdx.json",
        "demo-layer.zip.cdx.json",
    ]
    layer_doc = json.loads((out / "demo-layer.zip.cdx.json").read_text())
    assert [c["name"] for c in layer_doc["components"]] == ["six"]


def test_reproducible_runs_are_byte_identical(artifacts: dict[str, Path]) -> None:
    # two processes: different hash seeds must not change the order of anything
    args = ("sbom", artifacts["function"], artifacts["layer"], "--reproducible")
    first = process(*args).stdout
    assert first == process(*args).stdout
    assert "serialNumber" not in first
    spdx = ("sbom", artifacts["function"], "-f", "spdx-json", "--reproducible")
    assert wellcheck(*spdx) == wellcheck(*spdx)


def test_a_bad_artifact_writes_nothing_and_exits_2(
    artifacts: dict[str, Path], tmp_path: Path
) -> None:
    target = tmp_path / "sbom.json"
    proc = process("sbom", artifacts["function"], artifacts["broken"], "-o", target, check=False)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert len(proc.stderr.strip().splitlines()) == 1
    assert proc.stderr.startswith("wellcheck: error:")
    assert not target.exists()
    out_dir = tmp_path / "dir"
    proc = process("sbom", artifacts["broken"], "-o", f"{out_dir}/", check=False)
    assert proc.returncode == 2
    assert not out_dir.exists()


def test_missing_artifact_and_bad_format_are_usage_errors(artifacts: dict[str, Path]) -> None:
    assert process("inventory", "/no/such/artifact.zip", check=False).returncode == 2
    runner = CliRunner()
    for bad in (["-f", "yaml"], ["--spec", "1.4"]):
        result = runner.invoke(app, ["sbom", str(artifacts["function"]), *bad])
        assert result.exit_code == 2


def test_inventory_never_imports_the_sbom_library(artifacts: dict[str, Path]) -> None:
    code = (
        "import sys\n"
        "from wellcheck.cli import main\n"
        f"sys.argv = ['wellcheck', 'inventory', {str(artifacts['function'])!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "assert not [m for m in sys.modules if m.startswith('cyclonedx')], 'cyclonedx imported'\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "requests" in proc.stdout


def test_sbom_and_inventory_take_limits_from_the_flag_and_the_config(tmp_path: Path) -> None:
    import subprocess
    import sys

    from fixtures.build import function_files, zip_bytes

    artifact = tmp_path / "function.zip"
    artifact.write_bytes(zip_bytes(function_files()))
    out = tmp_path / "out.cdx.json"

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "wellcheck", *args],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            check=False,
        )

    flagged = run("sbom", str(artifact), "--limit", "members=5", "-o", str(out))
    assert flagged.returncode == 2
    assert "members" in flagged.stderr and not out.exists()
    (tmp_path / "wellcheck.toml").write_text("[limits]\nmax-members = 5\n")
    configured = run("inventory", str(artifact))
    assert configured.returncode == 2
    assert run("inventory", str(artifact), "--limit", "members=100000").returncode == 0

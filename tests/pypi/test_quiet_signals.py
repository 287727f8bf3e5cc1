"""Signals a team can gate on: lone release-history signals stay quiet, late files count
only for the file that was installed (issue 12)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fakepypi import FakePyPI, project, release

from wellcheck.artifact.memory import MemoryTree
from wellcheck.checks import CheckContext, CheckResult
from wellcheck.http import HttpClient, RetryPolicy
from wellcheck.inventory import collect
from wellcheck.models import ArtifactInfo, Component, ComponentKind, Finding, Severity
from wellcheck.pypi.json_api import PyPIJsonSource
from wellcheck.pypi.store import PyPIStore
from wellcheck.signals.pypi_meta import PyPIMetadataCheck, PyPIOptions

NOW = datetime(2026, 11, 30, tzinfo=UTC).timestamp()
FAST = RetryPolicy(attempts=2, backoff=0.0, connect_timeout=0.5, read_timeout=0.5)
TAG = "cp312-cp312-manylinux_2_17_x86_64"
INSTALLED = f"pkg-1.0-{TAG}.whl"
PLATFORMS = [
    f"pkg-1.0-cp{py}-cp{py}-{plat}.whl"
    for py in ("39", "310", "311", "313")
    for plat in ("win_amd64", "macosx_11_0_arm64", "musllinux_1_2_x86_64")
]


def run(
    server: FakePyPI,
    tmp_path: Path,
    components: list[Component],
    trees: tuple[MemoryTree, ...] = (),
    options: PyPIOptions | None = None,
) -> CheckResult:
    store = PyPIStore(tmp_path / "pypi.sqlite3")
    source = PyPIJsonSource(
        store,
        base_url=server.url,
        ttl=0,
        client=HttpClient(FAST, sleep=lambda s: None),
        clock=lambda: NOW,
    )
    context = CheckContext(ArtifactInfo(path="fn.zip", kind="lambda-zip"), trees=trees)
    try:
        return PyPIMetadataCheck(source, store, options, clock=lambda: NOW).run(components, context)
    finally:
        source.close()
        store.close()


def installed_tree(tag: str = TAG) -> MemoryTree:
    """A function zip's tree holding pkg 1.0 installed by pip from a wheel with ``tag``."""
    dist = "pkg-1.0.dist-info"
    return MemoryTree(
        {
            "pkg/__init__.py": b"",
            f"{dist}/METADATA": b"Metadata-Version: 2.1\nName: pkg\nVersion: 1.0\n\n",
            f"{dist}/WHEEL": f"Wheel-Version: 1.0\nRoot-Is-Purelib: false\nTag: {tag}\n".encode(),
            f"{dist}/INSTALLER": b"pip\n",
            f"{dist}/RECORD": b"pkg/__init__.py,,\n",
        }
    )


def by_rule(result: CheckResult) -> dict[str, list[Finding]]:
    found: dict[str, list[Finding]] = {}
    for finding in result.findings:
        found.setdefault(finding.rule, []).append(finding)
    return found


def severities(result: CheckResult) -> dict[str, list[Severity]]:
    return {rule: [f.severity for f in fs] for rule, fs in by_rule(result).items()}


def late_release(*late: str) -> dict[str, list[dict[str, Any]]]:
    """pkg 1.0 released 2025-01-01 (sdist and the installed wheel), then ``late`` files."""
    return {
        "0.9": [release("0.9", "2024-10-01T00:00:00Z")],
        "1.0": [
            release("1.0", "2025-01-01T00:00:00Z", filename="pkg-1.0.tar.gz"),
            *(
                release("1.0", "2025-01-01T01:00:00Z", filename=name)
                for name in (INSTALLED, *PLATFORMS)
                if name not in late
            ),
            *(release("1.0", "2025-06-01T00:00:00Z", filename=name) for name in late),
        ],
    }


@pytest.mark.parametrize(
    ("case", "releases", "baseline", "expected"),
    [
        # six, jmespath, tabulate: a release after years of quiet, long out: low
        (
            "dormant-alone",
            {"1.0": ["2019-01-01"], "1.1": ["2025-06-01"]},
            None,
            {"WC-PYPI-DORMANT": [Severity.LOW]},
        ),
        # boto3: four days old, nothing else: info
        (
            "fresh-alone",
            {"1.0": ["2026-11-01"], "1.1": ["2026-11-26"]},
            None,
            {"WC-PYPI-FRESH": [Severity.INFO]},
        ),
        # the ctx pattern while it happens: silent for years, released two days ago
        (
            "fresh-after-dormancy",
            {"1.0": ["2020-01-01"], "1.1": ["2026-11-28"]},
            None,
            {"WC-PYPI-DORMANT": [Severity.MEDIUM], "WC-PYPI-FRESH": [Severity.MEDIUM]},
        ),
        # a new owner and a brand-new release
        (
            "fresh-with-new-owner",
            {"1.0": ["2026-11-01"], "1.1": ["2026-11-28"]},
            {"pkg": ("owner", "previous-owner")},
            {
                "WC-PYPI-OWNER-BASELINE": [Severity.HIGH],
                "WC-PYPI-FRESH": [Severity.MEDIUM],
            },
        ),
        (
            "dormant-with-new-owner",
            {"1.0": ["2019-01-01"], "1.1": ["2025-06-01"]},
            {"pkg": ("previous-owner",)},
            {
                "WC-PYPI-OWNER-BASELINE": [Severity.HIGH],
                "WC-PYPI-DORMANT": [Severity.MEDIUM],
            },
        ),
        ("neither", {"1.0": ["2025-01-01"], "1.1": ["2025-06-01"]}, None, {}),
    ],
)
def test_dormancy_and_freshness_alone_stay_below_medium(
    fake_pypi: FakePyPI,
    tmp_path: Path,
    case: str,
    releases: dict[str, list[str]],
    baseline: dict[str, tuple[str, ...]] | None,
    expected: dict[str, list[Severity]],
) -> None:
    fake_pypi.projects["pkg"] = project(
        "pkg",
        {v: [release(v, f"{day}T00:00:00Z") for day in days] for v, days in releases.items()},
        ["owner"],
    )
    component = Component("pkg", "1.1", ComponentKind.DIST_INFO, "pkg-1.1.dist-info")
    result = run(fake_pypi, tmp_path, [component], options=PyPIOptions(baseline=baseline))
    assert severities(result) == expected, case
    for finding in result.findings:
        if finding.rule in ("WC-PYPI-DORMANT", "WC-PYPI-FRESH"):
            corroborated = finding.severity is Severity.MEDIUM
            assert ("corroborated:" in finding.evidence) is corroborated
            assert finding.confidence == ("medium" if corroborated else "low")


def test_late_files_of_other_builds_are_one_info_line(fake_pypi: FakePyPI, tmp_path: Path) -> None:
    fake_pypi.projects["pkg"] = project("pkg", late_release(*PLATFORMS), ["owner"])
    tree = installed_tree()
    result = run(fake_pypi, tmp_path, collect(tree), (tree,))
    [late] = by_rule(result)["WC-PYPI-LATE-FILE"]
    assert late.severity is Severity.INFO
    assert late.title.startswith(f"{len(PLATFORMS)} file(s) of other builds")
    assert "(not installed)" in late.title
    assert f"its WHEEL tags {TAG}" in late.evidence
    assert INSTALLED not in late.evidence


def test_the_installed_wheel_added_late_is_medium_and_located_at_its_tag(
    fake_pypi: FakePyPI, tmp_path: Path
) -> None:
    fake_pypi.projects["pkg"] = project("pkg", late_release(INSTALLED, *PLATFORMS), ["owner"])
    tree = installed_tree()
    result = run(fake_pypi, tmp_path, collect(tree), (tree,))
    mine, others = by_rule(result)["WC-PYPI-LATE-FILE"]
    assert mine.severity is Severity.MEDIUM
    assert mine.title.startswith(f"{INSTALLED}, the installed file, was added")
    assert (mine.path, mine.line) == ("pkg-1.0.dist-info/WHEEL", 3)
    assert mine.location == "pkg-1.0.dist-info"
    assert others.severity is Severity.INFO


def test_an_unknown_installed_file_keeps_the_late_files_at_medium_in_one_line(
    fake_pypi: FakePyPI, tmp_path: Path
) -> None:
    """An SBOM entry (no tree, no WHEEL): any late file may be the installed one."""
    fake_pypi.projects["pkg"] = project("pkg", late_release(INSTALLED, *PLATFORMS), ["owner"])
    component = Component("pkg", "1.0", ComponentKind.DIST_INFO, "pkg-1.0.dist-info")
    result = run(fake_pypi, tmp_path, [component])
    [late] = by_rule(result)["WC-PYPI-LATE-FILE"]
    assert late.severity is Severity.MEDIUM
    assert f"{len(PLATFORMS) + 1} file(s) were added" in late.title
    assert "which file was installed is not known" in late.title


def test_an_sdist_is_known_by_its_sha256(fake_pypi: FakePyPI, tmp_path: Path) -> None:
    releases = late_release(*PLATFORMS)
    [sdist] = [f for f in releases["1.0"] if f["filename"] == "pkg-1.0.tar.gz"]
    sdist["digests"] = {"sha256": "ab" * 32}
    fake_pypi.projects["pkg"] = project("pkg", releases, ["owner"])
    component = Component(
        "pkg", "1.0", ComponentKind.SDIST, "pkg-1.0.tar.gz", hashes=(("sha256", "ab" * 32),)
    )
    [late] = by_rule(run(fake_pypi, tmp_path, [component]))["WC-PYPI-LATE-FILE"]
    assert late.severity is Severity.INFO
    assert "installed file known by its sha256" in late.evidence

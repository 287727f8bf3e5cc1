"""Near-names that the installed distribution corroborates: scanned from authored zips.

Each artifact is a Lambda function zip holding one synthetic distribution whose
name sits just below the name-only threshold (``pandar`` beside ``pandas``,
``diango`` beside ``django``); what the distribution installs decides.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from wellcheck.models import Finding, Severity
from wellcheck.scan.target import scan_artifacts
from wellcheck.signals.typo_evidence import repository_name
from wellcheck.signals.typosquat import CORROBORATION_FLOOR, THRESHOLD, TyposquatCheck, check_name


def function_zip(
    tmp_path: Path, name: str, version: str, files: dict[str, str], urls: tuple[str, ...] = ()
) -> str:
    """A function zip with one installed distribution and its RECORD (hashes left out)."""
    dist = f"{name.replace('-', '_')}-{version}.dist-info"
    metadata = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    metadata += [f"Project-URL: {u}" for u in urls]
    members = {**files, f"{dist}/METADATA": "\n".join(metadata) + "\n"}
    members[f"{dist}/RECORD"] = "".join(f"{p},,\n" for p in [*members, f"{dist}/RECORD"])
    path = tmp_path / f"{name}.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("handler.py", "def handler(event, context):\n    return 1\n")
        for member, text in members.items():
            zf.writestr(member, text)
    return str(path)


def typo_findings(path: str) -> list[Finding]:
    outcome = scan_artifacts([path], [TyposquatCheck()])
    (result,) = outcome.results
    assert result.error is None
    return [f for f in result.findings if f.kind == "typosquat"]


@pytest.mark.parametrize("name", ["pandar", "diango"])
def test_the_names_used_here_are_near_misses_by_name_alone(name: str) -> None:
    verdict = check_name(name)
    assert not verdict.suspect
    assert CORROBORATION_FLOOR <= verdict.score < THRESHOLD


def test_a_near_name_alone_is_not_reported(tmp_path: Path) -> None:
    path = function_zip(tmp_path, "pandar", "1.0.0", {"pandar/__init__.py": ""})
    assert typo_findings(path) == []


def test_a_near_name_claiming_the_targets_repository_is_high(tmp_path: Path) -> None:
    urls = ("Homepage, https://github.com/pandas-dev/pandas",)
    path = function_zip(tmp_path, "pandar", "1.0.0", {"pandar/__init__.py": ""}, urls)
    (finding,) = typo_findings(path)
    assert finding.rule == "WC-TYPO-BORROWED-IDENTITY"
    assert finding.severity is Severity.HIGH
    assert "https://github.com/pandas-dev/pandas is the repository of 'pandas'" in finding.evidence
    assert finding.title == "possible typosquat of pandas"


def test_a_near_name_installing_the_targets_import_package_is_high(tmp_path: Path) -> None:
    files = {"django/__init__.py": "", "django/core.py": "import os\n"}
    path = function_zip(tmp_path, "diango", "4.2.0", files)
    (finding,) = typo_findings(path)
    assert finding.rule == "WC-TYPO-BORROWED-IDENTITY"
    assert "installs the import package 'django'" in finding.evidence


def test_a_near_name_shipping_a_start_up_hook_is_high(tmp_path: Path) -> None:
    files = {"diango/__init__.py": "", "diango-init.pth": "import diango\n"}
    path = function_zip(tmp_path, "diango", "4.2.0", files)
    (finding,) = typo_findings(path)
    assert "start-up file 'diango-init.pth'" in finding.evidence
    assert finding.severity is Severity.HIGH


def test_a_plugin_living_in_the_targets_monorepo_is_not_evidence(tmp_path: Path) -> None:
    urls = ("Source, https://github.com/pandas-dev/pandas/tree/main/plugins/pandar",)
    path = function_zip(tmp_path, "pandar", "1.0.0", {"pandar/__init__.py": ""}, urls)
    assert typo_findings(path) == []


def test_a_suspect_name_with_evidence_says_so_and_is_high(tmp_path: Path) -> None:
    files = {"colorama/__init__.py": "", "colourama.pth": "import colorama\n"}
    path = function_zip(tmp_path, "colourama", "0.4.6", files)
    (finding,) = typo_findings(path)
    assert finding.rule == "WC-TYPO-INSERTION"  # the name-only rule id is kept
    assert finding.severity is Severity.HIGH
    assert "import package 'colorama'" in finding.evidence
    assert "start-up file 'colourama.pth'" in finding.evidence


def test_evidence_on_a_name_unlike_any_popular_one_is_not_a_typosquat(tmp_path: Path) -> None:
    files = {"zzqxv_tool/__init__.py": "", "zzqxv.pth": "import zzqxv_tool\n"}
    path = function_zip(tmp_path, "zzqxv-tool", "1.0.0", files)
    assert typo_findings(path) == []  # the start-up check reports the hook itself


@pytest.mark.parametrize(
    ("url", "repo"),
    [
        ("https://github.com/tartley/colorama", "colorama"),
        ("https://www.github.com/Tartley/Colorama.git", "colorama"),
        ("https://gitlab.com/owner/My_Project/", "my-project"),
        ("https://github.com/tartley/colorama/issues", None),
        ("https://github.com/tartley", None),
        ("https://example.com/tartley/colorama", None),
        ("https://github.com/tartley/colorama?tab=readme", None),
        ("http://[bad", None),
    ],
)
def test_only_a_repositorys_own_page_names_it(url: str, repo: str | None) -> None:
    assert repository_name(url) == repo


@pytest.mark.parametrize(
    ("files", "found"),
    [
        ({"diango/__init__.py": "", "sitecustomize/__init__.py": "import os\n"}, True),
        ({"diango/__init__.py": "", "sitecustomize.cpython-312-x86_64-linux-gnu.so": ""}, True),
        ({"diango/__init__.py": "", "evil-nspkg.pth": "import os\n"}, True),
        ({"diango/__init__.py": "", "distutils-precedence.pth": "import os\n"}, True),
        ({"diango/__init__.py": "", "diango-4.2.0-py3.12-nspkg.pth": "import sys\n"}, False),
        ({"diango/__init__.py": "", "sitecustomize_helpers.py": ""}, False),
    ],
)
def test_start_up_files_count_unless_an_installer_wrote_them_for_this_distribution(
    tmp_path: Path, files: dict[str, str], found: bool
) -> None:
    path = function_zip(tmp_path, "diango", "4.2.0", files)
    assert bool(typo_findings(path)) is found

"""What ``--help`` and usage errors show (issue 12): every word of the help text, usage
lines as click writes them, and bad arguments refused before anything runs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from wellcheck.cli import app

runner = CliRunner()


def _help(*command: str) -> str:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())  # wrapping aside


def test_help_keeps_bracketed_words() -> None:
    """Rich markup swallowed ``[aws]`` and ``[limits]``: the help is plain text now."""
    assert "(wellcheck[aws])" in _help("scan")
    assert "the config file's [limits])" in _help("sbom")
    assert "the config file's [limits])" in _help("inventory")
    assert "[default: cyclonedx-json]" in _help("sbom")


def test_verbose_is_a_counted_flag_not_a_number() -> None:
    """``-v`` was shown as ``-v <int> [default: 0]``; it is counted (``-vv``)."""
    output = runner.invoke(app, ["--help"]).output
    [line] = [ln for ln in output.splitlines() if "--verbose" in ln]
    assert " ".join(line.split()) == "-v, --verbose More logging on stderr (repeat for more: -vv)."
    assert runner.invoke(app, ["-vv", "typosquat", "requests"]).exit_code == 0
    assert runner.invoke(app, ["-v", "2", "typosquat", "requests"]).exit_code == 2


@pytest.mark.parametrize(
    ("command", "usage"),
    [
        (["scan"], "scan [OPTIONS] ARTIFACT..."),
        (["sbom"], "sbom [OPTIONS] ARTIFACT..."),
        (["inventory"], "inventory [OPTIONS] ARTIFACT..."),
        (["typosquat"], "typosquat [OPTIONS] NAME..."),
        (["diff"], "diff [OPTIONS] BASELINE CURRENT"),
        (["db", "import"], "db import [OPTIONS] PATH"),
        (["baseline", "write"], "baseline write [OPTIONS] FILE ARTIFACTS..."),
    ],
)
def test_usage_lines_name_the_arguments(command: list[str], usage: str) -> None:
    """typer wrote ``{ARTIFACT}``: neither click's notation nor a hint that several go."""
    first = runner.invoke(app, [*command, "--help"]).output.splitlines()[0]
    assert first == f"Usage: wellcheck {usage}"


@pytest.mark.parametrize("names", [[""], ["requests", "foo bar"], ["-x"], ["requests", "a/b"]])
def test_typosquat_refuses_what_is_not_a_project_name(names: list[str]) -> None:
    result = runner.invoke(app, ["typosquat", "--", *names])
    assert result.exit_code == 2
    assert "is not a valid project name" in result.output
    assert ": ok" not in result.output  # no verdict for the valid names either


def test_typosquat_takes_every_valid_name() -> None:
    result = runner.invoke(app, ["typosquat", "requests", "Flask_Login", "zope.interface", "a"])
    assert result.exit_code == 0, result.output
    assert len(result.output.splitlines()) == 4


def test_spec_is_cyclonedx_only(tmp_path: Path) -> None:
    from fixtures.build import function_files, zip_bytes

    artifact = tmp_path / "function.zip"
    artifact.write_bytes(zip_bytes(function_files()))
    out = tmp_path / "fn.spdx.json"
    result = runner.invoke(
        app, ["sbom", str(artifact), "-f", "spdx-json", "--spec", "1.5", "-o", str(out)]
    )
    assert result.exit_code == 2
    assert "--spec" in result.output and "CycloneDX only" in result.output
    assert not out.exists()
    assert (
        runner.invoke(app, ["sbom", str(artifact), "-f", "spdx-json", "-o", str(out)]).exit_code
        == 0
    )
    assert out.exists()


def test_a_total_size_limit_alone_is_enough(tmp_path: Path) -> None:
    """``--limit total_size=1GiB`` was refused: the default 2 GiB member size exceeded it."""
    from fixtures.build import function_files, zip_bytes

    artifact = tmp_path / "function.zip"
    artifact.write_bytes(zip_bytes(function_files()))
    ok = runner.invoke(app, ["inventory", str(artifact), "--limit", "total_size=1GiB"])
    assert ok.exit_code == 0, ok.output
    both = ["--limit", "total_size=1GiB", "--limit", "member_size=2GiB"]
    refused = subprocess.run(
        [sys.executable, "-m", "wellcheck", "inventory", str(artifact), *both],
        capture_output=True,
        text=True,
    )
    assert refused.returncode == 2
    assert refused.stderr == (
        "wellcheck: error: limit max_member_size cannot exceed max_total_size\n"
    )

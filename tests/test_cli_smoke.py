import subprocess
import sys
from pathlib import Path


def test_help_lists_the_commands() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "wellcheck", "--help"], capture_output=True, text=True, check=True
    ).stdout
    for command in (
        "inventory",
        "sbom",
        "scan",
        "diff",
        "merge",
        "typosquat",
        "db",
        "popular",
        "baseline",
    ):
        assert f" {command} " in out, command


def test_unknown_command_is_a_usage_error() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "wellcheck", "no-such-command"], capture_output=True, text=True
    )
    assert proc.returncode == 2


def test_an_internal_error_is_one_line_and_exit_2_not_a_verdict(tmp_path: Path) -> None:
    # Simulate a bug deep in the core: the inventory stage raises something unexpected.
    code = (
        "import sys, wellcheck.pipeline as p\n"
        "def boom(*a, **k): raise KeyError('bug')\n"
        "p.inventory_artifact = boom\n"
        "from wellcheck.cli import main\n"
        f"sys.argv = ['wellcheck', 'inventory', {str(tmp_path)!r}]\n"
        "main()\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "wellcheck: internal error: KeyError: 'bug' (--debug shows where)"
    ]

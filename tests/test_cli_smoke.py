import subprocess
import sys


def test_help_lists_the_commands() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "wellcheck", "--help"], capture_output=True, text=True, check=True
    ).stdout
    assert "db" in out


def test_unknown_command_is_a_usage_error() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "wellcheck", "no-such-command"], capture_output=True, text=True
    )
    assert proc.returncode == 2

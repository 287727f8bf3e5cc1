"""Start-up cost of the CLI: only the command being run is imported, --help lists all."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import wellcheck.cli
from wellcheck.cli.app import COMMAND_MODULES, _command_name, app

CLI_DIR = Path(wellcheck.cli.__file__).parent


def run(code: str) -> str:
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_every_command_module_is_registered() -> None:
    on_disk = {p.stem for p in CLI_DIR.glob("commands_*.py")}
    assert on_disk == set(COMMAND_MODULES)


def test_each_module_defines_the_commands_the_table_says() -> None:
    defined: dict[str, set[str]] = {module: set() for module in COMMAND_MODULES}
    for info in app.registered_commands:
        assert info.callback is not None
        defined[info.callback.__module__.rpartition(".")[2]].add(str(info.name))
    for group in app.registered_groups:
        assert group.typer_instance is not None
        for info in group.typer_instance.registered_commands:
            assert info.callback is not None
            defined[info.callback.__module__.rpartition(".")[2]].add(str(group.name))
    assert defined == {module: set(names) for module, names in COMMAND_MODULES.items()}


@pytest.mark.parametrize(
    ("argv", "command"),
    [
        (["sbom", "a.zip"], "sbom"),
        (["-v", "--debug", "inventory", "a.zip"], "inventory"),
        (["-vv", "--verbose", "db", "status"], "db"),
        (["--version"], "version"),
        (["-v", "--version"], "version"),
        (["--help"], None),
        (["--no-such-flag", "sbom"], None),
        ([], None),
    ],
)
def test_the_command_word_is_found_after_the_root_options(
    argv: list[str], command: str | None
) -> None:
    assert _command_name(argv) == command


def test_sbom_imports_only_its_own_command_module(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    out = run(
        "import sys\n"
        "from wellcheck.cli import main\n"
        f"sys.argv = ['wellcheck', 'sbom', {str(empty)!r}, '-o', {str(tmp_path / 'x')!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith('wellcheck.cli.')))\n"
        "print('pydantic' in sys.modules)\n"
    )
    modules, pydantic = out.splitlines()
    assert modules == "['wellcheck.cli.app', 'wellcheck.cli.commands_sbom']"
    assert pydantic == "False"


def test_help_lists_every_command() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "wellcheck", "--help"], capture_output=True, text=True, check=True
    ).stdout
    for names in COMMAND_MODULES.values():
        for name in names:
            assert f" {name} " in out

"""``.ci/run`` finds every CPython 3.11-3.13 a machine has, and refuses one without 3.11.

Lambda offers Python 3.11, 3.12 and 3.13; the suite must pass on each (issue 12), so CI
runs it on every one it finds.  These tests build machines out of the real interpreters
pyenv keeps (symlinked into a fake pyenv root and PATH) and ask the script which it would
use (``WELLCHECK_CI_LIST_ONLY=1``: it stops before installing anything).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
PYENV = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
REAL = {minor: sorted(PYENV.glob(f"{minor}.*")) for minor in ("3.11", "3.12", "3.13")}

pytestmark = pytest.mark.skipif(
    shutil.which("bash") is None or not all(REAL.values()),
    reason="needs bash and pyenv's CPython 3.11, 3.12 and 3.13",
)


def _ci(pyenv_root: Path, path: list[Path]) -> subprocess.CompletedProcess[str]:
    tools = pyenv_root.parent / "tools"  # the commands the script uses, and no Python
    if not tools.exists():
        tools.mkdir()
        for tool in ("dirname", "ls", "sort", "paste", "sed"):
            (tools / tool).symlink_to(shutil.which(tool) or f"/usr/bin/{tool}")
    env = {
        "PATH": os.pathsep.join(map(str, [*path, tools])),
        "HOME": str(pyenv_root.parent),
        "PYENV_ROOT": str(pyenv_root),
        "WELLCHECK_CI_LIST_ONLY": "1",
    }
    return subprocess.run(
        [shutil.which("bash") or "bash", str(ROOT / ".ci" / "run")],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def _version(minor: str) -> Path:
    return REAL[minor][-1]


def test_every_python_found_in_pyenv_or_on_path_is_used(tmp_path: Path) -> None:
    root = tmp_path / "pyenv"
    (root / "versions").mkdir(parents=True)
    (root / "versions" / _version("3.11").name).symlink_to(_version("3.11"))
    (root / "versions" / _version("3.13").name).symlink_to(_version("3.13"))
    broken = root / "versions" / "3.11.99" / "bin"  # newest, but does not run: skipped
    broken.mkdir(parents=True)
    (broken / "python3.11").write_text("#!/bin/sh\nexit 127\n")
    (broken / "python3.11").chmod(0o755)
    on_path = tmp_path / "bin"  # 3.12 only on PATH
    on_path.mkdir()
    (on_path / "python3.12").symlink_to(_version("3.12") / "bin" / "python3.12")
    proc = _ci(root, [on_path])
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        str(root / "versions" / _version("3.11").name / "bin" / "python3.11"),
        str(on_path / "python3.12"),
        str(root / "versions" / _version("3.13").name / "bin" / "python3.13"),
    ]


def test_a_missing_312_or_313_is_said_and_a_missing_311_fails(tmp_path: Path) -> None:
    root = tmp_path / "pyenv"
    (root / "versions").mkdir(parents=True)
    (root / "versions" / _version("3.11").name).symlink_to(_version("3.11"))
    proc = _ci(root, [])
    assert proc.returncode == 0, proc.stderr
    assert len(proc.stdout.splitlines()) == 1
    assert "no CPython 3.12" in proc.stderr and "no CPython 3.13" in proc.stderr
    shutil.rmtree(root / "versions")
    (root / "versions").mkdir()
    proc = _ci(root, [])
    assert proc.returncode == 1
    assert "no CPython 3.11 found" in proc.stderr

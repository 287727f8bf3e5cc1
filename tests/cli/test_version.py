"""``wellcheck version`` and ``wellcheck --version``: the tool, and the advisory data a scan
would use (source, record count, data date, where the index lives), at start-up cost."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from wellcheck import __version__

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "osv"


def run(*args: str, cache: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WELLCHECK_")}
    env["WELLCHECK_CACHE_DIR"] = str(cache)
    return subprocess.run(
        [sys.executable, "-m", "wellcheck", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


def test_version_shows_the_tool_and_its_data(cache: Path) -> None:
    assert run("db", "import", str(FIXTURES), cache=cache).returncode == 0
    text = run("version", cache=cache)
    assert text.returncode == 0 and text.stderr == ""
    lines = text.stdout.splitlines()
    assert lines[0].startswith(f"wellcheck {__version__} (Python 3.")
    assert lines[1:5] == [
        f"advisory index: {cache / 'osv.sqlite3'}",
        f"  source:       {FIXTURES}",
        "  records:      11",
        lines[4],
    ]
    assert lines[4].startswith("  data date:    2026-11-01T00:00:00Z (") and "days old)" in lines[4]
    assert lines[5].startswith("  imported at:  20")
    assert run("--version", cache=cache).stdout == text.stdout
    info = json.loads(run("version", "--format", "json", cache=cache).stdout)
    assert info["version"] == __version__
    index = info["index"]
    assert (index["path"], index["present"], index["error"]) == (
        str(cache / "osv.sqlite3"),
        True,
        None,
    )
    assert (index["source"], index["record_count"]) == (str(FIXTURES), 11)
    assert index["data_date"] == "2026-11-01T00:00:00Z" and index["age_days"] > 0


def test_version_answers_whatever_state_the_index_is_in(cache: Path) -> None:
    missing = run("version", cache=cache)
    assert missing.returncode == 0
    assert missing.stdout.splitlines()[1:] == [
        f"advisory index: none at {cache / 'osv.sqlite3'}",
        "  (the first scan downloads it; or run `wellcheck db update`)",
    ]
    absent = json.loads(run("version", "--format", "json", cache=cache).stdout)["index"]
    assert (absent["present"], absent["error"]) == (False, None)
    cache.mkdir()
    (cache / "osv.sqlite3").write_bytes(b"\x1b[2J not an index" * 100)
    broken = run("version", cache=cache)
    assert broken.returncode == 0
    assert broken.stdout.splitlines()[2].startswith("  unusable: advisory index ")
    assert "\x1b" not in broken.stdout
    older = cache / "older.sqlite3"
    assert run("db", "import", str(FIXTURES), "--db", str(older), cache=cache).returncode == 0
    with sqlite3.connect(older) as conn:  # as an older wellcheck left it: no data date
        conn.execute("DELETE FROM meta WHERE key = 'data_date'")
    conn.close()
    text = run("version", "--db", str(older), cache=cache).stdout
    assert (
        "  data date:    unknown (built by an older wellcheck; run `wellcheck db update`)" in text
    )


PROBE = """
import sys
from wellcheck.cli import main
sys.argv = ["wellcheck", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
heavy = ("requests", "packaging", "wellcheck.http", "wellcheck.advisories.index",
         "wellcheck.config")
print(sorted(m for m in sys.modules if m.startswith("wellcheck.cli.")))
print(sorted(m for m in heavy if m in sys.modules))
"""


@pytest.mark.parametrize("argv", [["version"], ["--version"], ["version", "--format", "json"]])
def test_version_imports_no_more_than_it_needs(argv: list[str], cache: Path) -> None:
    """Only its own command module; not the HTTP client, the matcher or the config loader."""
    assert run("db", "import", str(FIXTURES), cache=cache).returncode == 0
    env = {**os.environ, "WELLCHECK_CACHE_DIR": str(cache)}
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, *argv], capture_output=True, text=True, env=env, check=True
    )
    *_, modules, heavy = proc.stdout.splitlines()
    assert modules == "['wellcheck.cli.app', 'wellcheck.cli.commands_version']"
    assert heavy == "[]"

"""Item 21: kill a writer in the middle of a cache write; the old data is still usable.

Each case runs the real writer in a child process, in a loop of writes, waits
until it has committed a few, then kills it (SIGKILL on POSIX, TerminateProcess
on Windows) while it is writing.  The advisory index has its own kill tests in
tests/advisories/test_index.py; these cover the PyPI store, the OSV API cache,
the popular-package list and the owners baseline.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

WRITERS = {
    "pypi-store": """
        from wellcheck.pypi.store import PyPIStore
        store = PyPIStore(PATH)
        body = {"info": {"summary": "x" * 20000}, "releases": {}}
        for i in range(10**9):
            store.put(f"p{i % 50}", 200, body, float(i))
            store.observe_owners(f"p{i % 50}", (f"owner{i % 3}",), float(i))
            print(i, flush=True)
    """,
    "osv-api-cache": """
        from wellcheck.advisories.apicache import RecordCache
        cache = RecordCache(PATH, ttl=1e9)
        for i in range(10**9):
            cache.put({"id": f"R-{i % 50}", "modified": str(i), "details": "y" * 20000})
            print(i, flush=True)
    """,
    "popular-list": """
        from wellcheck.signals.popular import refresh_popular
        for i in range(10**9):
            refresh_popular(str(SOURCES[i % 2]), PATH)
            print(i, flush=True)
    """,
    "owners-baseline": """
        from wellcheck.signals.pypi_baseline import write_baseline
        for i in range(10**9):
            owners = {f"pkg{j}": (f"user{i % 2}",) for j in range(3000)}
            write_baseline(PATH, owners)
            print(i, flush=True)
    """,
}


def _top_pypi(path: Path, prefix: str) -> Path:
    rows = [{"project": f"{prefix}-{i}", "download_count": 10**6 - i} for i in range(3000)]
    path.write_text(json.dumps({"last_update": "2026-11-01", "rows": rows}))
    return path


def _kill_mid_write(code: str, path: Path, sources: list[Path], commits: int = 5) -> None:
    prelude = f"from pathlib import Path\nPATH = Path({str(path)!r})\n"
    prelude += f"SOURCES = [Path(p) for p in {[str(s) for s in sources]!r}]\n"
    proc = subprocess.Popen(
        [sys.executable, "-c", prelude + textwrap.dedent(code)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    for _ in range(commits):  # a few writes are committed; the next one is under way
        assert proc.stdout.readline(), "the writer died on its own"
    proc.kill()
    proc.wait()
    proc.stdout.close()


@pytest.mark.parametrize("commits", [3, 17])
def test_killed_pypi_store_write_keeps_the_store(tmp_path: Path, commits: int) -> None:
    from wellcheck.pypi.store import PyPIStore

    path = tmp_path / "pypi.sqlite3"
    _kill_mid_write(WRITERS["pypi-store"], path, [], commits)
    store = PyPIStore(path)
    try:
        assert store.warnings == []  # passed its integrity check: not moved aside
        cached = store.get("p0")
        assert cached is not None and cached[2]["info"]["summary"] == "x" * 20000
        store.observe_owners("p0", ("owner0",), 1e9)  # and it is writable again
    finally:
        store.close()
    assert not list(tmp_path.glob("*.corrupt-*"))


@pytest.mark.parametrize("commits", [3, 17])
def test_killed_osv_api_cache_write_keeps_the_cache(tmp_path: Path, commits: int) -> None:
    from wellcheck.advisories.apicache import RecordCache

    path = tmp_path / "osv-api.sqlite3"
    _kill_mid_write(WRITERS["osv-api-cache"], path, [], commits)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    conn.close()
    cache = RecordCache(path, ttl=1e9)
    try:
        record = cache.get("R-0", None)
        assert record is not None and record["details"] == "y" * 20000
    finally:
        cache.close()


@pytest.mark.parametrize("commits", [1, 4])
def test_killed_popular_refresh_keeps_a_whole_list(tmp_path: Path, commits: int) -> None:
    from wellcheck.signals.popular import load_popular

    sources = [_top_pypi(tmp_path / "a.json", "alpha"), _top_pypi(tmp_path / "b.json", "beta")]
    dest = tmp_path / "cache" / "popular.json"
    _kill_mid_write(WRITERS["popular-list"], dest, sources, commits)
    loaded = load_popular(dest)
    assert len(loaded) == 3000
    assert {name.split("-")[0] for name in loaded.names} in ({"alpha"}, {"beta"})


def test_killed_baseline_write_keeps_a_whole_baseline(tmp_path: Path) -> None:
    from wellcheck.signals.pypi_baseline import read_baseline

    path = tmp_path / "owners.json"
    _kill_mid_write(WRITERS["owners-baseline"], path, [], 3)
    owners = read_baseline(path)
    assert len(owners) == 3000
    assert set(owners.values()) in ({("user0",)}, {("user1",)})

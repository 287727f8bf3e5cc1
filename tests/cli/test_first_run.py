"""First run (issue 12): with no advisory index yet, ``wellcheck scan`` downloads it, through
the code ``wellcheck db update`` uses, instead of failing; ``--offline`` and
``--skip-db-update`` keep the one-line error.  A download that fails makes the advisory
check "not checked" (exit 3), never clean.

The export is a zip of OSV records authored here, served by the loopback OSV server
(``tests/advisories/osv_server.py``); the function zip is built by ``zipkit``.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
import zipfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

TESTS = Path(__file__).resolve().parents[1]
for folder in ("advisories", "artifact"):
    if str(TESTS / folder) not in sys.path:
        sys.path.insert(0, str(TESTS / folder))

from osv_server import OsvServer  # noqa: E402
from osvdata import record  # noqa: E402
from zipkit import dist_info, zip_bytes  # noqa: E402

FRESH = (datetime.now(UTC) - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
LEAK = record(
    "PYSEC-2023-74",
    "requests",
    [{"introduced": "2.3.0"}, {"fixed": "2.31.0"}],
    modified=FRESH,
    database_specific={"severity": "HIGH"},  # fails the scan at the default --fail-on high
)


def export_zip(padding: int = 0) -> bytes:
    """An OSV all.zip: the requests record, plus ``padding`` records about other projects."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("PYSEC-2023-74.json", json.dumps(LEAK))
        for n in range(padding):
            other = record(f"PYSEC-1-{n}", f"project-{n}", [{"introduced": "0"}], modified=FRESH)
            zf.writestr(f"PYSEC-1-{n}.json", json.dumps(other))
    return buf.getvalue()


@pytest.fixture
def osv() -> Iterator[OsvServer]:
    with OsvServer() as server:
        server.export = export_zip()
        yield server


@pytest.fixture
def box(tmp_path: Path) -> Path:
    """A working directory with a function zip, and an empty cache dir beside it."""
    (tmp_path / "function.zip").write_bytes(
        zip_bytes({**dist_info("requests", "2.25.1"), **dist_info("six", "1.16.0")})
    )
    return tmp_path


def environment(box: Path, osv: OsvServer, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WELLCHECK_")}
    env.update(
        WELLCHECK_CACHE_DIR=str(box / "cache"),
        WELLCHECK_OSV_EXPORT_URL=f"{osv.url}/export.zip",
        NO_COLOR="1",
        **extra,
    )
    return env


SCAN = ("scan", "function.zip", "--no-signals", "-f", "json")


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "wellcheck", *args]


def wellcheck(
    box: Path, osv: OsvServer, *args: str, **env: str
) -> subprocess.CompletedProcess[str]:
    """The real console program, stdout and stderr as pipes (as in a CI job)."""
    return subprocess.run(
        command(*args),
        capture_output=True,
        text=True,
        env=environment(box, osv, **env),
        cwd=box,
        timeout=120,
        check=False,
    )


def advisories(report: str) -> list[str]:
    return sorted(f["rule"] for f in json.loads(report)["artifacts"][0]["findings"])


def cache_files(box: Path) -> list[str]:
    cache = box / "cache"
    return sorted(p.name for p in cache.iterdir()) if cache.is_dir() else []


def test_the_first_scan_downloads_the_index_quietly_and_the_next_reuses_it(
    box: Path, osv: OsvServer
) -> None:
    first = wellcheck(box, osv, *SCAN)
    assert first.returncode == 1, first.stderr
    assert advisories(first.stdout) == ["PYSEC-2023-74"]
    assert first.stderr == ""  # stderr is no terminal: no progress bar, no message
    assert cache_files(box) == ["osv.sqlite3"]  # no lock, no partial download left
    status = json.loads(wellcheck(box, osv, "db", "status", "--format", "json").stdout)
    assert (status["source"], status["data_date"]) == (f"{osv.url}/export.zip", FRESH)
    again = wellcheck(box, osv, *SCAN)
    assert (again.returncode, advisories(again.stdout)) == (1, ["PYSEC-2023-74"])
    assert osv.count("export") == 1  # downloaded once, by the first run only


@pytest.mark.parametrize("flag", ["--offline", "--skip-db-update"])
def test_offline_and_skip_db_update_keep_the_one_line_error(
    box: Path, osv: OsvServer, flag: str
) -> None:
    proc = wellcheck(box, osv, *SCAN, flag)
    assert (proc.returncode, proc.stdout) == (2, "")
    assert proc.stderr.splitlines() == [
        f"wellcheck: error: no advisory index at {box / 'cache' / 'osv.sqlite3'}; "
        "run `wellcheck db update` or `wellcheck db import FILE`"
    ]
    assert osv.count("export") == 0 and cache_files(box) == []


def _empty_zip() -> bytes:
    buf = io.BytesIO()
    zipfile.ZipFile(buf, "w").close()
    return buf.getvalue()


FAILURES: dict[str, tuple[Callable[[OsvServer], Any], dict[str, str], str]] = {
    "http-400": (lambda s: s.inject("export", "400"), {}, "HTTP 400"),
    "over-the-cap": (
        lambda s: setattr(s, "export", export_zip(padding=40)),
        {"WELLCHECK_NET_MAX_DOWNLOAD": "1KiB"},
        "1024",
    ),
    "not-a-zip": (lambda s: setattr(s, "export", b"<html>maintenance</html>"), {}, "neither"),
    "no-records": (lambda s: setattr(s, "export", _empty_zip()), {}, "no OSV records"),
}


@pytest.mark.parametrize("case", sorted(FAILURES))
def test_a_failed_first_download_is_not_checked_never_clean(
    box: Path, osv: OsvServer, case: str
) -> None:
    arrange, env, cause = FAILURES[case]
    arrange(osv)
    proc = wellcheck(box, osv, *SCAN, **env)
    assert proc.returncode == 3, proc.stderr
    report = json.loads(proc.stdout)
    assert report["verdict"]["status"] == "incomplete"
    (skipped,) = report["artifacts"][0]["not_checked"]
    assert skipped["source"] == "osv-offline"
    assert "its first download failed" in skipped["reason"] and cause in skipped["reason"]
    assert skipped["reason"].endswith("run `wellcheck db update`")
    assert advisories(proc.stdout) == []
    assert [p for p in cache_files(box) if p.startswith("osv.sqlite3")] == []  # nothing half-made


def test_two_first_runs_at_once_both_work(box: Path, osv: OsvServer) -> None:
    osv.export = export_zip(padding=200)
    osv.inject("export", "drip:2")  # two seconds: the second run reaches the lock meanwhile
    env = environment(box, osv)
    runs = [
        subprocess.Popen(
            command(*SCAN), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
            cwd=box,
        )
        for _ in range(2)
    ]  # fmt: skip
    results = [proc.communicate(timeout=120) for proc in runs]
    for proc, (out, err) in zip(runs, results, strict=True):
        assert proc.returncode == 1, err
        assert advisories(out) == ["PYSEC-2023-74"]
    assert osv.count("export") == 1  # the second waited for the first's index
    assert cache_files(box) == ["osv.sqlite3"]


def test_on_a_terminal_the_download_shows_its_progress(box: Path, osv: OsvServer) -> None:
    pty = pytest.importorskip("pty", reason="POSIX terminals only")
    osv.export = export_zip(padding=200)
    osv.inject("export", "drip:0.5")  # long enough for the bar to be drawn
    env = {**environment(box, osv), "TERM": "xterm"}
    master, terminal = pty.openpty()
    drawn = bytearray()

    def read() -> None:  # drain the terminal as it is drawn: a full one would block the bar
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # closed with the process
                return
            if not chunk:
                return
            drawn.extend(chunk)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    with subprocess.Popen(
        command(*SCAN), stdout=subprocess.PIPE, stderr=terminal, cwd=box, env=env
    ) as proc:
        os.close(terminal)
        out, _ = proc.communicate(timeout=120)
    reader.join(timeout=10)
    os.close(master)
    assert proc.returncode == 1
    assert b"advisory index" in drawn and b"kB" in drawn
    assert advisories(out.decode()) == ["PYSEC-2023-74"]

"""`wellcheck db update|import|status` as a user runs them (subprocess, real exit codes)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "osv"


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "wellcheck", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=60,
    )


def export_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for path in sorted(FIXTURES.glob("*.json"))[:4]:
            zf.writestr(path.name, path.read_text())
    return buf.getvalue()


class Export:
    """Serves /all.zip on 127.0.0.1; another ``status`` makes every request fail."""

    def __init__(self, payload: bytes) -> None:
        self.payload = payload
        self.status = 200
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                body = outer.payload if outer.status == 200 else b"no"
                self.send_response(outer.status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, args=(0.02,), daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/all.zip"


@pytest.fixture
def export() -> Iterator[Export]:
    server = Export(export_zip())
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "osv.sqlite3"


def test_import_then_status(db: Path) -> None:
    done = run("db", "import", str(FIXTURES), "--db", str(db))
    assert done.returncode == 0, done.stderr
    assert "imported 11 records" in done.stdout
    status = run("db", "status", "--db", str(db), "--format", "json")
    info = json.loads(status.stdout)
    assert (info["record_count"], info["source"]) == (11, str(FIXTURES))
    assert info["data_date"] == "2026-11-01T00:00:00Z"  # the newest fixture record's modified
    assert info["stale"] is (info["age_days"] > 5)
    fresh = {"WELLCHECK_DB_MAX_AGE_DAYS": "36500"}
    text = run("db", "status", "--db", str(db), "--check", env=fresh)
    assert "records:        11" in text.stdout and text.returncode == 0
    assert "data date:      2026-11-01T00:00:00Z (" in text.stdout
    assert text.stderr == ""


def test_stale_index_warns_loudly_but_succeeds(db: Path) -> None:
    run("db", "import", str(FIXTURES), "--db", str(db))
    done = run("db", "status", "--db", str(db), env={"WELLCHECK_DB_MAX_AGE_DAYS": "0"})
    assert done.returncode == 0 and "WARNING" in done.stderr and "db update" in done.stderr
    assert "data date 2026-11-01T00:00:00Z" in done.stderr
    flag = run("db", "status", "--db", str(db), "--max-age-days", "36500")
    assert flag.returncode == 0 and flag.stderr == ""


def test_missing_and_corrupt_index_are_input_errors(db: Path) -> None:
    done = run("db", "status", "--db", str(db))
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"wellcheck: error: no advisory index at {db}; "
        "run `wellcheck db update` or `wellcheck db import FILE`"
    )
    db.write_bytes(b"garbage" * 100)
    done = run("db", "status", "--db", str(db))
    assert done.returncode == 2 and "wellcheck db update" in done.stderr


def test_update_downloads_and_imports(export: Export, db: Path) -> None:
    sha = hashlib.sha256(export.payload).hexdigest()
    done = run("db", "update", "--db", str(db), "--url", export.url, "--sha256", sha)
    assert done.returncode == 0, done.stderr
    assert "imported 4 records" in done.stdout
    assert (
        json.loads(run("db", "status", "--db", str(db), "--format", "json").stdout)["source_sha256"]
        == sha
    )
    assert sorted(p.name for p in db.parent.iterdir()) == ["osv.sqlite3"]  # no leftovers


def test_update_url_from_environment_and_cache_dir(export: Export, tmp_path: Path) -> None:
    env = {"WELLCHECK_OSV_EXPORT_URL": export.url, "WELLCHECK_CACHE_DIR": str(tmp_path / "c")}
    assert run("db", "update", env=env).returncode == 0
    assert (tmp_path / "c" / "osv.sqlite3").is_file()


def test_hash_mismatch_and_failed_download_keep_the_old_index(export: Export, db: Path) -> None:
    run("db", "import", str(FIXTURES), "--db", str(db))
    before = db.read_bytes()
    done = run("db", "update", "--db", str(db), "--url", export.url, "--sha256", "0" * 64)
    assert done.returncode == 2 and "rejected" in done.stderr
    export.status = 404  # not retried (5xx is, see tests/advisories/test_osv_api.py)
    done = run("db", "update", "--db", str(db), "--url", export.url)
    assert done.returncode == 3 and "HTTP 404" in done.stderr
    assert db.read_bytes() == before
    assert sorted(p.name for p in db.parent.iterdir()) == ["osv.sqlite3"]


def test_an_index_from_an_older_wellcheck_opens_and_says_its_data_date_is_unknown(
    db: Path, tmp_path: Path
) -> None:
    import sqlite3

    run("db", "import", str(FIXTURES), "--db", str(db))
    with sqlite3.connect(db) as conn:  # the meta an older wellcheck wrote: no data date
        conn.execute("DELETE FROM meta WHERE key = 'data_date'")
        conn.execute("INSERT INTO meta VALUES ('newest_modified', '2026-11-01T00:00:00Z')")
    conn.close()
    status = run("db", "status", "--db", str(db))
    assert status.returncode == 0
    assert (
        "data date:      unknown (built by an older wellcheck; run `wellcheck db update`)"
        in status.stdout
    )
    assert "data date unknown, run `wellcheck db update`" in status.stderr
    artifact = tmp_path / "function.zip"
    with zipfile.ZipFile(artifact, "w") as zf:  # requests 2.25.1: a fixture advisory applies
        zf.writestr("requests-2.25.1.dist-info/METADATA", "Name: requests\nVersion: 2.25.1\n\n")
    scan = run("scan", str(artifact), "--db", str(db), "--no-signals", "-f", "json")
    report = json.loads(scan.stdout)
    assert report["artifacts"][0]["findings"]  # the old index still matches
    (note,) = report["notes"]
    assert "data date unknown, run `wellcheck db update`" in note

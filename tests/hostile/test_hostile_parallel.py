"""Item 22: scans in parallel sharing one cache dir all succeed; the cache stays intact.

Three real ``wellcheck scan`` processes run at once with the same
WELLCHECK_CACHE_DIR, each fetching from a loopback OSV API and a loopback PyPI
(answers are slowed down so the writes overlap) and writing the OSV API cache
and the PyPI store.  Two ``db import`` runs race for the advisory index lock.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from osv_server import OsvServer
from osvdata import record, write_records
from sandbox import Sandbox
from zipkit import dist_info, zip_bytes

PACKAGES = {"requests": "2.25.1", "idna": "2.10", "six": "1.16.0", "urllib3": "1.26.4"}
REQ = record("PYSEC-2023-74", "requests", [{"introduced": "2.3.0"}, {"fixed": "2.31.0"}])
IDNA = record("PYSEC-2024-60", "idna", [{"introduced": "0.1"}, {"fixed": "3.7"}])


def _pypi_doc(name: str, version: str) -> bytes:
    release = {
        "filename": f"{name}-{version}-py3-none-any.whl",
        "upload_time_iso_8601": "2021-01-01T00:00:00Z",
        "yanked": False,
        "yanked_reason": None,
    }
    doc = {
        "info": {
            "name": name,
            "summary": f"{name} summary",
            "project_urls": {"Source": f"https://github.com/example/{name}"},
            "author": "",
            "author_email": "",
            "maintainer": "",
            "maintainer_email": "",
            "home_page": "",
        },
        "releases": {"1.0": [release], version: [release]},
        "ownership": {"organization": None, "roles": [{"role": "Owner", "user": "someone"}]},
    }
    return json.dumps(doc).encode()


@pytest.fixture
def pypi_url() -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            name = self.path.strip("/").split("/")[1]
            time.sleep(0.05)  # keep the scans' writes overlapping
            body = _pypi_doc(name, PACKAGES[name]) if name in PACKAGES else b"{}"
            self.send_response(200 if name in PACKAGES else 404)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _start(sandbox: Sandbox, *args: object, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "wellcheck", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=sandbox.env(**env),
        cwd=sandbox.cwd,
    )


def _integrity(path: Path, table: str | None = None) -> tuple[str, int]:
    """(integrity_check answer, rows in ``table``) of an SQLite file that must exist."""
    assert path.is_file()
    conn = sqlite3.connect(path)
    try:
        check = str(conn.execute("PRAGMA integrity_check").fetchone()[0])
        rows = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] if table else 0
        return check, int(rows)
    finally:
        conn.close()


def test_parallel_scans_share_one_cache_dir(sandbox: Sandbox, pypi_url: str) -> None:
    files: dict[str, bytes] = {}
    for name, version in PACKAGES.items():
        files.update(dist_info(name, version))
    artifact = sandbox.root / "function.zip"
    artifact.write_bytes(zip_bytes(files))
    with OsvServer() as osv:
        osv.add(REQ, ("requests", "2.25.1"))
        osv.add(IDNA, ("idna", "2.10"))
        for fault in ("slow:0.2", "slow:0.2", "slow:0.2"):
            osv.inject("querybatch", fault)
        env = {"WELLCHECK_OSV_API_URL": osv.url, "WELLCHECK_PYPI_URL": pypi_url}
        args = (
            "scan",
            artifact,
            "--source",
            "osv-api",
            "--pypi",
            "--no-signals",
            "-j",
            "1",
            "-f",
            "json",
        )
        procs = [_start(sandbox, *args, "--fail-on", "none", **env) for _ in range(3)]
        outputs = [proc.communicate(timeout=120) for proc in procs]
    reports = []
    for proc, (out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
        reports.append(json.loads(out))
    for report in reports:
        [result] = report["artifacts"]
        assert report["verdict"]["incomplete"] is False
        advisories = {
            (f["package"], f["id"]) for f in result["findings"] if f["kind"] == "advisory"
        }
        assert advisories == {("requests", "PYSEC-2023-74"), ("idna", "PYSEC-2024-60")}
    assert reports[0]["artifacts"] == reports[1]["artifacts"] == reports[2]["artifacts"]
    assert _integrity(sandbox.cache / "osv-api.sqlite3", "vulns") == ("ok", 2)
    assert _integrity(sandbox.cache / "pypi.sqlite3", "projects") == ("ok", len(PACKAGES))
    assert not list(sandbox.cache.glob("*.corrupt-*"))
    # the shared cache then answers a scan on its own, offline
    offline = sandbox.wellcheck(
        "scan", artifact, "--pypi", "--offline", "--no-advisories", "-j", "1", "-f", "json"
    )
    assert offline.returncode == 0, offline.stderr
    assert json.loads(offline.stdout)["verdict"]["incomplete"] is False


def test_parallel_db_imports_both_succeed(sandbox: Sandbox) -> None:
    records = write_records(sandbox.root / "records", REQ, IDNA)
    db = sandbox.root / "osv.sqlite3"
    procs = [_start(sandbox, "db", "import", records, "--db", db) for _ in range(2)]
    for proc in procs:
        _out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
    assert _integrity(db, "records") == ("ok", 2)
    assert sorted(p.name for p in sandbox.root.glob("osv.sqlite3*")) == ["osv.sqlite3"]
    status = sandbox.wellcheck("db", "status", "--db", db)
    assert status.returncode == 0 and "2" in status.stdout

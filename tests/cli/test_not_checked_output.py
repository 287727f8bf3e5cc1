"""A dead OSV API and a dead PyPI, through the real console program: one line per source on
the screen and on stderr, every package in the json report."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]
if str(TESTS / "artifact") not in sys.path:
    sys.path.insert(0, str(TESTS / "artifact"))

from zipkit import dist_info, zip_bytes  # noqa: E402

PACKAGES = {f"project-{n}": f"1.{n}" for n in range(8)}


class Refusing(BaseHTTPRequestHandler):
    """Every request, OSV's or PyPI's, gets HTTP 400 (never retried: the test stays fast)."""

    def log_message(self, *args: object) -> None:
        pass

    def _refuse(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self.send_response(400)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    do_GET = do_POST = _refuse


@pytest.fixture(scope="module")
def dead() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Refusing)
    threading.Thread(target=httpd.serve_forever, args=(0.02,), daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def box(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("not-checked")
    files: dict[str, bytes] = {}
    for name, version in PACKAGES.items():
        files.update(dist_info(name, version))
    (base / "function.zip").write_bytes(zip_bytes(files))
    return base


def scan(box: Path, dead: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WELLCHECK_")}
    env.update(
        WELLCHECK_CACHE_DIR=str(box / "cache"),
        WELLCHECK_OSV_API_URL=dead,
        WELLCHECK_PYPI_URL=dead,
        NO_COLOR="1",
    )
    flags = ("--source", "osv-api", "--pypi", "--no-signals", "-j", "1")
    return subprocess.run(
        [sys.executable, "-m", "wellcheck", "scan", "function.zip", *flags, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=box,
        timeout=120,
        check=False,
    )


def test_the_table_says_it_once_per_source(box: Path, dead: str) -> None:
    proc = scan(box, dead)
    assert proc.returncode == 3
    items = [line for line in proc.stdout.splitlines() if line.startswith("    - ")]
    assert [line.split(":")[0] for line in items] == ["    - osv-api", "    - pypi"]
    assert "(8 packages: project-0 1.0, " in proc.stdout
    assert proc.stderr == ""  # the table on the screen has them: not twice


def test_a_report_file_gets_one_stderr_line_per_source_and_every_package(
    box: Path, dead: str
) -> None:
    proc = scan(box, dead, "-o", "report.json")
    assert proc.returncode == 3
    lines = proc.stderr.splitlines()
    assert [line.split(":")[:2] for line in lines[:2]] == [
        ["wellcheck", " not checked"],
        ["wellcheck", " not checked"],
    ]
    assert lines[0].startswith(f"wellcheck: not checked: osv-api: POST {dead}/v1/querybatch")
    assert lines[1].startswith(
        f"wellcheck: not checked: pypi: GET {dead}/\u2026: HTTP 400 (8 packages"
    )
    assert lines[2].startswith("wellcheck: INCOMPLETE") and len(lines) == 3
    entries = json.loads((box / "report.json").read_text())["artifacts"][0]["not_checked"]
    for source in ("osv-api", "pypi"):
        assert {e["package"] for e in entries if e["source"] == source} == set(PACKAGES)
    quiet = scan(box, dead, "-o", "quiet.json", "--quiet")
    assert (quiet.returncode, quiet.stderr) == (3, "")

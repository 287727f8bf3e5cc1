"""Issue 11: where writing into the cache dir is the point, an unusable one is a one-line error.

``db import``, ``db update`` (the advisory index) and ``popular refresh`` (the user's
list) exist to write there: a read-only directory or a file where the directory
should be is exit 2 with one line on stderr, never an internal error, and nothing
is left behind.  (Scans, which only use caches, run without them: see
tests/pypi/test_cache_dirs_cli.py.)
"""

from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path

import pytest
from hostile_http import HostileServer, answer, measured
from osvdata import record, write_records
from readonly import child_options
from sandbox import Sandbox

EXPORT = record("PYSEC-2023-74", "requests", [{"introduced": "0"}, {"fixed": "2.31.0"}])


def _wellcheck(sandbox: Sandbox, *args: object, **env: str) -> tuple[int, str]:
    preexec, _ = child_options()
    run = measured(
        [sys.executable, "-m", "wellcheck", *map(str, args)],
        env=sandbox.env(**env),
        cwd=sandbox.cwd,
        preexec_fn=preexec,
    )
    return run.returncode, run.stderr


def _break(cache: Path, how: str) -> None:
    if how == "read-only":
        _, why = child_options()
        if why:
            pytest.skip(why)
        cache.chmod(0o555)
    else:
        cache.rmdir()
        cache.write_text("a file where the cache dir should be\n", encoding="utf-8")


@pytest.fixture
def export_zip(sandbox: Sandbox) -> bytes:
    records = write_records(sandbox.root / "records", EXPORT)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for path in sorted(records.rglob("*.json")):
            zf.write(path, path.name)
    return buffer.getvalue()


@pytest.mark.parametrize("how", ["read-only", "a-file-in-the-way"])
def test_db_import_and_update_into_an_unusable_dir_are_one_line_errors(
    sandbox: Sandbox, export_zip: bytes, how: str
) -> None:
    records = write_records(sandbox.root / "more-records", EXPORT)
    _break(sandbox.cache, how)
    with HostileServer() as server:
        url = server.route("/all.zip", answer(export_zip))
        runs = {
            "import": _wellcheck(sandbox, "db", "import", records),
            "update": _wellcheck(sandbox, "db", "update", "--url", url),
        }
    for command, (status, stderr) in runs.items():
        assert status == 2, (command, stderr)
        assert stderr.startswith("wellcheck: error: cannot "), (command, stderr)
        assert stderr.count("\n") == 1 and "osv.sqlite3" in stderr, (command, stderr)
    if how == "read-only":
        assert list(sandbox.cache.iterdir()) == []
    else:
        assert sandbox.cache.read_text(encoding="utf-8").startswith("a file")


@pytest.mark.parametrize("how", ["read-only", "a-file-in-the-way"])
def test_popular_refresh_into_an_unusable_dir_is_a_one_line_error(
    sandbox: Sandbox, how: str
) -> None:
    rows = [{"project": f"project-{i}", "download_count": 1000 - i} for i in range(150)]
    listing = sandbox.root / "top.json"
    listing.write_text(f'{{"rows": {rows!r}}}'.replace("'", '"'), encoding="utf-8")
    _break(sandbox.cache, how)
    status, stderr = _wellcheck(sandbox, "popular", "refresh", "--from", listing)
    assert status == 2, stderr
    assert stderr.startswith("wellcheck: error: cannot write ") and stderr.count("\n") == 1

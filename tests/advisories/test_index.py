"""The local index: import from a directory and a zip, status, staleness, crash safety."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from osv_server import OsvServer
from osvdata import FIXTURES, record, write_records

from wellcheck.advisories.export import download_export
from wellcheck.advisories.index import AdvisoryIndex, build_index, import_path
from wellcheck.advisories.locations import index_path
from wellcheck.advisories.lock import file_lock
from wellcheck.advisories.offline import OfflineSource
from wellcheck.errors import DatabaseError
from wellcheck.http import RetryPolicy

REQ = record(
    "PYSEC-2023-74",
    "requests",
    [{"introduced": "2.3.0"}, {"fixed": "2.31.0"}],
    aliases=("CVE-2023-32681", "GHSA-j8r2-6x86-q33q"),
)
OLD = record("PYSEC-9", "Requests", [{"introduced": "0"}, {"fixed": "1.0"}])
GONE = record("PYSEC-10", "requests", [{"introduced": "0"}], withdrawn="2024-02-01T00:00:00Z")


def test_import_directory_and_match(tmp_path: Path) -> None:
    src = write_records(tmp_path / "recs", REQ, OLD, GONE)
    (src / "notes.txt").write_text("not a record")
    (src / "broken.json").write_text("{ nope")
    report = import_path(src, tmp_path / "db.sqlite3")
    assert (report.record_count, report.withdrawn, report.invalid) == (3, 1, 1)
    source = OfflineSource(tmp_path / "db.sqlite3")
    result = source.query([("requests", "2.25.1"), ("requests", "2.31.0")])
    assert [a.id for a in result.advisories[("requests", "2.25.1")]] == ["PYSEC-2023-74"]
    assert result.advisories[("requests", "2.25.1")][0].fixed == "2.31.0"
    assert ("requests", "2.31.0") not in result.advisories  # withdrawn record never matches
    assert source.status.record_count == 3
    assert source.status.data_date == "2024-01-01T00:00:00Z"  # the records', not the import's
    source.close()


def test_import_zip_built_in_the_test(tmp_path: Path) -> None:
    archive = tmp_path / "all.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for rec in (REQ, OLD):
            zf.writestr(f"{rec['id']}.json", json.dumps(rec))
        zf.writestr("README", "ignored")
    report = import_path(archive, tmp_path / "db.sqlite3")
    assert report.record_count == 2
    with AdvisoryIndex(tmp_path / "db.sqlite3") as index:
        status = index.status(7)
        assert status.source == str(archive) and len(status.source_sha256 or "") == 64
        assert {r["id"] for r in index.records_for(["requests"])["requests"]} == {
            "PYSEC-2023-74",
            "PYSEC-9",
        }


def test_yaml_records_are_read_when_pyyaml_is_present_else_skipped(tmp_path: Path) -> None:
    src = write_records(tmp_path / "recs", REQ)
    (src / "PYSEC-1.yaml").write_text(
        "id: PYSEC-1\nmodified: 2024-05-01T10:00:00Z\n"
        "affected:\n- package: {ecosystem: PyPI, name: six}\n"
        "  ranges:\n  - type: ECOSYSTEM\n    events: [{introduced: '0'}]\n"
    )
    report = import_path(src, tmp_path / "db.sqlite3")
    try:
        import yaml  # noqa: F401
    except ImportError:
        assert report.record_count == 1 and report.skipped == 1
        assert any("PyYAML" in note for note in report.notes)
    else:
        assert report.record_count == 2 and report.skipped == 0
        with OfflineSource(tmp_path / "db.sqlite3") as source:
            result = source.query([("six", "1.16.0")])
        (adv,) = result.advisories[("six", "1.16.0")]
        assert (adv.id, adv.modified) == ("PYSEC-1", "2024-05-01T10:00:00Z")


def test_fixture_records_import(tmp_path: Path) -> None:
    report = import_path(FIXTURES, tmp_path / "db.sqlite3")
    assert report.record_count == 11 and report.invalid == 0


def test_missing_index_says_how_to_get_one(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError, match=r"no advisory index at .*wellcheck db update"):
        OfflineSource(tmp_path / "absent.sqlite3")


def test_corrupt_index_is_a_clear_error_with_recovery(tmp_path: Path) -> None:
    bad = tmp_path / "db.sqlite3"
    bad.write_bytes(b"SQLite format 3\x00" + os.urandom(4096))
    with pytest.raises(DatabaseError, match="wellcheck db update"):
        OfflineSource(bad)
    other = tmp_path / "other.sqlite3"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    with pytest.raises(DatabaseError, match=r"unreadable.*wellcheck db import"):
        OfflineSource(other)


def test_empty_source_keeps_the_old_index(tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite3"
    import_path(write_records(tmp_path / "a", REQ), db)
    (tmp_path / "empty").mkdir()
    with pytest.raises(DatabaseError, match="no OSV records"):
        import_path(tmp_path / "empty", db)
    with OfflineSource(db) as source:
        assert source.status.record_count == 1
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("db")) == ["db.sqlite3"]


def test_stale_index_warns_but_works(tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite3"
    import_path(write_records(tmp_path / "a", REQ), db)  # imported now, data from 2024-01-01
    with OfflineSource(db) as source:
        assert source.status.stale and source.status.age_days is not None
        assert source.status.age_days > 300  # the data's age, not the import's (seconds)
        assert source.stale_warning and "wellcheck db update" in source.stale_warning
        assert "data date 2024-01-01T00:00:00Z" in source.stale_warning
        assert source.query([("requests", "2.25.1")]).advisories  # still used


def test_env_and_flag_choose_the_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert index_path() == tmp_path / "cache" / "osv.sqlite3"
    monkeypatch.setenv("WELLCHECK_DB", str(tmp_path / "env.sqlite3"))
    assert index_path() == tmp_path / "env.sqlite3"
    assert index_path(tmp_path / "flag.sqlite3") == tmp_path / "flag.sqlite3"


def test_lock_from_a_dead_process_is_broken(tmp_path: Path) -> None:
    lock = tmp_path / "db.sqlite3.lock"
    lock.write_text(json.dumps({"pid": 2**22 + 12345, "host": "elsewhere", "t": 0}))
    old = time.time() - 7200
    os.utime(lock, (old, old))
    build_index([REQ], tmp_path / "db.sqlite3", source="test")
    assert not lock.exists()


def test_live_lock_blocks_a_second_writer(tmp_path: Path) -> None:
    lock = tmp_path / "db.sqlite3.lock"
    with (
        file_lock(lock),
        pytest.raises(DatabaseError, match="locked by another"),
        file_lock(lock, wait=0.2),
    ):
        pass
    assert not lock.exists()


KILLER = """
import sys
from wellcheck.advisories.export import download_export
from wellcheck.http import RetryPolicy
from wellcheck.advisories.index import import_path
from pathlib import Path
import_path(Path(sys.argv[1]), Path(sys.argv[2]))
"""


@pytest.mark.slow
def test_killed_import_leaves_the_old_index_usable(tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite3"
    import_path(write_records(tmp_path / "old", REQ), db)
    big = tmp_path / "big"
    big.mkdir()
    body = json.dumps(OLD)
    for i in range(6000):
        (big / f"R-{i}.json").write_text(body.replace("PYSEC-9", f"R-{i}"))
    proc = subprocess.Popen([sys.executable, "-c", KILLER, str(big), str(db)])
    deadline = time.monotonic() + 20
    while not list(tmp_path.glob("db.sqlite3.tmp-*")) and time.monotonic() < deadline:
        time.sleep(0.005)
    proc.kill()
    proc.wait()
    assert list(tmp_path.glob("db.sqlite3.tmp-*")), "the import finished before it was killed"
    source = OfflineSource(db)  # the old index is intact and readable
    assert source.status.record_count == 1
    assert source.query([("requests", "2.25.1")]).advisories
    source.close()
    if os.name == "posix":  # the dead writer's lock and temp file are cleaned up by the next one
        assert import_path(write_records(tmp_path / "new", REQ, OLD), db).record_count == 2
        assert not list(tmp_path.glob("db.sqlite3.tmp-*"))


def test_download_streams_with_progress_and_checks_the_hash(
    osv_server: OsvServer, tmp_path: Path
) -> None:
    osv_server.export = b"x" * 200_000
    url = f"{osv_server.url}/export.zip"
    part = tmp_path / "export.part"
    seen: list[tuple[int, int | None]] = []
    digest = download_export(url, part, progress=lambda d, t: seen.append((d, t)))
    assert part.read_bytes() == osv_server.export
    assert seen[-1] == (200_000, 200_000) and len(seen) > 1
    part.unlink()
    with pytest.raises(DatabaseError, match="rejected"):
        download_export(url, part, sha256="0" * 64)
    assert not part.exists()
    osv_server.inject("export", "500")  # retried, then served
    fast = RetryPolicy(attempts=2, backoff=0.01)
    assert download_export(url, part, sha256=digest, policy=fast) == digest


UPDATER = """
import sys
from pathlib import Path
from wellcheck.advisories.index import update_from_url
update_from_url(sys.argv[1], Path(sys.argv[2]))
"""


def test_killed_update_leaves_the_old_index_usable(osv_server: OsvServer, tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite3"
    import_path(write_records(tmp_path / "old", REQ), db)
    archive = tmp_path / "all.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for i in range(300):
            zf.writestr(f"R-{i}.json", json.dumps(OLD).replace("PYSEC-9", f"R-{i}"))
    osv_server.export = archive.read_bytes()
    osv_server.inject("export", "drip:30")
    url = f"{osv_server.url}/export.zip"
    proc = subprocess.Popen([sys.executable, "-c", UPDATER, url, str(db)])
    # killed once its request is in: the child's download is the one the server drips
    # (killed before, it left the drip to the next update, which then waited 30 s)
    deadline = time.monotonic() + 20
    while ("GET", "export", None) not in osv_server.log and time.monotonic() < deadline:
        time.sleep(0.01)
    assert list(tmp_path.glob("db.sqlite3.download-*")), "the download never started"
    proc.kill()
    proc.wait()
    source = OfflineSource(db)
    assert source.status.record_count == 1  # the old index, untouched
    source.close()
    if os.name == "posix":  # the next update breaks the dead lock and removes the partial file
        from wellcheck.advisories.index import update_from_url

        assert update_from_url(url, db).record_count == 300
        assert sorted(p.name for p in tmp_path.glob("db.sqlite3*")) == ["db.sqlite3"]

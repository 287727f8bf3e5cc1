"""The index's data date: how old its newest record is, whatever the day it was imported."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

from osvdata import record, write_records

from wellcheck.advisories.index import AdvisoryIndex, build_index, import_path
from wellcheck.advisories.offline import OfflineSource

NOW = datetime.now(UTC)


def stamp(days_ago: float) -> str:
    return (NOW - timedelta(days=days_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def dated(rid: str, **dates: str) -> dict[str, object]:
    rec = record(rid, "requests", [{"introduced": "0"}, {"fixed": "2.31.0"}])
    del rec["modified"]
    return {**rec, **dates}


def test_the_data_date_is_the_newest_record_modified_or_published(tmp_path: Path) -> None:
    records = (
        dated("PYSEC-1", modified=stamp(30), published=stamp(40)),
        dated("PYSEC-2", modified=stamp(2), published=stamp(1)),  # modified wins over published
        dated("PYSEC-3", published=stamp(1.5)),  # no modified: its published date counts
    )
    report = import_path(write_records(tmp_path / "recs", *records), tmp_path / "db.sqlite3")
    assert report.data_date == stamp(1.5)
    with closing(OfflineSource(tmp_path / "db.sqlite3")) as source:  # default threshold: 5 days
        assert (source.status.data_date, source.stale_warning) == (stamp(1.5), None)
        assert 1.4 < (source.status.age_days or 0) < 1.6
    strict = OfflineSource(tmp_path / "db.sqlite3", max_age=1)
    assert strict.stale_warning is not None
    assert f"data date {stamp(1.5)}, more than 1 days ago" in strict.stale_warning
    strict.close()


def test_an_old_export_imported_today_is_old(tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite3"
    build_index([dated("PYSEC-1", modified=stamp(9))], db, source="a mirror that stopped")
    with AdvisoryIndex(db) as index:
        status = index.status(5)
    assert status.imported_at >= stamp(0.01)  # imported a moment ago
    assert status.stale and status.age_days is not None and 8.9 < status.age_days < 9.1
    assert f"data date {stamp(9)}" in (status.stale_warning() or "")


def test_dates_that_prove_nothing_are_not_counted(tmp_path: Path) -> None:
    records = (
        dated("PYSEC-1", modified=stamp(3)),
        dated("PYSEC-2", modified="2999-01-01T00:00:00Z"),  # from the future
        dated("PYSEC-3", modified="zzz-not-a-date"),  # the lexical maximum of the old code
        dated("PYSEC-4"),  # no date at all
        dated("PYSEC-5", modified=stamp(-0.5)),  # half a day ahead: a clock skew, counted
    )
    report = import_path(write_records(tmp_path / "recs", *records), tmp_path / "db.sqlite3")
    assert report.record_count == 5
    assert report.data_date == stamp(-0.5)
    assert any(note.startswith("3 records have no usable date") for note in report.notes)
    with closing(OfflineSource(tmp_path / "db.sqlite3")) as source:
        assert source.status.age_days == 0.0 and source.stale_warning is None
        assert source.query([("requests", "2.25.1")]).advisories  # every record still matches


def older_wellcheck_index(path: Path) -> Path:
    """The layout an older wellcheck wrote: the same tables, no ``data_date`` in meta,
    and the unchecked ``newest_modified`` it kept instead."""
    build_index([dated("PYSEC-1", modified=stamp(1))], path, source="https://example/all.zip")
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("DELETE FROM meta WHERE key = 'data_date'")
        conn.execute("INSERT INTO meta VALUES ('newest_modified', 'zzz')")
    conn.close()
    return path


def test_an_index_from_an_older_wellcheck_opens_and_says_its_date_is_unknown(
    tmp_path: Path,
) -> None:
    db = older_wellcheck_index(tmp_path / "old.sqlite3")
    with closing(OfflineSource(db)) as source:
        assert source.query([("requests", "2.25.1")]).advisories  # matching is unchanged
        status = source.status
        assert (status.record_count, status.source) == (1, "https://example/all.zip")
        assert (status.data_date, status.age_days, status.stale) == (None, None, True)
        assert source.stale_warning is not None
        assert "data date unknown, run `wellcheck db update`" in source.stale_warning
    build_index([dated("PYSEC-1", modified=stamp(1))], db, source="update")  # what update does
    with closing(OfflineSource(db)) as source:
        assert source.status.data_date == stamp(1) and source.stale_warning is None

"""The local OSV advisory index: an SQLite file built atomically, read-only for scans.

Tables: ``records(id, json, modified, withdrawn)``, ``affected(name, record_id)``
(canonical PyPI name -> record, the lookup key) and ``meta(key, value)``
(source, imported_at, record_count, data_date, source_sha256, format; see
``indexmeta`` for the data date and how older indexes without it are read).

Writers hold ``<index>.lock``, build ``<index>.tmp-<pid>`` beside the old file,
run ``PRAGMA integrity_check`` and a record-count check, fsync, then
``os.replace`` it into place: a killed writer leaves the old index untouched
(its temp file is removed by the next writer).  Readers open the file with
``mode=ro`` and never lock.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from wellcheck.advisories.export import ReadCounts, read_records
from wellcheck.advisories.indexmeta import (
    FORMAT,
    NO_INDEX,
    RECOVERY,
    TIME_FORMAT,
    DataDate,
    IndexStatus,
    connect_readonly,
    status_of,
)
from wellcheck.advisories.lock import file_lock
from wellcheck.advisories.matching import affected_names
from wellcheck.errors import DatabaseError

FIRST_RUN_IMPORT_SECONDS = 300.0  # a waiting first run also allows this long for the import

__all__ = ["NO_INDEX", "RECOVERY", "AdvisoryIndex", "ImportReport", "IndexStatus"]
_SCHEMA = """
CREATE TABLE records (id TEXT PRIMARY KEY, json TEXT NOT NULL, modified TEXT, withdrawn TEXT);
CREATE TABLE affected (name TEXT NOT NULL, record_id TEXT NOT NULL,
                       PRIMARY KEY (name, record_id)) WITHOUT ROWID;
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
"""


@dataclass(frozen=True)
class ImportReport:
    path: str
    record_count: int
    withdrawn: int
    invalid: int  # members that were not OSV records
    skipped: int  # .yaml without PyYAML, oversized members
    notes: tuple[str, ...] = ()
    data_date: str | None = None  # the newest record's date (indexmeta.DataDate)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _fill(
    conn: sqlite3.Connection, records: Iterable[Mapping[str, Any]], dated: DataDate
) -> tuple[int, int]:
    ids: set[str] = set()
    withdrawn = 0
    for record in records:
        rid = str(record["id"])
        modified = record.get("modified") if isinstance(record.get("modified"), str) else None
        gone = record.get("withdrawn") if isinstance(record.get("withdrawn"), str) else None
        if rid in ids:
            conn.execute("DELETE FROM affected WHERE record_id = ?", (rid,))
        ids.add(rid)
        withdrawn += gone is not None
        dated.add(record)
        conn.execute(
            "INSERT OR REPLACE INTO records VALUES (?, ?, ?, ?)",
            (rid, json.dumps(record, separators=(",", ":")), modified, gone),
        )
        conn.executemany(
            "INSERT OR IGNORE INTO affected VALUES (?, ?)",
            ((name, rid) for name in affected_names(record)),
        )
    return len(ids), withdrawn


@contextlib.contextmanager
def writer_lock(dest: Path, wait: float = 30.0) -> Iterator[None]:
    """Hold ``<index>.lock`` and remove what killed writers left beside the index.

    DatabaseError (exit 2) when the index's directory cannot be written: read-only,
    or a file where the directory should be; or when another live writer holds the
    lock for more than ``wait`` seconds."""
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatabaseError(f"cannot write the advisory index {dest}: {exc}") from exc
    with file_lock(dest.with_name(f"{dest.name}.lock"), wait=wait):
        for pattern in (f"{dest.name}.tmp-*", f"{dest.name}.download-*"):
            for leftover in dest.parent.glob(pattern):
                with contextlib.suppress(OSError):
                    leftover.unlink()  # we hold the lock: nobody else is writing it
        yield


@dataclass(frozen=True)
class Built:
    """What ``build_index`` stored."""

    count: int
    withdrawn: int
    data_date: str | None  # the newest record's date (indexmeta.DataDate)
    undated: int  # records not counted for it: no date, not a date, or later than the import


def build_index(
    records: Iterable[Mapping[str, Any]],
    dest: Path,
    *,
    source: str,
    source_sha256: str | None = None,
    locked: bool = False,
) -> Built:
    """Build a new index from ``records`` and rename it over ``dest``.

    ``locked``: the caller already holds ``writer_lock(dest)``.
    """
    with contextlib.nullcontext() if locked else writer_lock(dest):
        tmp = dest.with_name(f"{dest.name}.tmp-{os.getpid()}")
        try:
            try:
                built = _build(records, tmp, source, source_sha256)
            except sqlite3.Error as exc:  # the new file cannot be written (read-only, full)
                raise DatabaseError(f"cannot write the advisory index {dest}: {exc}") from exc
            try:
                tmp.replace(dest)
            except OSError as exc:
                raise DatabaseError(f"cannot replace the advisory index {dest}: {exc}") from exc
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
    return built


def _build(records: Iterable[Mapping[str, Any]], tmp: Path, source: str, sha: str | None) -> Built:
    conn = sqlite3.connect(tmp, isolation_level=None)
    now = datetime.now(UTC)
    dated = DataDate(now)
    try:
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        conn.executescript(_SCHEMA)
        conn.execute("BEGIN")
        count, withdrawn = _fill(conn, records, dated)
        if count == 0:
            raise DatabaseError(f"no OSV records found in {source}; the index was not changed")
        meta = {
            "format": FORMAT,
            "source": source,
            "imported_at": now.strftime(TIME_FORMAT),
            "record_count": str(count),
            "data_date": dated.text(),
            "source_sha256": sha,
        }
        conn.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
        conn.execute("COMMIT")
        (check,) = conn.execute("PRAGMA integrity_check").fetchone()
        (stored,) = conn.execute("SELECT count(*) FROM records").fetchone()
        if check != "ok" or stored != count:
            raise DatabaseError(f"new index failed its check ({check}, {stored}/{count} records)")
    finally:
        conn.close()
    with tmp.open("rb+") as fh:
        os.fsync(fh.fileno())
    return Built(count, withdrawn, dated.text(), dated.ignored)


def import_path(
    path: Path,
    dest: Path,
    *,
    source: str | None = None,
    source_sha256: str | None = None,
    locked: bool = False,
) -> ImportReport:
    """Import an OSV all.zip or a directory of records into the index at ``dest``."""
    counts = ReadCounts()
    sha = source_sha256 or (file_sha256(path) if path.is_file() else None)
    built = build_index(
        read_records(path, counts),
        dest,
        source=source or str(path),
        source_sha256=sha,
        locked=locked,
    )
    notes = list(counts.notes)
    if built.undated:
        notes.append(
            f"{built.undated} records have no usable date (none, not a date, or later than "
            "the import): not counted for the data date"
        )
    return ImportReport(
        path=str(dest),
        record_count=built.count,
        withdrawn=built.withdrawn,
        invalid=counts.invalid,
        skipped=counts.skipped_yaml + counts.oversized,
        notes=tuple(notes),
        data_date=built.data_date,
    )


class AdvisoryIndex:
    """A read-only connection to an existing index."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn, self._meta = connect_readonly(path)

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> AdvisoryIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def records_for(self, names: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
        """Non-withdrawn records per canonical name (one indexed lookup per name)."""
        out: dict[str, list[dict[str, Any]]] = {}
        sql = (
            "SELECT r.json FROM affected a JOIN records r ON r.id = a.record_id "
            "WHERE a.name = ? AND r.withdrawn IS NULL"
        )
        try:
            for name in sorted(set(names)):
                out[name] = [json.loads(text) for (text,) in self._conn.execute(sql, (name,))]
        except (sqlite3.Error, ValueError) as exc:
            raise DatabaseError(
                f"advisory index {self.path} is corrupt ({exc}); {RECOVERY}"
            ) from exc
        return out

    def integrity_ok(self) -> bool:
        try:
            (result,) = self._conn.execute("PRAGMA integrity_check").fetchone()
        except sqlite3.Error:
            return False
        return bool(result == "ok")

    def status(self, max_age_days: float) -> IndexStatus:
        return status_of(self.path, self._meta, max_age_days)


def update_from_url(
    url: str,
    dest: Path,
    *,
    sha256: str | None = None,
    progress: Callable[[int, int | None], None] | None = None,
) -> ImportReport:
    """Download an OSV export beside ``dest``, then import it atomically.

    The writer lock is held throughout, so two updates never race.  SourceError
    if the download fails, DatabaseError on a sha256 mismatch; in both cases
    (and if the process is killed) the existing index is left as it was.
    """
    with writer_lock(dest):
        return _download_and_import(url, dest, sha256, progress)


def ensure_index(
    url: str, dest: Path, *, progress: Callable[[int, int | None], None] | None = None
) -> ImportReport | None:
    """First run: download and import the index when there is none at ``dest``.

    None when there is one, also when another process built it while this one
    waited for the writer lock: two first runs at once download it once, and the
    second waits for the first (for as long as a download may take) instead of
    failing.  Errors as :func:`update_from_url`.
    """
    if dest.is_file():
        return None
    from wellcheck.http_policy import RetryPolicy

    wait = RetryPolicy.from_env().download_deadline + FIRST_RUN_IMPORT_SECONDS
    with writer_lock(dest, wait=wait):
        if dest.is_file():
            return None
        return _download_and_import(url, dest, None, progress)


def _download_and_import(
    url: str, dest: Path, sha256: str | None, progress: Callable[[int, int | None], None] | None
) -> ImportReport:
    """The download and import behind both; the caller holds ``writer_lock(dest)``."""
    from wellcheck.advisories.export import download_export

    part = dest.with_name(f"{dest.name}.download-{os.getpid()}")
    digest = download_export(url, part, sha256=sha256, progress=progress)
    try:
        return import_path(part, dest, source=url, source_sha256=digest, locked=True)
    finally:
        part.unlink(missing_ok=True)

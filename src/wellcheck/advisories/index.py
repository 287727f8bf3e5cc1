"""The local OSV advisory index: an SQLite file built atomically, read-only for scans.

Tables: ``records(id, json, modified, withdrawn)``, ``affected(name, record_id)``
(canonical PyPI name -> record, the lookup key) and ``meta(key, value)``
(source, imported_at, record_count, newest_modified, source_sha256, format).

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
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from wellcheck.advisories.export import ReadCounts, read_records
from wellcheck.advisories.lock import file_lock
from wellcheck.advisories.matching import affected_names
from wellcheck.errors import DatabaseError

FORMAT = "1"
NO_INDEX = "no advisory index at {}; run `wellcheck db update` or `wellcheck db import FILE`"
RECOVERY = "rebuild it with `wellcheck db update` or `wellcheck db import FILE`"
_SCHEMA = """
CREATE TABLE records (id TEXT PRIMARY KEY, json TEXT NOT NULL, modified TEXT, withdrawn TEXT);
CREATE TABLE affected (name TEXT NOT NULL, record_id TEXT NOT NULL,
                       PRIMARY KEY (name, record_id)) WITHOUT ROWID;
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
"""


@dataclass(frozen=True)
class IndexStatus:
    path: str
    source: str
    imported_at: str  # ISO 8601 UTC
    record_count: int
    newest_modified: str | None
    source_sha256: str | None
    age_days: float
    max_age_days: float

    @property
    def stale(self) -> bool:
        return self.age_days > self.max_age_days

    def stale_warning(self) -> str | None:
        if not self.stale:
            return None
        return (
            f"WARNING: the advisory index {self.path} is {self.age_days:.1f} days old "
            f"(more than {self.max_age_days:g}); results may miss recent advisories. "
            "Run `wellcheck db update`."
        )


@dataclass(frozen=True)
class ImportReport:
    path: str
    record_count: int
    withdrawn: int
    invalid: int  # members that were not OSV records
    skipped: int  # .yaml without PyYAML, oversized members
    notes: tuple[str, ...] = ()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _fill(conn: sqlite3.Connection, records: Iterable[Mapping[str, Any]]) -> tuple[int, int, str]:
    ids: set[str] = set()
    withdrawn = 0
    newest = ""
    for record in records:
        rid = str(record["id"])
        modified = record.get("modified") if isinstance(record.get("modified"), str) else None
        gone = record.get("withdrawn") if isinstance(record.get("withdrawn"), str) else None
        if rid in ids:
            conn.execute("DELETE FROM affected WHERE record_id = ?", (rid,))
        ids.add(rid)
        withdrawn += gone is not None
        newest = max(newest, modified or "")
        conn.execute(
            "INSERT OR REPLACE INTO records VALUES (?, ?, ?, ?)",
            (rid, json.dumps(record, separators=(",", ":")), modified, gone),
        )
        conn.executemany(
            "INSERT OR IGNORE INTO affected VALUES (?, ?)",
            ((name, rid) for name in affected_names(record)),
        )
    return len(ids), withdrawn, newest


@contextlib.contextmanager
def writer_lock(dest: Path) -> Iterator[None]:
    """Hold ``<index>.lock`` and remove what killed writers left beside the index."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    with file_lock(dest.with_name(f"{dest.name}.lock")):
        for pattern in (f"{dest.name}.tmp-*", f"{dest.name}.download-*"):
            for leftover in dest.parent.glob(pattern):
                with contextlib.suppress(OSError):
                    leftover.unlink()  # we hold the lock: nobody else is writing it
        yield


def build_index(
    records: Iterable[Mapping[str, Any]],
    dest: Path,
    *,
    source: str,
    source_sha256: str | None = None,
    locked: bool = False,
) -> tuple[int, int]:
    """Build a new index from ``records`` and rename it over ``dest``: (count, withdrawn).

    ``locked``: the caller already holds ``writer_lock(dest)``.
    """
    with contextlib.nullcontext() if locked else writer_lock(dest):
        tmp = dest.with_name(f"{dest.name}.tmp-{os.getpid()}")
        try:
            count, withdrawn = _build(records, tmp, source, source_sha256)
            tmp.replace(dest)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
    return count, withdrawn


def _build(
    records: Iterable[Mapping[str, Any]], tmp: Path, source: str, sha: str | None
) -> tuple[int, int]:
    conn = sqlite3.connect(tmp, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        conn.executescript(_SCHEMA)
        conn.execute("BEGIN")
        count, withdrawn, newest = _fill(conn, records)
        if count == 0:
            raise DatabaseError(f"no OSV records found in {source}; the index was not changed")
        meta = {
            "format": FORMAT,
            "source": source,
            "imported_at": _now(),
            "record_count": str(count),
            "newest_modified": newest or None,
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
    return count, withdrawn


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
    count, withdrawn = build_index(
        read_records(path, counts),
        dest,
        source=source or str(path),
        source_sha256=sha,
        locked=locked,
    )
    return ImportReport(
        path=str(dest),
        record_count=count,
        withdrawn=withdrawn,
        invalid=counts.invalid,
        skipped=counts.skipped_yaml + counts.oversized,
        notes=tuple(counts.notes),
    )


class AdvisoryIndex:
    """A read-only connection to an existing index."""

    def __init__(self, path: Path) -> None:
        self.path = path
        if not path.is_file():
            raise DatabaseError(NO_INDEX.format(path))
        uri = f"{path.resolve().as_uri()}?mode=ro"
        try:
            self._conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
        except sqlite3.Error as exc:
            raise DatabaseError(f"advisory index {path} is unreadable ({exc}); {RECOVERY}") from exc
        try:
            rows = self._conn.execute("SELECT key, value FROM meta").fetchall()
        except sqlite3.Error as exc:
            self._conn.close()  # now, not whenever the collector gets to it
            raise DatabaseError(f"advisory index {path} is unreadable ({exc}); {RECOVERY}") from exc
        self._meta: dict[str, str | None] = dict(rows)
        if self._meta.get("format") != FORMAT:
            self._conn.close()
            raise DatabaseError(f"{path} is not a wellcheck advisory index; {RECOVERY}")

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
        imported = self._meta.get("imported_at") or ""
        try:
            when = datetime.strptime(imported, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
            age = max(0.0, (time.time() - when.timestamp()) / 86400)
        except ValueError:
            age = float("inf")
        return IndexStatus(
            path=str(self.path),
            source=self._meta.get("source") or "",
            imported_at=imported,
            record_count=int(self._meta.get("record_count") or 0),
            newest_modified=self._meta.get("newest_modified"),
            source_sha256=self._meta.get("source_sha256"),
            age_days=age,
            max_age_days=max_age_days,
        )


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
    from wellcheck.advisories.export import download_export

    with writer_lock(dest):
        part = dest.with_name(f"{dest.name}.download-{os.getpid()}")
        digest = download_export(url, part, sha256=sha256, progress=progress)
        try:
            return import_path(part, dest, source=url, source_sha256=digest, locked=True)
        finally:
            part.unlink(missing_ok=True)

"""The local PyPI store: cached project documents and ownership history (SQLite).

One SQLite file in the cache dir.  SQLite's transactions make every write
atomic; WAL mode and a busy timeout let two scans share the file.  A file that
fails its integrity check is moved aside (the message says where) and a new one
is started: it is a cache, and the loss of ownership history is reported.  A
store that cannot be opened or written (a read-only cache dir, a file where the
directory should be) is replaced by one in memory, after one warning
(``cache.cache_unusable``): the scan's results are those of a first run.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wellcheck.cache import cache_unusable, probe_write

log = logging.getLogger(__name__)
MEMORY = ":memory:"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS projects (
    name TEXT PRIMARY KEY, fetched_at REAL NOT NULL, status INTEGER NOT NULL, body TEXT
);
CREATE TABLE IF NOT EXISTS ownership (
    name TEXT PRIMARY KEY, observed_at REAL NOT NULL, owners TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS ownership_changes (
    name TEXT NOT NULL, observed_at REAL NOT NULL, previous_at REAL NOT NULL,
    added TEXT NOT NULL, removed TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS ownership_changes_name ON ownership_changes(name);
"""


@dataclass(frozen=True)
class OwnerChange:
    name: str
    previous_at: float  # when the previous owner set was last observed
    observed_at: float  # when the new set was first observed
    added: tuple[str, ...]
    removed: tuple[str, ...]


class PyPIStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.warnings: list[str] = []
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = self._open()
        except (OSError, sqlite3.Error) as exc:
            self._db = self._in_memory(exc)

    def _open(self) -> sqlite3.Connection:
        try:
            db = self._connect(str(self.path))
            try:
                ok = db.execute("PRAGMA quick_check").fetchone()
                if ok is None or ok[0] != "ok":
                    raise sqlite3.DatabaseError(f"quick_check: {ok}")
            except BaseException:
                db.close()  # now, not whenever the collector gets to it
                raise
            return db
        except sqlite3.OperationalError:
            raise  # cannot be opened or written: not corrupt
        except sqlite3.DatabaseError as exc:
            aside = self.path.with_name(f"{self.path.name}.corrupt-{int(time.time())}")
            self.path.replace(aside)
            msg = f"PyPI cache {self.path} was corrupt ({exc}); moved to {aside}, starting afresh"
            log.warning(msg)
            self.warnings.append(msg)
            return self._connect(str(self.path))

    def _in_memory(self, problem: object) -> sqlite3.Connection:
        cache_unusable(self.path, problem)
        return self._connect(MEMORY)

    @staticmethod
    def _connect(where: str) -> sqlite3.Connection:
        db = sqlite3.connect(where, timeout=30, isolation_level=None)
        try:
            if where != MEMORY:
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA busy_timeout=30000")
            db.executescript(_SCHEMA)
            if where != MEMORY:
                probe_write(db, "ownership_changes", "('', 0, 0, '[]', '[]')")
        except BaseException:
            db.close()
            raise
        return db

    def _write(self, operation: Callable[[], object]) -> None:
        """A write that fails (read-only file, full disk) is skipped, after one warning."""
        try:
            operation()
        except sqlite3.OperationalError as exc:
            cache_unusable(self.path, exc)

    def close(self) -> None:
        self._db.close()

    def get(self, name: str) -> tuple[float, int, Any] | None:
        row = self._db.execute(
            "SELECT fetched_at, status, body FROM projects WHERE name = ?", (name,)
        ).fetchone()
        if row is None:
            return None
        body = json.loads(row[2]) if row[2] else None
        return float(row[0]), int(row[1]), body

    def put(self, name: str, status: int, body: Any, now: float) -> None:
        text = json.dumps(body, separators=(",", ":")) if body is not None else None
        sql = "INSERT OR REPLACE INTO projects(name, fetched_at, status, body) VALUES (?, ?, ?, ?)"
        self._write(lambda: self._db.execute(sql, (name, now, status, text)))

    def observe_owners(self, name: str, owners: tuple[str, ...], now: float) -> None:
        """Record the owner set seen now; a difference from the last one is a change."""
        self._write(lambda: self._observe(name, owners, now))

    def _observe(self, name: str, owners: tuple[str, ...], now: float) -> None:
        with self._transaction():
            row = self._db.execute(
                "SELECT observed_at, owners FROM ownership WHERE name = ?", (name,)
            ).fetchone()
            current = sorted(set(owners))
            if row is not None:
                previous = sorted(json.loads(row[1]))
                if previous != current:
                    added = sorted(set(current) - set(previous))
                    removed = sorted(set(previous) - set(current))
                    self._db.execute(
                        "INSERT INTO ownership_changes VALUES (?, ?, ?, ?, ?)",
                        (name, now, float(row[0]), json.dumps(added), json.dumps(removed)),
                    )
            self._db.execute(
                "INSERT OR REPLACE INTO ownership(name, observed_at, owners) VALUES (?, ?, ?)",
                (name, now, json.dumps(current)),
            )

    def owner_changes(self, name: str, since: float) -> list[OwnerChange]:
        rows = self._db.execute(
            "SELECT observed_at, previous_at, added, removed FROM ownership_changes "
            "WHERE name = ? AND observed_at >= ? ORDER BY observed_at",
            (name, since),
        ).fetchall()
        return [
            OwnerChange(
                name, float(r[1]), float(r[0]), tuple(json.loads(r[2])), tuple(json.loads(r[3]))
            )
            for r in rows
        ]

    def _transaction(self) -> _Tx:
        return _Tx(self._db)


class _Tx:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, *_: object) -> None:
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")

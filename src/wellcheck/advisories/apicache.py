"""A small SQLite cache of OSV records fetched from the API (``<cache dir>/osv-api.sqlite3``).

Each write is one SQLite transaction (atomic; WAL journal, busy timeout, so
concurrent scans sharing the cache dir do not corrupt it).  A cache that cannot
be opened or read is bypassed with a warning: it only costs requests.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)
CACHE_NAME = "osv-api.sqlite3"


class RecordCache:
    def __init__(self, path: Path, ttl: float) -> None:
        self.path = path
        self.ttl = ttl
        self._conn: sqlite3.Connection | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(path, timeout=10.0, isolation_level=None)
            try:
                conn.execute("PRAGMA journal_mode = WAL")
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS vulns (id TEXT PRIMARY KEY, modified TEXT, "
                    "json TEXT NOT NULL, fetched_at REAL NOT NULL)"
                )
            except BaseException:
                conn.close()  # now, not whenever the collector gets to it
                raise
            self._conn = conn
        except (OSError, sqlite3.Error) as exc:
            log.warning("OSV API cache %s unusable (%s); continuing without it", path, exc)

    def get(self, record_id: str, modified: str | None) -> dict[str, Any] | None:
        if self._conn is None:
            return None
        try:
            row = self._conn.execute(
                "SELECT modified, json, fetched_at FROM vulns WHERE id = ?", (record_id,)
            ).fetchone()
            if row is None or time.time() - row[2] > self.ttl:
                return None
            if modified and row[0] != modified:
                return None
            record = json.loads(row[1])
        except (sqlite3.Error, ValueError) as exc:
            log.warning("OSV API cache %s unreadable (%s); bypassing it", self.path, exc)
            return None
        return record if isinstance(record, dict) else None

    def put(self, record: dict[str, Any]) -> None:
        if self._conn is None:
            return
        modified = record.get("modified") if isinstance(record.get("modified"), str) else None
        try:
            with self._conn:
                self._conn.execute(
                    "INSERT OR REPLACE INTO vulns VALUES (?, ?, ?, ?)",
                    (str(record["id"]), modified, json.dumps(record), time.time()),
                )
        except sqlite3.Error as exc:
            log.warning("OSV API cache %s not written (%s)", self.path, exc)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

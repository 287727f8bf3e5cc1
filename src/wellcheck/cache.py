"""Where wellcheck keeps its caches.  One directory; ``WELLCHECK_CACHE_DIR`` moves it.

A cache only saves work.  When its directory cannot be used (read-only, or a file
where the directory should be), the cache that found out calls ``cache_unusable``,
which warns once per run, and goes on without it: the results are the same, only
slower.  Where writing the file is the point (``db update``/``db import``, ``popular
refresh``), the error is a one-line input error (exit 2) instead.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite3

log = logging.getLogger(__name__)
_warned: set[str] = set()
_lock = threading.Lock()


def cache_dir() -> Path:
    """The cache directory (created on demand by the writers, not here)."""
    override = os.environ.get("WELLCHECK_CACHE_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_cache_dir("wellcheck", appauthor=False))


def cache_unusable(path: Path, problem: object) -> None:
    """Warn, once per run and cache directory, that ``path`` cannot be used as a cache."""
    root = str(cache_dir())
    with _lock:
        if root in _warned:
            return
        _warned.add(root)
    log.warning(
        "cache %s cannot be used (%s); running without a cache: same results, slower",
        path,
        problem,
    )


def probe_write(db: sqlite3.Connection, table: str, row: str) -> None:
    """Write a row and roll it back: OperationalError now if the file cannot be written
    (SQLite opens a read-only file without a word and fails at the first write)."""
    db.execute("BEGIN IMMEDIATE")
    try:
        db.execute(f"INSERT INTO {table} VALUES {row}")  # noqa: S608 - our own constants
    finally:
        db.execute("ROLLBACK")

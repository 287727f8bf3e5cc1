"""Where wellcheck keeps its caches.

``WELLCHECK_CACHE_DIR`` moves every cache wellcheck keeps (advisory index, OSV
API cache, ...); ``WELLCHECK_DB`` (or ``--db``) moves the advisory index alone.
"""

from __future__ import annotations

import os
from pathlib import Path

DB_ENV = "WELLCHECK_DB"
MAX_AGE_ENV = "WELLCHECK_DB_MAX_AGE_DAYS"
# Days the newest advisory record may be old before scans warn.  grype's default
# (db.max-allowed-built-age: 120h): OSV rebuilds the PyPI export continuously and new
# MAL- records arrive most days, so a data date 5 days old means the export or the
# local copy stopped being updated.  Set by `db-max-age-days` in the config file,
# WELLCHECK_DB_MAX_AGE_DAYS, or --db-max-age-days (config.py).
DEFAULT_MAX_AGE_DAYS = 5.0
INDEX_NAME = "osv.sqlite3"


def cache_dir() -> Path:
    """The directory for every cache wellcheck keeps (``wellcheck.cache``; not created here)."""
    from wellcheck.cache import cache_dir as shared

    return shared()


def index_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """``--db`` if given, else ``WELLCHECK_DB``, else ``<cache dir>/osv.sqlite3``."""
    if explicit:
        return Path(explicit).expanduser()
    override = os.environ.get(DB_ENV)
    if override:
        return Path(override).expanduser()
    return cache_dir() / INDEX_NAME

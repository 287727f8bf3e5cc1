"""Where wellcheck keeps its caches.

``WELLCHECK_CACHE_DIR`` moves every cache wellcheck keeps (advisory index, OSV
API cache, ...); ``WELLCHECK_DB`` (or ``--db``) moves the advisory index alone.
"""

from __future__ import annotations

import os
from pathlib import Path

DB_ENV = "WELLCHECK_DB"
MAX_AGE_ENV = "WELLCHECK_DB_MAX_AGE_DAYS"
DEFAULT_MAX_AGE_DAYS = 7.0
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


def max_age_days(explicit: float | None = None) -> float:
    """``--max-age-days`` if given, else ``WELLCHECK_DB_MAX_AGE_DAYS``, else 7."""
    if explicit is not None:
        return explicit
    raw = os.environ.get(MAX_AGE_ENV)
    if raw:
        try:
            return float(raw)
        except ValueError:
            from wellcheck.errors import WellcheckError

            raise WellcheckError(f"{MAX_AGE_ENV}={raw!r} is not a number of days") from None
    return DEFAULT_MAX_AGE_DAYS

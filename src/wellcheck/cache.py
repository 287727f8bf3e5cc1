"""Where wellcheck keeps its caches.  One directory; ``WELLCHECK_CACHE_DIR`` moves it."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """The cache directory (created on demand by the writers, not here)."""
    override = os.environ.get("WELLCHECK_CACHE_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_cache_dir("wellcheck", appauthor=False))

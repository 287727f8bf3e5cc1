"""PyPI project metadata: the JSON API behind a small interface, with a local store."""

from __future__ import annotations

from wellcheck.cache import cache_dir
from wellcheck.pypi.json_api import PyPIJsonSource
from wellcheck.pypi.store import PyPIStore


def open_default_source(*, offline: bool = False) -> PyPIJsonSource:
    """The JSON API source over the store in the cache dir (close it with .close())."""
    store = PyPIStore(cache_dir() / "pypi.sqlite3")
    return PyPIJsonSource(store, offline=offline)

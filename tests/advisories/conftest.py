from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from osv_server import OsvServer


@pytest.fixture
def osv_server() -> Iterator[OsvServer]:
    with OsvServer() as server:
        yield server


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test gets its own cache dir; no test reads the user's caches."""
    monkeypatch.setenv("WELLCHECK_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("WELLCHECK_DB", raising=False)
    monkeypatch.delenv("WELLCHECK_OSV_API_URL", raising=False)
    monkeypatch.delenv("WELLCHECK_DB_MAX_AGE_DAYS", raising=False)

"""The ``fake_pypi`` fixture: a loopback PyPI JSON API (``fakepypi.py``) for one test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fakepypi import FakePyPI, serve_fake_pypi


@pytest.fixture
def fake_pypi() -> Iterator[FakePyPI]:
    with serve_fake_pypi() as server:
        yield server

"""A pytest plugin (``-p tests.isolation`` in pyproject.toml): per-process state reset
between tests, so no test sees what an earlier one left behind.

``wellcheck.http.OVERDUE`` remembers hosts that were down or ran out a deadline; test
servers come and go on loopback ports that the next test may get again.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from wellcheck.http import OVERDUE


@pytest.fixture(autouse=True)
def _forget_bad_hosts() -> Iterator[None]:
    OVERDUE.clear()
    yield
    OVERDUE.clear()

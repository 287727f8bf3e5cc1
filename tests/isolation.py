"""A pytest plugin (``-p tests.isolation`` in pyproject.toml): per-process state reset
between tests, so no test sees what an earlier one left behind.

``wellcheck.http.OVERDUE`` remembers hosts that were down or ran out a deadline; test
servers come and go on loopback ports that the next test may get again.

Hypothesis runs derandomised (the same examples on every run, so CI's verdict does not
depend on luck) and without its per-example deadline (a loaded CI machine is slow, not
wrong); ``WELLCHECK_HYPOTHESIS=explore`` draws fresh examples, to hunt for new ones.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import settings

from wellcheck.http import OVERDUE

settings.register_profile("wellcheck", derandomize=True, deadline=None)
settings.register_profile("explore", deadline=None)
settings.load_profile(
    "explore" if os.environ.get("WELLCHECK_HYPOTHESIS") == "explore" else "wellcheck"
)


@pytest.fixture(autouse=True)
def _forget_bad_hosts() -> Iterator[None]:
    OVERDUE.clear()
    yield
    OVERDUE.clear()

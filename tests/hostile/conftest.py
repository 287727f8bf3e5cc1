"""Fixtures for the hostile-input tests (issue 5); the helpers they use are modules of
their own (``sandbox.py``, ``hostile_http.py``, ``readonly.py``), imported by name.

The archive builders live beside the artifact tests (``zipkit``, ``imagebuilder``)
and the loopback OSV server beside the advisory tests; test directories are not
packages, so their folders are put on ``sys.path`` here.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sandbox import Sandbox

TESTS = Path(__file__).resolve().parents[1]
for folder in ("artifact", "advisories", "fuzz"):
    if str(TESTS / folder) not in sys.path:
        sys.path.insert(0, str(TESTS / folder))


@pytest.fixture
def sandbox(tmp_path: Path) -> Sandbox:
    box = Sandbox(tmp_path / "box")
    for path in (box.cwd, box.tmp, box.cache):
        path.mkdir(parents=True)
    return box


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """In-process readers put their temp dirs here; it must be empty afterwards."""
    private = tmp_path / "private-tmp"
    private.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    yield private
    assert list(private.iterdir()) == [], "a temp dir was left behind"

"""Shared helpers for the hostile-input tests (issue 5).

The archive builders live beside the artifact tests (``zipkit``, ``imagebuilder``)
and the loopback OSV server beside the advisory tests; test directories are not
packages, so their folders are put on ``sys.path`` here.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]
for folder in ("artifact", "advisories", "fuzz"):
    if str(TESTS / folder) not in sys.path:
        sys.path.insert(0, str(TESTS / folder))


@dataclass
class Sandbox:
    """A directory tree standing in for a CI runner's disk.

    ``work/deep/er`` is the working directory of every wellcheck process, ``tmp``
    its private TMPDIR, ``cache`` its cache dir.  ``snapshot`` lists every path
    below the root, so a test can show that nothing appeared anywhere.
    """

    root: Path

    @property
    def cwd(self) -> Path:
        return self.root / "work" / "deep" / "er"

    @property
    def tmp(self) -> Path:
        return self.root / "tmp"

    @property
    def cache(self) -> Path:
        return self.root / "cache"

    def snapshot(self) -> set[str]:
        return {p.relative_to(self.root).as_posix() for p in self.root.rglob("*")}

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("WELLCHECK_")}
        env.update(
            TMPDIR=str(self.tmp),
            TEMP=str(self.tmp),
            TMP=str(self.tmp),
            WELLCHECK_CACHE_DIR=str(self.cache),
            # a scan without an index would download one (first run): never from the internet
            WELLCHECK_OSV_EXPORT_URL="http://127.0.0.1:9/no-network-in-tests/all.zip",
            NO_COLOR="1",
        )
        env.update(extra)
        return env

    def wellcheck(self, *args: object, **env: str) -> subprocess.CompletedProcess[str]:
        """The real console program (``python -m wellcheck``), as CI runs it."""
        return subprocess.run(
            [sys.executable, "-m", "wellcheck", *map(str, args)],
            capture_output=True,
            text=True,
            encoding="utf-8",
            env=self.env(**env),
            cwd=self.cwd,
            timeout=120,
        )


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

"""``Sandbox``: a directory tree standing in for a CI runner's disk, and the real console
program run inside it.  The ``sandbox`` fixture (``conftest.py``) makes one per test;
test modules import the class from here (``from sandbox import Sandbox``), never from
``conftest``, which names whichever conftest.py pytest imported last."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path


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

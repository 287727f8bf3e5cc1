"""The sdist builder lives beside the artifact tests (``sdistkit``); test directories are
not packages, so its folder is put on ``sys.path`` here."""

from __future__ import annotations

import sys
from pathlib import Path

ARTIFACT_TESTS = str(Path(__file__).resolve().parents[1] / "artifact")
if ARTIFACT_TESTS not in sys.path:
    sys.path.insert(0, ARTIFACT_TESTS)

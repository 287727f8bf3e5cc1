"""The archive builders live beside the artifact tests (``zipkit``, ``imagebuilder``);
test directories are not packages, so that folder is put on ``sys.path`` here."""

from __future__ import annotations

import sys
from pathlib import Path

ARTIFACT_TESTS = Path(__file__).resolve().parents[1] / "artifact"
if str(ARTIFACT_TESTS) not in sys.path:
    sys.path.insert(0, str(ARTIFACT_TESTS))

"""A file that hits a bound, does not parse or cannot be read is "not checked", never clean."""

from __future__ import annotations

from pathlib import Path

import pytest
from behaviourkit import installed, zip_file

from wellcheck.scan.target import scan_artifacts
from wellcheck.signals.behaviour import BehaviourCheck, Bounds

TRIGGER = "import os\nos.system('id')\n"


def _scan(tmp_path: Path, code: str | bytes, bounds: Bounds) -> tuple[list[str], list[str]]:
    data = code.encode() if isinstance(code, str) else code
    artifact = zip_file(
        tmp_path / "b.zip", installed("boundary", "1.0", {"boundary/core.py": data})
    )
    [result] = scan_artifacts([str(artifact)], [BehaviourCheck(workers=1, bounds=bounds)]).results
    skipped = [f"{s.source} {s.package} {s.version} {s.reason}" for s in result.skipped]
    return skipped, [f.rule for f in result.findings]


CASES = [
    (
        "parsed bytes",
        TRIGGER + "# pad\n" * 400,
        Bounds(max_bytes=1000),
        "more than the 1000 parsed per file",
    ),
    (
        "read bytes",
        TRIGGER + "# pad\n" * 400,
        Bounds(max_read=1000),
        "larger than the 1000 bytes read",
    ),
    (
        "syntax nodes",
        TRIGGER + "x = [1, 2, 3]\n" * 40,
        Bounds(max_nodes=50),
        "more than 50 syntax nodes",
    ),
    ("time", TRIGGER + "x = [1, 2, 3]\n" * 2000, Bounds(max_seconds=1e-9), "longer than"),
    ("nesting", TRIGGER + "x = " + "-".join(["1"] * 20000) + "\n", Bounds(), "nested too deeply"),
    ("syntax error", TRIGGER + "def broken(:\n", Bounds(), "does not parse"),
    ("undecodable", b"import os\nos.system('id')\nx = '\xff\xfe'\n", Bounds(), "does not parse"),
]


@pytest.mark.parametrize(
    ("code", "bounds", "reason"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_a_file_hitting_a_bound_is_not_checked(
    tmp_path: Path, code: str, bounds: Bounds, reason: str
) -> None:
    skipped, _ = _scan(tmp_path, code, bounds)
    assert len(skipped) == 1
    assert skipped[0].startswith("behaviour boundary 1.0 boundary/core.py not analysed: ")
    assert reason in skipped[0]


def test_a_broken_file_without_triggers_is_not_parsed_at_all(tmp_path: Path) -> None:
    assert _scan(tmp_path, "def broken(:\n", Bounds()) == ([], [])


def test_bounds_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_nodes"):
        Bounds(max_nodes=0)

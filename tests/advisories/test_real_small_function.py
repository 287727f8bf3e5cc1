"""The bench's real small function, matched against the real PyPA advisories.

bench/build_artifacts.py builds the small function from PyPI (requests 2.28.1 and
what it pulls in, pinned).  Its (name, version) set is reproduced here as synthetic
dist-info, and scanned against the shared OSV export.  Each expected advisory was
checked by hand against its record once (2026-11-30):

- requests 2.28.1: PYSEC-2023-74 (GHSA-j8r2-6x86-q33q), range introduced 2.3.0, fixed 2.31.0
- urllib3 1.26.12: PYSEC-2023-192 (GHSA-v845-jxx5-vc9f), events in mixed order, fixed 1.26.17;
  PYSEC-2023-212 (GHSA-g4mx-q9vg-27p4), fixed 1.26.18; PYSEC-2021-59 (1.26.0-1.26.4) does not apply
- idna 3.3: PYSEC-2024-60, introduced 0.1, fixed 3.7
- certifi 2022.9.24: PYSEC-2022-42986 (GHSA-43fp-rhv2-5gv8) fixed 2022.12.7, and
  PYSEC-2023-135 (GHSA-xqr8-7jwr-rhp7) fixed 2023.7.22
- jinja2 3.1.2, markupsafe 3.0.4, charset-normalizer 2.1.1: every record is fixed earlier
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from osvdata import REAL_EXPORT

pytestmark = pytest.mark.skipif(not REAL_EXPORT.is_file(), reason="no shared OSV export")

SMALL_FUNCTION = {
    "certifi": "2022.9.24",
    "charset_normalizer": "2.1.1",
    "idna": "3.3",
    "jinja2": "3.1.2",
    "markupsafe": "3.0.4",
    "requests": "2.28.1",
    "urllib3": "1.26.12",
}

EXPECTED = {
    ("requests", "GHSA-j8r2-6x86-q33q", "2.31.0"),
    ("urllib3", "GHSA-v845-jxx5-vc9f", "1.26.17"),
    ("urllib3", "GHSA-g4mx-q9vg-27p4", "1.26.18"),
    ("idna", "PYSEC-2024-60", "3.7"),
    ("certifi", "GHSA-43fp-rhv2-5gv8", "2022.12.7"),
    ("certifi", "GHSA-xqr8-7jwr-rhp7", "2023.7.22"),
}


def wellcheck(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "wellcheck", *args], capture_output=True, text=True, check=False
    )


def test_exactly_the_advisories_that_apply(tmp_path: Path) -> None:
    function = tmp_path / "function"
    for name, version in SMALL_FUNCTION.items():
        dist = function / f"{name}-{version}.dist-info"
        dist.mkdir(parents=True)
        (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    (function / "lambda_function.py").write_text("def handler(event, context):\n    return 1\n")
    db = tmp_path / "osv.sqlite3"
    assert wellcheck("db", "import", str(REAL_EXPORT), "--db", str(db)).returncode == 0

    proc = wellcheck("scan", str(function), "--db", str(db), "--no-signals", "--format", "json")

    assert proc.returncode == 1, proc.stderr  # two of them are high
    [artifact] = json.loads(proc.stdout)["artifacts"]
    found = {(f["package"], f["id"], f["fixed"]) for f in artifact["findings"]}
    assert found == EXPECTED

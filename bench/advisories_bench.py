"""Benchmark: import OSV's PyPI export into a fresh index, then match 1,000 components.

Targets (issue 3): import < 30 s, matching 1,000 components < 0.5 s once the index exists.
Usage: .venv/bin/python bench/advisories_bench.py [PATH-TO-all.zip]

pip-audit is not compared: it has no offline mode (its OSV and PyPI services query
the network per package), and this machine cannot reach api.osv.dev or PyPI's
per-version JSON.  osv-scanner is not installed here.
"""

from __future__ import annotations

import os
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from wellcheck.advisories.check import AdvisoryCheck
from wellcheck.advisories.index import import_path
from wellcheck.advisories.offline import OfflineSource
from wellcheck.checks import CheckContext
from wellcheck.models import ArtifactInfo, Component, ComponentKind

SHARED_DATA = Path(
    os.environ.get("WELLCHECK_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
)
DEFAULT = SHARED_DATA / "osv" / "PyPI-all.zip"


def components(db: Path, count: int) -> list[Component]:
    """Real names from the index with assorted versions (affected, fixed, unrelated)."""
    rng = random.Random(1234)
    conn = sqlite3.connect(db)
    names = [n for (n,) in conn.execute("SELECT DISTINCT name FROM affected ORDER BY name")]
    conn.close()
    versions = ["0.1", "1.0.0", "1.2.3", "2.0", "2.25.1", "3.7", "5.3.1", "2020.12.5", "10.0"]
    picked = [rng.choice(names) for _ in range(count)]
    return [
        Component(
            name=name,
            version=rng.choice(versions),
            kind=ComponentKind.DIST_INFO,
            location=f"{name}.dist-info",
        )
        for name in picked
    ]


def main() -> int:
    export = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    if not export.is_file():
        print(f"no export at {export}")
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "osv.sqlite3"
        started = time.perf_counter()
        report = import_path(export, db)
        imported = time.perf_counter() - started
        size = db.stat().st_size / 1e6
        print(f"import: {report.record_count} records in {imported:.2f} s ({size:.1f} MB index)")

        comps = components(db, 1000)
        context = CheckContext(ArtifactInfo(path="bench", kind="directory"))
        timings = []
        findings = 0
        for _ in range(5):
            started = time.perf_counter()
            source = OfflineSource(db)
            result = AdvisoryCheck(source).run(comps, context)
            timings.append(time.perf_counter() - started)
            source.close()
            findings = len(result.findings)
        distinct = len({c.name for c in comps})
        print(
            f"match: 1000 components ({distinct} distinct names) -> {findings} findings; "
            f"best {min(timings) * 1000:.0f} ms, worst {max(timings) * 1000:.0f} ms "
            "(open index + query + match + merge)"
        )
        print("pip-audit: not compared (no offline mode; the OSV API is unreachable here)")
    ok = imported < 30 and min(timings) < 0.5
    print("targets met" if ok else "TARGETS MISSED (import < 30 s, match < 0.5 s)")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

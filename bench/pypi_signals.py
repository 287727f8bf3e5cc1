"""How many `--pypi` findings a team would gate on, for a real function (issue 12).

Usage: python bench/pypi_signals.py [ARTIFACT]   (default: bench/out/artifacts/big-function.zip,
built by bench/build_artifacts.py; needs PyPI's project JSON, cached for an hour in
wellcheck's cache dir, so set WELLCHECK_CACHE_DIR to start from nothing)

Runs the PyPI-metadata check alone (no advisories, no file signals) on the artifact and
prints the findings by rule and severity, then every finding at ``medium`` or worse: what
``--fail-on medium`` would fail on.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path

from wellcheck.models import Severity
from wellcheck.scan.options import ScanOptions
from wellcheck.scan.run import run_scan

DEFAULT = Path(__file__).parent / "out" / "artifacts" / "big-function.zip"


def main() -> None:
    artifact = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    options = ScanOptions(artifacts=(str(artifact),), advisories=False, signals=False, pypi=True)
    started = time.perf_counter()
    outcome, _ = run_scan(options)
    elapsed = time.perf_counter() - started
    [result] = outcome.results
    counts = Counter((f.rule, str(f.severity)) for f in result.findings)
    print(f"{artifact.name}: {len(result.components)} components, {elapsed:.1f} s")
    for (rule, severity), count in sorted(counts.items()):
        print(f"  {rule:26} {severity:8} {count}")
    gating = [f for f in result.findings if f.severity >= Severity.MEDIUM]
    print(f"medium or worse: {len(gating)}")
    for finding in gating:
        print(f"  {finding.severity} {finding.rule} {finding.package} {finding.version}")
        print(f"    {finding.title}")
    if result.skipped:
        print(f"not checked: {len(result.skipped)} (first: {result.skipped[0].reason})")


if __name__ == "__main__":
    main()

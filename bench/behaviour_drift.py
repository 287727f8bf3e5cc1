"""Behaviour drift (`--pypi`) on a real artifact, against the real PyPI (issue 10 item 5).

Usage: python bench/behaviour_drift.py [ARTIFACT]   (default: bench/out/artifacts/big-function.zip,
built by bench/build_artifacts.py; any artifact wellcheck reads works, e.g. a directory of
wheels, each read as a nested tree)

Runs what `scan --pypi` runs for drift on the artifact: the behaviour check once, then the
drift check, which compares only the distributions the behaviour check has findings for
with their previous release (project JSON and wheels from PyPI, cached in wellcheck's cache
dir: set WELLCHECK_CACHE_DIR to an empty directory to measure a first run).  Prints how
many distributions there are, how many were compared, the time of each part, the wheels
downloaded, and every WC-CODE-DRIFT finding, not-applicable and not-checked entry.
"""

from __future__ import annotations

import logging
import sys
import time
from collections import Counter
from pathlib import Path

from wellcheck.artifact import open_artifact
from wellcheck.artifact.limits import DEFAULT_LIMITS
from wellcheck.checks import CheckContext
from wellcheck.inventory import collect
from wellcheck.pypi import open_default_source
from wellcheck.signals.behaviour import BehaviourCheck
from wellcheck.signals.behaviour_drift import BehaviourDriftCheck, SharedBehaviour

DEFAULT = Path(__file__).parent / "out" / "artifacts" / "big-function.zip"


def main() -> None:
    artifact = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    logging.basicConfig(format="  %(message)s")  # which previous release each one met
    logging.getLogger("wellcheck.signals.behaviour_drift").setLevel(logging.INFO)
    shared = SharedBehaviour(BehaviourCheck())
    source = open_default_source()
    drift = BehaviourDriftCheck(source, shared=shared)
    with open_artifact(str(artifact), DEFAULT_LIMITS) as opened:
        components = [
            c
            for tree in opened.trees
            for c in collect(tree, artifact_python=opened.info.python_version)
        ]
        context = CheckContext(artifact=opened.info, trees=tuple(opened.trees))
        started = time.perf_counter()
        behaviour = shared.run(components, context)
        analysed = time.perf_counter() - started
        result = drift.run(components, context)
        compared = time.perf_counter() - started - analysed
    source.close()
    with_findings = {(f.package, f.version, f.location) for f in behaviour.findings if f.package}
    print(f"{artifact.name}: {len(components)} components")
    print(f"  behaviour: {analysed:.1f} s, {len(behaviour.findings)} findings")
    print(f"  distributions with a behaviour finding (compared at most): {len(with_findings)}")
    print(f"  drift: {compared:.1f} s, {drift.compared} compared with a previous release")
    severities = Counter(str(f.severity) for f in result.findings)
    print(f"  WC-CODE-DRIFT: {len(result.findings)} {dict(sorted(severities.items()))}")
    for finding in result.findings:
        print(f"    {finding.severity} {finding.package} {finding.version}: {finding.title}")
        print(f"      {finding.evidence[:300]}")
    for label, entries in (
        ("not applicable", result.not_applicable),
        ("not checked", result.skipped),
    ):
        print(f"  {label}: {len(entries)}")
        for entry in entries:
            print(f"    {entry.package} {entry.version}: {entry.reason[:200]}")


if __name__ == "__main__":
    main()

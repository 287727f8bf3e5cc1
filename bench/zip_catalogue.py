"""Micro-benchmark: catalogue a generated 30,000-entry zip the way ``open_artifact`` does.

    python bench/zip_catalogue.py [ENTRIES]

Builds a zip shaped like a big Lambda function (packages with many small
modules), then times, best of several runs: parsing the central directory
alone (``ZipTree``), the whole ``open_artifact`` (catalogue, kind, nested-archive
scan and sha256 of the file), and ``zipfile.ZipFile`` for comparison.  Wall and
CPU times are printed; CPU time is the steadier figure on a busy machine.
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable

from wellcheck.artifact import open_artifact
from wellcheck.artifact.common import Budget
from wellcheck.artifact.limits import DEFAULT_LIMITS
from wellcheck.artifact.zipreader import ZipTree

RUNS = 9


def build(path: str, entries: int) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for i in range(entries):
            package = f"pkg{i % 120}"
            zf.writestr(f"{package}/sub{i % 7}/module_{i}.py", b"VALUE = %d\n" % i)


def best(action: Callable[[], object]) -> tuple[float, float]:
    walls, cpus = [], []
    for _ in range(RUNS):
        wall, cpu = time.perf_counter(), time.process_time()
        action()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus)


def main() -> None:
    entries = int(sys.argv[1]) if len(sys.argv) > 1 else 30_000
    with tempfile.TemporaryDirectory() as work:
        path = os.path.join(work, "function.zip")
        build(path, entries)
        with open(path, "rb") as fh:
            data = fh.read()

        def catalogue() -> None:
            ZipTree(io.BytesIO(data), len(data), limits=DEFAULT_LIMITS,
                    budget=Budget(DEFAULT_LIMITS), label="bench").close()  # fmt: skip

        def whole() -> None:
            open_artifact(path).close()

        def stdlib() -> None:
            zipfile.ZipFile(io.BytesIO(data)).close()

        print(f"zip with {entries} entries, {len(data) / 1e6:.1f} MB; best of {RUNS} runs")
        for label, action in (
            ("wellcheck catalogue (central directory)", catalogue),
            ("wellcheck open_artifact (+kind, nested scan, sha256)", whole),
            ("zipfile.ZipFile (reference)", stdlib),
        ):
            wall, cpu = best(action)
            print(f"{label:55s} {wall * 1000:7.1f} ms wall {cpu * 1000:7.1f} ms cpu")


if __name__ == "__main__":
    main()

"""Micro-benchmark: catalogue a generated 30,000-entry zip the way ``open_artifact`` does.

    python bench/zip_catalogue.py [ENTRIES] [--infozip]

Builds a zip shaped like a big Lambda function (packages with many small
modules), then times, best of several runs: parsing the central directory
and checking every member's local header (``ZipTree``), the whole
``open_artifact`` (catalogue, kind, nested-archive scan and sha256 of the
file), and ``zipfile.ZipFile`` for comparison.  ``--infozip`` gives every
member the extra fields and unix mode ``zip(1)`` writes (timestamps, uid/gid).
Wall and CPU times are printed; CPU time is the steadier figure on a busy machine.
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


def build(path: str, entries: int, infozip: bool = False) -> None:
    # what zip(1) adds: "UT" (mtime, atime) and "ux" (uid, gid) blocks, a unix mode
    extra = b"UT\x09\x00\x03" + bytes(8) + b"ux\x0b\x00\x01\x04" + bytes(4) + b"\x04" + bytes(4)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for i in range(entries):
            package = f"pkg{i % 120}"
            info = zipfile.ZipInfo(f"{package}/sub{i % 7}/module_{i}.py")
            info.compress_type = zipfile.ZIP_DEFLATED
            if infozip:
                info.extra, info.create_system = extra, 3
                info.external_attr = 0o100644 << 16
            zf.writestr(info, b"VALUE = %d\n" % i)


def best(action: Callable[[], object]) -> tuple[float, float]:
    walls, cpus = [], []
    for _ in range(RUNS):
        wall, cpu = time.perf_counter(), time.process_time()
        action()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus)


def main() -> None:
    numbers = [arg for arg in sys.argv[1:] if arg.isdigit()]
    entries = int(numbers[0]) if numbers else 30_000
    infozip = "--infozip" in sys.argv
    with tempfile.TemporaryDirectory() as work:
        path = os.path.join(work, "function.zip")
        build(path, entries, infozip)
        with open(path, "rb") as fh:
            data = fh.read()

        def catalogue() -> None:
            ZipTree(io.BytesIO(data), len(data), limits=DEFAULT_LIMITS,
                    budget=Budget(DEFAULT_LIMITS), label="bench").close()  # fmt: skip

        def whole() -> None:
            open_artifact(path).close()

        def stdlib() -> None:
            zipfile.ZipFile(io.BytesIO(data)).close()

        style = "zip(1) extra fields" if infozip else "zipfile"
        print(f"zip with {entries} entries ({style}), {len(data) / 1e6:.1f} MB; best of {RUNS}")
        for label, action in (
            ("wellcheck catalogue (central directory, local headers)", catalogue),
            ("wellcheck open_artifact (+kind, nested scan, sha256)", whole),
            ("zipfile.ZipFile (reference)", stdlib),
        ):
            wall, cpu = best(action)
            print(f"{label:55s} {wall * 1000:7.1f} ms wall {cpu * 1000:7.1f} ms cpu")


if __name__ == "__main__":
    main()

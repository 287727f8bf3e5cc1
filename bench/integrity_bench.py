"""Time the integrity check (RECORD hashes) on a big function zip, serial vs parallel.

Usage::

    .venv/bin/python bench/integrity_bench.py [ZIP] [--size-mb 424] [--packages 120]

Without ZIP it builds (once, cached under the temp directory) a Lambda-style function zip of
synthetic dist-infos (real project names from ../shared/data/top-pypi-packages.json when
present) whose files are pseudo-random but compress about 3.3x like real wheels, each with a
correct RECORD.  It then runs ``IntegrityCheck`` over the inventory with 1 worker and with every
core, checks that both give no finding, and prints wall times and throughput.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import random
import sys
import tempfile
import time
import zipfile
from pathlib import Path

TOP_PYPI = (
    Path(
        os.environ.get(
            "WELLCHECK_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"
        )
    )
    / "top-pypi-packages.json"
)
MiB = 1024 * 1024


def _names(count: int) -> list[str]:
    names: list[str] = []
    if TOP_PYPI.exists():
        rows = json.loads(TOP_PYPI.read_text())["rows"]
        names = [r["project"] for r in rows[: count * 2] if r["project"].isidentifier()]
    names = names[:count]
    while len(names) < count:
        names.append(f"benchpkg{len(names)}")
    return names


def _record_line(path: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}"


def _sizes(rng: random.Random, count: int, total: int) -> list[int]:
    raw = [rng.lognormvariate(9.5, 1.6) for _ in range(count)]
    scale = total / sum(raw)
    return [max(64, int(x * scale)) for x in raw]


def build_zip(path: Path, *, size_mb: int = 424, packages: int = 120, seed: int = 7) -> Path:
    """Write a function zip of ``packages`` dist-infos holding about ``size_mb`` MiB of files."""
    rng = random.Random(seed)
    alphabet = b"abcdefghijklmnopqrstuvwxyz_().:=0123456789 \n"
    vocab = [bytes(rng.choices(alphabet, k=rng.randint(2, 12))) for _ in range(1100)]
    base = b" ".join(rng.choices(vocab, k=1_600_000))  # ~12 MiB, compresses ~3.3x
    names = _names(packages)
    files_per_pkg = [rng.randint(20, 180) for _ in names]
    sizes = iter(_sizes(rng, sum(files_per_pkg), size_mb * MiB))
    tmp = path.with_suffix(".partial")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for name, nfiles in zip(names, files_per_pkg, strict=True):
            version = f"{rng.randint(0, 9)}.{rng.randint(0, 30)}.{rng.randint(0, 9)}"
            dist = f"{name.replace('-', '_')}-{version}.dist-info"
            pkg = name.replace("-", "_").lower()
            record: list[str] = []
            for i in range(nfiles):
                size = min(next(sizes), len(base) - 1)
                start = rng.randrange(0, len(base) - size)
                data = f"# {pkg} file {i}\n".encode() + base[start : start + size]
                member = f"{pkg}/{'sub/' if i % 3 else ''}mod{i}.py"
                zf.writestr(member, data)
                record.append(_record_line(member, data))
            meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\n".encode()
            for fname, data in (("METADATA", meta), ("INSTALLER", b"pip\n")):
                zf.writestr(f"{dist}/{fname}", data)
                record.append(_record_line(f"{dist}/{fname}", data))
            zf.writestr(f"{dist}/top_level.txt", f"{pkg}\n")
            record.append(_record_line(f"{dist}/top_level.txt", f"{pkg}\n".encode()))
            record.append(f"{dist}/RECORD,,")
            zf.writestr(f"{dist}/RECORD", "\n".join(record) + "\n")
    tmp.replace(path)
    return path


def _default_zip(size_mb: int, packages: int) -> Path:
    cache = Path(tempfile.gettempdir()) / "wellcheck-bench"
    cache.mkdir(exist_ok=True)
    path = cache / f"integrity-{size_mb}mb-{packages}p.zip"
    if not path.exists():
        print(f"building {path} ...", file=sys.stderr)
        start = time.perf_counter()
        build_zip(path, size_mb=size_mb, packages=packages)
        print(f"built in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    return path


def _time_check(path: Path, workers: int, repeat: int) -> tuple[float, float, int, int, int]:
    """Best wall times of (IntegrityCheck alone, open + inventory + check), and counts."""
    from wellcheck.artifact import open_artifact
    from wellcheck.checks import CheckContext
    from wellcheck.inventory import collect
    from wellcheck.signals.integrity import IntegrityCheck

    best_check = best_total = float("inf")
    components = findings = size = 0
    for _ in range(repeat):
        start = time.perf_counter()
        with open_artifact(str(path)) as opened:
            found = [c for tree in opened.trees for c in collect(tree)]
            context = CheckContext(opened.info, trees=tuple(opened.trees))
            checked = time.perf_counter()
            result = IntegrityCheck(workers=workers).run(found, context)
            best_check = min(best_check, time.perf_counter() - checked)
            size = sum(e.size for t in opened.trees for e in t.entries().values())
        best_total = min(best_total, time.perf_counter() - start)
        components, findings = len(found), len(result.findings) + len(result.skipped)
    return best_check, best_total, components, findings, size


def _open_zip(path: str) -> object:
    """Worker-side recipe for the process strategy (picklable: a module-level function)."""
    from wellcheck.artifact.common import Budget
    from wellcheck.artifact.limits import DEFAULT_LIMITS
    from wellcheck.artifact.zipreader import open_zip_file

    return open_zip_file(path, DEFAULT_LIMITS, Budget(DEFAULT_LIMITS), ())


def _time_strategies(path: Path, workers: int, repeat: int) -> None:
    """Hashing alone, on the opened zip: serial, threads, spawned worker processes."""
    import functools

    from wellcheck.artifact import open_artifact
    from wellcheck.artifact.base import EntryKind
    from wellcheck.signals.integrity_hashing import (
        HashWorkers,
        hash_in_processes,
        head_start,
        shard_by_size,
    )

    with open_artifact(str(path)) as opened:
        tree = opened.trees[0]
        sizes = {p: e.size for p, e in tree.entries().items() if e.kind is EntryKind.FILE}
        reopen = functools.partial(_open_zip, str(path))

        def processes() -> dict[str, tuple[str, int]]:
            started = HashWorkers.start(reopen, workers - 1)  # type: ignore[arg-type]
            assert started is not None, "cannot start worker processes here"
            with started:
                shards = shard_by_size(sizes, workers, head_start(sizes, workers))
                return hash_in_processes(tree, started, shards)

        strategies = {
            "serial": lambda: tree.hash_files(sizes),
            f"threads x{workers}": lambda: tree.hash_files(sizes, workers=workers),
            f"processes x{workers}": processes,
        }
        reference = None
        for label, job in strategies.items():
            best = float("inf")
            for _ in range(repeat):
                start = time.perf_counter()
                digests = job()
                best = min(best, time.perf_counter() - start)
            reference = reference or digests
            assert digests == reference, f"{label} disagrees with serial hashing"
            total = sum(size for _, size in digests.values())
            print(f"  hash only, {label:14} {best:6.2f} s  {total / MiB / best:7.0f} MiB/s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("zip", nargs="?", type=Path)
    parser.add_argument("--size-mb", type=int, default=424)
    parser.add_argument("--packages", type=int, default=120)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=0, help="parallel run (0: every core)")
    parser.add_argument(
        "--strategies", action="store_true", help="also time hashing alone: threads vs processes"
    )
    args = parser.parse_args(argv)
    from wellcheck.signals.integrity_hashing import default_workers

    path = args.zip or _default_zip(args.size_mb, args.packages)
    workers = args.workers or default_workers()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"artifact: {path} ({path.stat().st_size / MiB:.0f} MiB), cores: {os.cpu_count()}, "
        f"load before: {load:.2f}"
    )
    rows = []
    for label, count in (("serial", 1), (f"parallel ({workers} workers)", workers)):
        check, total, components, problems, size = _time_check(path, count, args.repeat)
        rows.append((check, problems))
        print(
            f"{label:22} check {check:5.2f} s ({size / MiB / check:4.0f} MiB/s), "
            f"with open + inventory {total:5.2f} s; {components} components, "
            f"{problems} findings/skipped, {size / MiB:.0f} MiB of files"
        )
    print(f"speed-up of the check: {rows[0][0] / rows[1][0]:.2f}x (best of {args.repeat})")
    if args.strategies:
        _time_strategies(path, workers, args.repeat)
    return 0 if all(row[1] == 0 for row in rows) or args.zip else 1


if __name__ == "__main__":
    raise SystemExit(main())

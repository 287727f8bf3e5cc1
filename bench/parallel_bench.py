"""``wellcheck scan`` of 20 artifacts: ``--jobs 1`` against ``--jobs 2`` (and more).

    python bench/parallel_bench.py [--count 20] [--jobs 1 2] [--repeat 2]

The artifacts are Lambda layer zips made of the real trees ``bench/build_artifacts.py``
installs from PyPI (``bench/out/trees/{layer,image-base,image-task}``, one site root
each, ~93 MiB and ~5,600 files unpacked), plus one file of their own so no two are the
same; without those trees, synthetic function zips (``bench/integrity_bench.py``'s
builder) of similar size.  Each takes ~0.5-1 s to scan.  Built once into
``bench/out/parallel/`` and reused.  Advisories come from an index of
``fixtures/osv`` (``wellcheck db import``): never the network.  Every run writes a
json report; the reports of all ``--jobs`` values must be identical.

Target (issue 6): ``--jobs 2`` under 60% of ``--jobs 1`` on a 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = HERE / "out"
OUT = WORK / "parallel"


#: a Lambda layer zip may hold several site roots; each artifact holds all three trees
LAYOUT = {
    "layer": "python/lib/python3.12/site-packages",
    "image-base": "python/lib/python3.11/site-packages",
    "image-task": "python",
}


def build_fleet(count: int) -> list[Path]:
    OUT.mkdir(parents=True, exist_ok=True)
    trees = {WORK / "trees" / name: root for name, root in LAYOUT.items()}
    real = all(tree.is_dir() for tree in trees)
    paths = []
    for n in range(count):
        path = OUT / f"layer-{n:02d}.zip"
        if not path.exists():
            tmp = path.with_suffix(".partial")
            if real:
                zip_trees(trees, tmp, variant=n)
            else:
                synthetic(tmp, variant=n)
            tmp.replace(path)
        paths.append(path)
    return paths


def zip_trees(trees: dict[Path, str], dest: Path, *, variant: int) -> None:
    """The trees as one Lambda layer zip (one site root each), plus one file of its own."""
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for tree, root in trees.items():
            for path in sorted(tree.rglob("*")):
                if path.is_file() and not path.is_symlink():
                    archive.write(path, f"{root}/{path.relative_to(tree).as_posix()}")
        archive.writestr("python/bench_variant.py", f"VARIANT = {variant}\n")


def synthetic(dest: Path, *, variant: int) -> None:
    sys.path.insert(0, str(HERE))
    from integrity_bench import build_zip  # type: ignore[import-not-found]

    build_zip(dest, size_mb=40, packages=60, seed=variant)


def build_index() -> Path:
    index = OUT / "osv-fixtures.sqlite3"
    if not index.exists():
        wellcheck("db", "import", str(ROOT / "fixtures" / "osv"), "--db", str(index))
    return index


def wellcheck(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "WELLCHECK_CACHE_DIR": str(OUT / "cache")}
    return subprocess.run(
        [sys.executable, "-m", "wellcheck", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )


@dataclass
class Timing:
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # user + system of the scan's processes
    load: list[float] = field(default_factory=list)  # 1-minute load average before the run
    report: str = ""


def time_scan(paths: list[Path], jobs: int, index: Path, timing: Timing) -> None:
    out = OUT / f"report-jobs{jobs}.json"
    args = ["scan", *map(str, paths), "--jobs", str(jobs), "--db", str(index)]
    timing.load.append(os.getloadavg()[0])
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = wellcheck(*args, "--format", "json", "-o", str(out))
    timing.wall.append(time.perf_counter() - start)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    timing.cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"scan --jobs {jobs} failed ({proc.returncode}): {proc.stderr}")
    timing.report = out.read_text(encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeat", type=int, default=3, help="runs per setting (best kept)")
    args = parser.parse_args()
    start = time.perf_counter()
    paths = build_fleet(args.count)
    index = build_index()
    size = sum(p.stat().st_size for p in paths)
    print(f"fleet: {len(paths)} zips, {size / 2**20:.0f} MiB ({time.perf_counter() - start:.1f} s)")
    print(f"cpus: {os.cpu_count()}; load average: {os.getloadavg()[0]:.2f}")
    timings = {jobs: Timing() for jobs in args.jobs}
    for round_ in range(args.repeat):  # alternate the order: a busy machine drifts
        order = args.jobs if round_ % 2 == 0 else list(reversed(args.jobs))
        for jobs in order:
            time_scan(paths, jobs, index, timings[jobs])
    for jobs, timing in timings.items():
        walls = ", ".join(f"{w:.2f}" for w in timing.wall)
        print(
            f"--jobs {jobs}: best {min(timing.wall):6.2f} s wall (runs: {walls}); "
            f"cpu {min(timing.cpu):.2f} s; load before {max(timing.load):.1f}"
        )
    base = timings.get(1)
    if base is not None:
        for jobs, timing in timings.items():
            if jobs != 1:
                ratio = min(timing.wall) / min(base.wall)
                print(f"--jobs {jobs} / --jobs 1 (best walls): {ratio:.0%}")
    same = len({timing.report for timing in timings.values()}) == 1
    print("reports identical across --jobs:", "yes" if same else "NO")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())

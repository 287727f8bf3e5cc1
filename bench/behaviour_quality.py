"""Measure wellcheck's behaviour detection on real malware and on popular packages (issue 10).

Usage::

    .venv/bin/python bench/behaviour_quality.py [--malware-only] [--legit-only] [--top N]
        [--sdists N] [--guarddog N] [--json out.json] [--wellcheck PATH] [--db INDEX]

The first run prepares everything under bench/out/ (gitignored), later runs reuse it:

* the 850 samples of ``../shared/data/malware/pypi-malregistry-dev.zip`` (read its README:
  never install or run them): each sample archive as it was published, and the tree pip would
  install from it, built without running anything (bench/behaviour_install.py: wheels
  unpacked as ``pip install --target`` lays them out; sdists: the packages and modules
  setuptools would find plus a dist-info with a correct RECORD; samples that would install
  nothing but metadata are counted apart);
* the legitimate side: the wheels of the top N (1,000) projects of
  ``top-pypi-packages.json`` that pip would pick on the Lambda python3.12 x86_64 runtime,
  installed the same way, and the sdists of the top 300 for the archive mode, from the PyPI
  project JSON (bench/behaviour_pypi.py). Files over 100 MB (CUDA builds: torch, nvidia-*,
  triton, tensorflow) and projects without a wheel are skipped and counted;
* GuardDog in its own venv (bench/behaviour_guarddog.py).

Then it scans every tree and every archive with the real CLI (``wellcheck scan ...
--format jsonl --fail-on none --no-advisories``, batches of many targets per process) and
prints, per ``category_hint`` and threshold (critical/high/medium/low/any), the share of samples
with a non-advisory finding at or above the threshold (recall), the same for the behaviour
rules alone (``WC-CODE-*``, ``WC-POISON-*``), the false positives on the popular side (and
which packages and rules), the rules behind every hit, the seconds per MB, a naive probe
(bench/behaviour_probe.py) and GuardDog on a seeded sample of N malicious and N legitimate
inputs, and whether the targets of issue 10 are met. Archive inputs that wellcheck cannot
read yet (sdists, before the sdist input lands) are counted as input errors, never caught.
``--wellcheck PATH`` measures another checkout's CLI (e.g. a branch's .venv/bin/wellcheck);
``--db INDEX`` matches advisories from an index (build it without MAL- records: day zero)
instead of ``--no-advisories``; advisory findings never count either way.

Cost (2 shared cores): the first run downloads 2.6 GB (wheels 2.1 GB, sdists 0.5 GB, about
half a minute from the PyPI mirror here), installs 7 GB of trees (bench/out/ holds 11 GB with
the 0.5 GB GuardDog venv) and takes about 50 minutes on a busy machine, most of it the naive
probe over the popular trees and GuardDog; both are cached, so a later run costs the scans
(about 5 minutes) and the probe of the 850 samples. ``--legit-only``/``--malware-only`` halve it.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from behaviour_archive import Caps, Skipped, UnsafeArchive, archive_members
from behaviour_data import Legit, Sample, legit_trees, malware_samples
from behaviour_guarddog import GuardDogResult, ensure_venv
from behaviour_guarddog import scan as guarddog_scan
from behaviour_probe import PROBE_VERSION, probe_files, tree_files, wanted
from behaviour_pypi import Fetcher, top_projects
from behaviour_report import Report, Side
from behaviour_scan import scan_all

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
WORK = OUT / "behaviour"
SEED = 10


def shared_data(given: str | None) -> Path:
    candidates = [given, os.environ.get("WELLCHECK_SHARED_DATA")]
    candidates += [str(p / "shared" / "data") for p in HERE.parents[1:3]]
    for candidate in candidates:
        if candidate and (Path(candidate) / "top-pypi-packages.json").exists():
            return Path(candidate)
    raise SystemExit("shared data not found: give --data DIR (holding top-pypi-packages.json)")


def _probe_tree(path: str) -> list[str]:
    return probe_files(tree_files(Path(path)))


def _probe_archive(path: str) -> list[str]:
    data = Path(path).read_bytes()
    try:
        members = archive_members(data, Path(path).name, Caps(), Skipped(), wanted)
        return probe_files(members)
    except UnsafeArchive:
        return ["unreadable"]


def _checkout(wellcheck: Path) -> str:
    """The commit of the checkout whose venv holds ``wellcheck`` (figures are per commit)."""
    done = subprocess.run(
        ["git", "-C", str(wellcheck.resolve().parents[2]), "log", "-1", "--format=%h %s"],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip()[:70] if done.returncode == 0 else "commit unknown"


def probe_all(
    paths: list[Path], sizes: list[int], archives: bool, cache: dict[str, list[str]]
) -> list[list[str]]:
    """The naive probe on each tree or archive (cached by path and size when given a cache)."""
    keys = [f"{p}:{size}:{PROBE_VERSION}" for p, size in zip(paths, sizes, strict=True)]
    todo = [(p, k) for p, k in zip(paths, keys, strict=True) if k not in cache]
    function = _probe_archive if archives else _probe_tree
    with ProcessPoolExecutor(2) as pool:
        found = pool.map(function, [str(p) for p, _ in todo], chunksize=4)
        for (_, key), categories in zip(todo, found, strict=True):
            cache[key] = categories
    return [cache[k] for k in keys]


def _load_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _save_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data), encoding="utf-8")
    os.replace(tmp, path)


def prepare_legit(
    data: Path, top: int, sdists: int
) -> tuple[list[Legit], list[Path], dict[str, int]]:
    projects = top_projects(data / "top-pypi-packages.json", top)
    wheels = Fetcher(OUT / "wheels", "wheel")
    choices = wheels.fetch_all(projects)
    counts: dict[str, int] = {}
    for choice in choices:
        counts[f"wheel {choice.status}"] = counts.get(f"wheel {choice.status}", 0) + 1
    pairs = [(c.project, c.filename) for c in choices if c.status == "ok"]
    trees = legit_trees(pairs, OUT / "wheels", WORK)
    sdist_fetcher = Fetcher(OUT / "sdists", "sdist")
    sdist_choices = sdist_fetcher.fetch_all(projects[:sdists])
    for choice in sdist_choices:
        counts[f"sdist {choice.status}"] = counts.get(f"sdist {choice.status}", 0) + 1
    counts["downloaded now"] = wheels.downloaded + sdist_fetcher.downloaded
    sdist_paths = [OUT / "sdists" / c.filename for c in sdist_choices if c.status == "ok"]
    return trees, sdist_paths, counts


def run_guarddog(
    count: int, sides: dict[str, Side], report: Report
) -> dict[str, list[GuardDogResult | None]]:
    """GuardDog on a seeded sample of ``count`` inputs of each side (None: not in the sample)."""
    exe, why = ensure_venv(OUT / "guarddog-venv")
    if exe is None:
        report.note(f"GuardDog not run: {why}")
        return {}
    results: dict[str, list[GuardDogResult | None]] = {}
    for key, side in sides.items():
        rng = random.Random(f"{SEED}:{key.split()[0]}")
        chosen = sorted(rng.sample(range(len(side.paths)), min(count, len(side.paths))))
        with ThreadPoolExecutor(2) as pool:
            found = list(
                pool.map(
                    lambda i, s=side: guarddog_scan(exe, s.paths[i], WORK / "guarddog"),
                    chosen,
                )
            )
        column: list[GuardDogResult | None] = [None] * len(side.paths)
        for i, result in zip(chosen, found, strict=True):
            column[i] = result
        results[key] = column
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--malware-only", action="store_true")
    parser.add_argument("--legit-only", action="store_true")
    parser.add_argument("--top", type=int, default=1000, help="popular wheels (default 1000)")
    parser.add_argument("--sdists", type=int, default=300, help="popular sdists (default 300)")
    parser.add_argument("--guarddog", type=int, default=100, help="GuardDog sample (0: none)")
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    parser.add_argument("--wellcheck", type=Path, default=Path(sys.executable).parent / "wellcheck")
    parser.add_argument("--db", type=Path, help="advisory index without MAL- records")
    parser.add_argument("--data", help="the shared data folder (default: ../shared/data)")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    data = shared_data(args.data)
    advisories = f"--db {args.db}" if args.db else "--no-advisories"
    report = Report(f"{args.wellcheck} ({_checkout(args.wellcheck)})", advisories)
    sides: dict[str, Side] = {}

    clock = time.perf_counter()
    if not args.legit_only:
        samples = malware_samples(data / "malware" / "pypi-malregistry-dev.zip", WORK, args.jobs)
        trees = [s for s in samples if s.built.status == "ok"]
        report.note_samples(samples)
        report.phase("malware: samples and trees ready", clock)
        sides["malware trees"] = _malware_side(trees, args, tree=True)
        sides["malware archives"] = _malware_side(samples, args, tree=False)
        report.phase("malware: scanned and probed", clock)
    if not args.malware_only:
        legit, sdist_paths, counts = prepare_legit(data, args.top, args.sdists)
        report.note_legit(counts, legit)
        report.phase("popular: downloads and trees ready", clock)
        installed = [x for x in legit if x.built.status == "ok"]
        sides["legit trees"] = _side(
            [x.tree for x in installed],
            [x.project for x in installed],
            [x.built.size for x in installed],
            [],
            args,
            batch=50,
            archives=False,
        )
        sides["legit sdists"] = _side(
            sdist_paths,
            [p.name for p in sdist_paths],
            [p.stat().st_size for p in sdist_paths],
            [],
            args,
            batch=100,
            archives=True,
        )
        report.phase("popular: scanned and probed", clock)
    if args.guarddog > 0:
        for key, column in run_guarddog(args.guarddog, sides, report).items():
            sides[key] = sides[key].with_guarddog(column)
        report.phase("GuardDog done", clock)
    report.print(sides)
    if args.json:
        args.json.write_text(json.dumps(report.as_json(sides), indent=1), encoding="utf-8")
    return 0


def _malware_side(samples: list[Sample], args: argparse.Namespace, tree: bool) -> Side:
    paths = [s.tree if tree else s.archive for s in samples]
    sizes = [s.built.size if tree else s.archive.stat().st_size for s in samples]
    return _side(
        paths, [s.name for s in samples], sizes, samples, args, batch=850, archives=not tree
    )


_PROBE_CACHE = WORK / "probe-cache.json"


def _side(
    paths: list[Path],
    names: list[str],
    sizes: list[int],
    samples: list[Sample],
    args: argparse.Namespace,
    batch: int,
    archives: bool,
) -> Side:
    absolute = [p.resolve() for p in paths]
    run = scan_all(args.wellcheck, absolute, sizes, batch, args.jobs, args.db)
    cache = _load_json(_PROBE_CACHE) if not samples else {}
    probes = probe_all(absolute, sizes, archives, cache)
    if not samples:
        _save_json(_PROBE_CACHE, cache)
    return Side(absolute, names, samples, run, probes)


if __name__ == "__main__":
    raise SystemExit(main())

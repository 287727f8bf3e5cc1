"""Measure the typosquat detector: target recall, false positives, speed.

Usage: python bench/typosquat_quality.py [--verbose]

* Target recall: on bench/typosquat_labelled.json (public incident names and the
  project each imitated), the share flagged *with the right target*.  Pairs whose
  target is not in the popular snapshot cannot be caught by a popularity-based
  check; they are counted and listed apart.
* False positives: every popular name ranked 5,001-15,000, checked with
  ``top=5000`` (only the 5,000 most popular count as popular): the share flagged,
  with and without the bundled allowlist of legitimate near-names.
* Speed: loading the list, building the index, and checking 1,000 names (best of
  10 runs, so that other jobs on a shared machine disturb the figure less).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from packaging.utils import canonicalize_name

from wellcheck.signals import typosquat
from wellcheck.signals.popular import load_popular
from wellcheck.signals.typo_allowlist import Allowlist
from wellcheck.signals.typosquat import TyposquatDetector, TyposquatVerdict

HERE = Path(__file__).resolve().parent
RECALL_GOAL = 0.95
FP_GOAL = 0.003


def labelled_pairs() -> list[tuple[str, str]]:
    data = json.loads((HERE / "typosquat_labelled.json").read_text(encoding="utf-8"))
    return [(n, t) for g in data["groups"] for n, t in g["pairs"]]


def recall(detector: TyposquatDetector, verbose: bool) -> float:
    pairs = labelled_pairs()
    known = [(n, t) for n, t in pairs if detector.popular.rank(canonicalize_name(t))]
    misses: list[tuple[str, str, TyposquatVerdict]] = []
    for name, target in known:
        verdict = detector.check(name)
        if not (verdict.suspect and verdict.target == canonicalize_name(target)):
            misses.append((name, target, verdict))
    hits = len(known) - len(misses)
    print(
        f"labelled pairs: {len(pairs)}; target in the popular list: {len(known)}; "
        f"target absent: {len(pairs) - len(known)}"
    )
    print(f"target recall: {hits}/{len(known)} = {hits / len(known):.3f} (goal >= {RECALL_GOAL})")
    if verbose:
        for name, target, v in misses:
            got = f"{v.target} by {v.transformation}, score {v.score}" if v.target else "nothing"
            print(f"  missed {name} -> {target}: {'flagged' if v.suspect else 'found'} {got}")
    return hits / len(known)


def false_positives(detector: TyposquatDetector, legit: list[str], verbose: bool) -> float:
    flagged = [v for v in (detector.check(n, top=5000) for n in legit) if v.suspect]
    rate = len(flagged) / len(legit)
    print(
        f"false positives (ranks 5,001-15,000 vs top 5,000): {len(flagged)}/{len(legit)} "
        f"= {100 * rate:.2f}% (goal <= {100 * FP_GOAL:.1f}%)"
    )
    if verbose:
        for v in flagged:
            print(f"  fp {v.name} ({v.rank}) -> {v.target} ({v.target_rank}) {v.transformation}")
    return rate


def main(argv: list[str]) -> int:
    verbose = "--verbose" in argv
    started, cpu_started = time.perf_counter(), time.process_time()
    popular = load_popular()
    loaded, cpu_loaded = time.perf_counter(), time.process_time()
    detector = TyposquatDetector(popular)
    built, cpu_built = time.perf_counter(), time.process_time()
    print(f"popular list: {len(popular)} names ({popular.generated}, {popular.origin})")
    print(
        f"load {1000 * (loaded - started):.0f} ms (cpu {1000 * (cpu_loaded - cpu_started):.0f}), "
        f"index build {1000 * (built - loaded):.0f} ms (cpu {1000 * (cpu_built - cpu_loaded):.0f})"
    )

    found = recall(detector, verbose)
    legit = [n for n in popular.names[5000:15000] if n]
    rate = false_positives(detector, legit, verbose)
    bare = TyposquatDetector(popular, Allowlist())
    raw = sum(1 for n in legit if bare.check(n, top=5000).suspect)
    print(f"  without the bundled allowlist: {raw}/{len(legit)} = {100 * raw / len(legit):.2f}%")

    print("trade-off (threshold: recall, false positives):")
    known = [(n, t) for n, t in labelled_pairs() if popular.rank(canonicalize_name(t))]
    chosen = typosquat.THRESHOLD
    for threshold in (0.5, 0.55, chosen, 0.65, 0.7):
        typosquat.THRESHOLD = threshold
        hits = sum(
            1
            for n, t in known
            if (v := detector.check(n)).suspect and v.target == canonicalize_name(t)
        )
        fps = sum(1 for n in legit if detector.check(n, top=5000).suspect)
        mark = " (in use)" if threshold == chosen else ""
        print(f"  {threshold:.2f}: {hits / len(known):.3f}, {100 * fps / len(legit):.2f}%{mark}")
    typosquat.THRESHOLD = chosen

    sample = legit[:1000]
    best, best_cpu = float("inf"), float("inf")
    for _ in range(10):
        t0, c0 = time.perf_counter(), time.process_time()
        for name in sample:
            detector.check(name, top=5000)
        best = min(best, time.perf_counter() - t0)
        best_cpu = min(best_cpu, time.process_time() - c0)
    print(
        f"1,000 names checked in {1000 * best:.1f} ms wall, {1000 * best_cpu:.1f} ms cpu "
        "(goal < 50 ms)"
    )
    ok = found >= RECALL_GOAL and rate <= FP_GOAL
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))

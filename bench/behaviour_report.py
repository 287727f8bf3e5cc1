"""Figures and the printed report of bench/behaviour_quality.py."""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from behaviour_data import Legit, Sample
from behaviour_guarddog import GuardDogResult
from behaviour_scan import THRESHOLDS, Outcome, ScanRun, rank

HINTS = ("installed-suspicious-code", "installed-other-code", "setup-only")
CODE_HINTS = frozenset(HINTS[:2])
MB = 1_000_000


@dataclass(frozen=True)
class Side:
    """One set of inputs (trees or archives, malicious or popular) and what was found."""

    paths: list[Path]
    names: list[str]
    samples: list[Sample]  # parallel to paths on the malware side, empty otherwise
    run: ScanRun
    probes: list[list[str]]
    guarddog: list[GuardDogResult | None] | None = None

    def with_guarddog(self, column: list[GuardDogResult | None]) -> Side:
        return replace(self, guarddog=column)

    def rows(self, keep: Callable[[int], bool]) -> list[int]:
        return [i for i in range(len(self.paths)) if keep(i)]


def row(label: str, width: int, cells: list[tuple[object, int]], digits: int = 3) -> str:
    """One table line: the label left-aligned, each cell right-aligned in its width."""
    text = f"{label:{width}}"
    for value, cell_width in cells:
        text += (
            f"{value:>{cell_width}.{digits}f}"
            if isinstance(value, float)
            else f"{value:>{cell_width}}"
        )
    return text


def share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def _rate(side: Side, rows: list[int], test: Callable[[Outcome], bool]) -> float:
    return share(sum(1 for i in rows if test(side.run.outcomes[i])), len(rows))


def _threshold_rates(side: Side, rows: list[int]) -> dict[str, float]:
    rates = {t: _rate(side, rows, lambda o, t=t: o.caught(t)) for t in THRESHOLDS}
    for t in ("high", "medium"):
        rates[f"behaviour@{t}"] = _rate(side, rows, lambda o, t=t: o.caught(t, True))
    rates["errors"] = sum(1 for i in rows if side.run.outcomes[i].error)
    rates["incomplete"] = sum(1 for i in rows if not side.run.outcomes[i].complete)
    return rates


def _groups(side: Side) -> dict[str, list[int]]:
    if not side.samples:
        return {"all": side.rows(lambda i: True)}
    hint = [s.hint for s in side.samples]
    groups = {h: side.rows(lambda i, h=h: hint[i] == h) for h in HINTS}
    groups["installs code (hints 1+2)"] = side.rows(lambda i: hint[i] in CODE_HINTS)
    groups["metadata-only trees"] = side.rows(lambda i: not side.samples[i].built.installs_code)
    groups["all"] = side.rows(lambda i: True)
    return groups


@dataclass
class Report:
    wellcheck: str
    advisories: str  # "--no-advisories" or the --db index used
    notes: list[str] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)

    def note(self, text: str) -> None:
        self.notes.append(text)

    def phase(self, what: str, since: float) -> None:
        elapsed = time.perf_counter() - since
        self.figures.setdefault("phases", {})[what] = elapsed
        print(f"[{elapsed:7.1f} s] {what}", file=sys.stderr, flush=True)

    def note_samples(self, samples: list[Sample]) -> None:
        kinds = Counter(s.kind for s in samples)
        meta = Counter(
            s.hint for s in samples if s.built.status == "ok" and not s.built.installs_code
        )
        refused = [s.name for s in samples if s.built.status != "ok"]
        self.note(
            f"malware: {len(samples)} samples ({kinds['sdist']} sdists, {kinds['wheel']} wheels); "
            f"trees holding nothing but metadata: "
            + ", ".join(f"{h} {meta[h]}" for h in HINTS)
            + (f"; pip would refuse {len(refused)}: {', '.join(refused)}" if refused else "")
        )
        self.figures["metadata_only"] = dict(meta)

    def note_legit(self, counts: dict[str, int], legit: list[Legit]) -> None:
        code = sum(1 for x in legit if x.built.installs_code)
        self.note(
            "popular: "
            + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
            + f"; {len(legit)} wheels installed ({code} with code), cap 100 MB per file"
        )
        self.figures["legit_counts"] = counts

    # ------------------------------------------------------------------ printing

    def print(self, sides: dict[str, Side]) -> None:
        print(f"behaviour bench: {self.wellcheck}; non-advisory findings ({self.advisories})")
        for text in self.notes:
            print(f"  {text}")
        for key in ("malware trees", "malware archives"):
            if key in sides:
                self._recall_table(key, sides[key])
        legit = [k for k in ("legit trees", "legit sdists") if k in sides]
        if legit:
            self._fp_table({k: sides[k] for k in legit})
        self._rules(sides)
        self._probe(sides)
        self._guarddog(sides)
        self._speed(sides)
        self._targets(sides)

    def _recall_table(self, key: str, side: Side) -> None:
        print(f"\n== {key}: recall (share with a non-advisory finding at >= threshold)")
        extra = [("WC-CODE/POISON@high", 21), ("@medium", 9), ("errors", 8)]
        print(row("hint", 28, [("n", 5), *[(t, 9) for t in THRESHOLDS], *extra]))
        table: dict[str, Any] = {}
        for group, rows in _groups(side).items():
            rates = _threshold_rates(side, rows)
            table[group] = {"n": len(rows), **rates}
            cells = [(len(rows), 5), *[(rates[t], 9) for t in THRESHOLDS]]
            cells += [(rates["behaviour@high"], 21), (rates["behaviour@medium"], 9)]
            print(row(group, 28, [*cells, (rates["errors"], 8)]))
        errors = [f"{side.names[i]}: {o.error}" for i, o in enumerate(side.run.outcomes) if o.error]
        table["error_list"] = errors
        if errors:
            print(f"  input errors ({len(errors)}, not caught): " + "; ".join(errors[:5]))
        self.figures[key] = table

    def _fp_table(self, sides: dict[str, Side]) -> None:
        print("\n== popular packages: false positives (share flagged at >= threshold)")
        print(
            f"{'side':16}{'n':>5}"
            + "".join(f"{t:>9}" for t in THRESHOLDS)
            + f"{'errors':>8}{'incomplete':>11}"
        )
        for key, side in sides.items():
            rates = _threshold_rates(side, side.rows(lambda i: True))
            print(
                f"{key:16}{len(side.paths):>5}"
                + "".join(f"{rates[t]:>9.4f}" for t in THRESHOLDS)
                + f"{rates['errors']:>8}{rates['incomplete']:>11}"
            )
            self.figures[key] = {"n": len(side.paths), **rates}
            floor = "medium" if key == "legit trees" else "high"
            flagged = [
                f"{side.names[i]}: {', '.join(o.rules_at(floor))}"
                for i, o in enumerate(side.run.outcomes)
                if o.caught(floor)
            ]
            errors = [
                f"{side.names[i]}: {o.error}" for i, o in enumerate(side.run.outcomes) if o.error
            ]
            self.figures[key]["flagged"] = flagged
            self.figures[key]["error_list"] = errors
            print(f"  {key} flagged at >= {floor} ({len(flagged)}):" + ("" if flagged else " none"))
            for line in flagged:
                print(f"    {line}")
            if errors:
                print(f"  {key} input errors ({len(errors)}): {'; '.join(errors[:10])}")

    def _rules(self, sides: dict[str, Side]) -> None:
        per_rule: dict[str, Counter[str]] = {}
        worst: dict[str, str] = {}
        for key, side in sides.items():
            for outcome in side.run.outcomes:
                for rule in {h.rule for h in outcome.hits}:
                    per_rule.setdefault(rule, Counter())[key] += 1
                for hit in outcome.hits:
                    if rank(hit.severity) > rank(worst.get(hit.rule, "unknown")):
                        worst[hit.rule] = hit.severity
        print("\n== rules behind the hits (inputs with a finding of the rule, any severity)")
        if not per_rule:
            print("  no non-advisory finding on any input")
        keys = list(sides)
        print(f"{'rule':28}{'worst':>9}" + "".join(f"{k:>18}" for k in keys))
        for rule in sorted(per_rule, key=lambda r: -sum(per_rule[r].values())):
            print(
                f"{rule:28}{worst.get(rule, ''):>9}"
                + "".join(f"{per_rule[rule][k]:>18}" for k in keys)
            )
        self.figures["rules"] = {r: {"worst": worst.get(r), **c} for r, c in per_rule.items()}

    def _probe(self, sides: dict[str, Side]) -> None:
        print("\n== naive probe (calibration): an import-time exec, shell, network or decoder")
        print("   call, or an exfiltration URL, anywhere")
        probe: dict[str, Any] = {}
        for key, side in sides.items():
            groups = _groups(side)
            parts = []
            for group, rows in groups.items():
                rate = share(sum(1 for i in rows if side.probes[i]), len(rows))
                parts.append(f"{group} {rate:.3f}")
                probe.setdefault(key, {})[group] = rate
            categories = Counter(c for found in side.probes for c in found)
            probe[key]["categories"] = dict(categories)
            print(
                f"  {key}: "
                + "; ".join(parts)
                + f"  [{', '.join(f'{c} {n}' for c, n in categories.most_common())}]"
            )
        self.figures["probe"] = probe

    def _guarddog(self, sides: dict[str, Side]) -> None:
        if not any(s.guarddog for s in sides.values()):
            return
        print("\n== GuardDog beside wellcheck and the probe, on the same seeded sample")
        heads = ["n", "wc@high", "wc@medium", "probe", "gd threat-*", "gd any", "gd errors"]
        widths = [5, 9, 10, 7, 12, 8, 10, 11]
        print(row("inputs", 34, list(zip([*heads, "gd s/input"], widths, strict=True))))
        table: dict[str, Any] = {}
        for key, side in sides.items():
            if not side.guarddog:
                continue
            for group, rows in _groups(side).items():
                if side.samples and group not in ("installs code (hints 1+2)", "all", HINTS[0]):
                    continue
                rows = [i for i in rows if side.guarddog[i] is not None]
                gd = [r for i in rows if (r := side.guarddog[i]) is not None]
                figures = {
                    "n": len(rows),
                    "wellcheck_high": _rate(side, rows, lambda o: o.caught("high")),
                    "wellcheck_medium": _rate(side, rows, lambda o: o.caught("medium")),
                    "probe": share(sum(1 for i in rows if side.probes[i]), len(rows)),
                    "guarddog_threat": share(sum(1 for r in gd if r.threat), len(gd)),
                    "guarddog_any": share(sum(1 for r in gd if r.any_rule), len(gd)),
                    "guarddog_errors": sum(1 for r in gd if r.error and not r.rules),
                    "guarddog_seconds": sum(r.seconds for r in gd) / len(gd) if gd else 0.0,
                }
                table[f"{key} / {group}"] = figures
                values = list(figures.values())
                label = f"{key} / {group}"[:33]
                print(row(label, 34, list(zip(values, widths, strict=True))))
        self.figures["guarddog"] = table

    def _speed(self, sides: dict[str, Side]) -> None:
        print("\n== speed (wall time of the scan processes, --jobs as given)")
        speed: dict[str, Any] = {}
        for key, side in sides.items():
            run = side.run
            per_mb = run.seconds / (run.size / MB) if run.size else 0.0
            speed[key] = {
                "inputs": len(side.paths),
                "mb": run.size / MB,
                "seconds": run.seconds,
                "seconds_per_mb": per_mb,
                "batches": [
                    {"inputs": b.count, "mb": b.size / MB, "seconds": b.seconds}
                    for b in run.batches
                ],
            }
            print(
                f"  {key}: {len(side.paths)} inputs, {run.size / MB:.1f} MB in {run.seconds:.1f} s "
                f"({per_mb:.3f} s/MB); per process (inputs/MB/s): "
                + ", ".join(f"{b.count}/{b.size / MB:.0f}/{b.seconds:.1f}" for b in run.batches)
            )
        self.figures["speed"] = speed

    def _targets(self, sides: dict[str, Side]) -> None:
        print("\n== issue 10 targets")
        checks: list[tuple[str, float, float, bool]] = []
        trees = self.figures.get("malware trees")
        if trees:
            checks.append(
                (
                    "trees: installed-suspicious-code recall at high",
                    trees[HINTS[0]]["high"],
                    0.85,
                    True,
                )
            )
            checks.append(
                (
                    "trees: hints 1+2 recall at medium",
                    trees["installs code (hints 1+2)"]["medium"],
                    0.70,
                    True,
                )
            )
        archives = self.figures.get("malware archives")
        if archives:
            checks.append(("archives: recall at high", archives["all"]["high"], 0.90, True))
        legit = self.figures.get("legit trees")
        if legit:
            checks.append(("popular wheels flagged at high", legit["high"], 0.005, False))
            checks.append(("popular wheels flagged at medium", legit["medium"], 0.02, False))
        sdists = self.figures.get("legit sdists")
        if sdists:
            checks.append(("popular sdists flagged at high", sdists["high"], 0.02, False))
        speed = self.figures.get("speed", {}).get("malware trees")
        if speed:
            checks.append(("850 installed trees scanned (s)", speed["seconds"], 60.0, False))
        results = []
        for label, value, goal, at_least in checks:
            ok = value >= goal if at_least else value <= goal
            results.append({"target": label, "value": value, "goal": goal, "pass": ok})
            verdict = "PASS" if ok else "FAIL"
            print(f"  [{verdict}] {label}: {value:.4g} ({'>=' if at_least else '<='} {goal})")
        self.figures["targets"] = results

    def as_json(self, sides: dict[str, Side]) -> dict[str, Any]:
        head = {"wellcheck": self.wellcheck, "advisories": self.advisories, "notes": self.notes}
        return {**head, **self.figures}

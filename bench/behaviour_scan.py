"""Run the real ``wellcheck scan`` CLI over many inputs, in batches, and read its jsonl.

One process per batch: ``wellcheck scan T1 T2 ... --format jsonl --jobs J --fail-on none
--no-advisories`` (day zero: no advisory can explain a hit; ``--db`` instead of
``--no-advisories`` when an index is given). Each input gets an :class:`Outcome`: its
non-advisory findings, whether it was an input error, whether it was complete. Wall time and
bytes are kept per batch for the seconds-per-MB figure.
"""

from __future__ import annotations

import json
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SEVERITIES = ("unknown", "info", "low", "medium", "high", "critical")
THRESHOLDS = ("critical", "high", "medium", "low", "any")
ADVISORY_KINDS = frozenset({"advisory", "malicious"})
BEHAVIOUR_PREFIXES = ("WC-CODE-", "WC-POISON-")


def rank(severity: str) -> int:
    return SEVERITIES.index(severity) if severity in SEVERITIES else 0


def at_least(severity: str, threshold: str) -> bool:
    return threshold == "any" or rank(severity) >= rank(threshold)


@dataclass(frozen=True)
class Hit:
    rule: str
    severity: str
    kind: str
    package: str
    path: str


@dataclass(frozen=True)
class Outcome:
    error: str | None
    complete: bool
    hits: tuple[Hit, ...]

    def caught(self, threshold: str, behaviour_only: bool = False) -> bool:
        return self.error is None and any(
            at_least(h.severity, threshold)
            and (not behaviour_only or h.rule.startswith(BEHAVIOUR_PREFIXES))
            for h in self.hits
        )

    def rules_at(self, threshold: str) -> list[str]:
        return sorted({h.rule for h in self.hits if at_least(h.severity, threshold)})


@dataclass(frozen=True)
class Batch:
    count: int
    size: int  # bytes of input
    seconds: float
    exit_status: int


@dataclass(frozen=True)
class ScanRun:
    outcomes: list[Outcome]
    batches: list[Batch]

    @property
    def seconds(self) -> float:
        return sum(b.seconds for b in self.batches)

    @property
    def size(self) -> int:
        return sum(b.size for b in self.batches)


def _outcome(line: dict[str, Any]) -> Outcome:
    hits = tuple(
        Hit(f["rule"], f["severity"], f["kind"], f["package"], f.get("path") or "")
        for f in line.get("findings", [])
        if f["kind"] not in ADVISORY_KINDS
    )
    return Outcome(line.get("error"), bool(line.get("complete")), hits)


def _run_batch(
    command: list[str], targets: list[Path], sizes: list[int]
) -> tuple[list[Outcome], Batch]:
    started = time.perf_counter()
    done = subprocess.run(
        [*command, *map(str, targets)], capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - started
    found: dict[int, Outcome] = {}
    for text in done.stdout.splitlines():
        line = json.loads(text)
        if line.get("type") == "artifact":
            found[int(line["position"])] = _outcome(line)
    if done.returncode not in (0, 2, 3) or len(found) != len(targets):
        detail = done.stderr.strip().splitlines()[-1:] or ["no output"]
        raise SystemExit(f"wellcheck scan failed (exit {done.returncode}): {detail[0]}")
    outcomes = [found[i] for i in range(len(targets))]
    return outcomes, Batch(len(targets), sum(sizes), seconds, done.returncode)


def scan_all(
    wellcheck: Path,
    targets: list[Path],
    sizes: list[int],
    batch_size: int,
    jobs: int,
    db: Path | None = None,
) -> ScanRun:
    """Scan every target (in order) with the real CLI, ``batch_size`` per process."""
    advisories = ["--db", str(db)] if db else ["--no-advisories"]
    command = [str(wellcheck), "scan", "--format", "jsonl", "--jobs", str(jobs)]
    command += ["--fail-on", "none", *advisories]
    outcomes: list[Outcome] = []
    batches: list[Batch] = []
    for start in range(0, len(targets), batch_size):
        part = targets[start : start + batch_size]
        got, batch = _run_batch(command, part, sizes[start : start + batch_size])
        outcomes += got
        batches.append(batch)
    return ScanRun(outcomes, batches)

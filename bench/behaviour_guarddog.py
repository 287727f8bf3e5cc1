"""GuardDog (DataDog) on the same inputs, for comparison: ``guarddog pypi scan PATH``.

GuardDog lives in its own venv, ``bench/out/guarddog-venv`` (``pip install guarddog semgrep``;
made on first use). Each result is cached as JSON under ``bench/out/behaviour/guarddog/``, keyed
by the input (the tree's files or the archive's sha256), because GuardDog is slow. A hit is a
rule with a non-empty result: ``threat-*`` rules (its malicious-behaviour rules) and any rule
(the ``capability-*`` rules too) are counted apart. A run that fails is an error, never clean.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

TIMEOUT = 600


@dataclass(frozen=True)
class GuardDogResult:
    rules: tuple[str, ...]  # rules with a hit
    error: str = ""
    seconds: float = 0.0

    @property
    def threat(self) -> bool:
        return any(r.startswith("threat-") for r in self.rules)

    @property
    def any_rule(self) -> bool:
        return bool(self.rules)


def ensure_venv(venv: Path) -> tuple[Path | None, str]:
    """GuardDog's executable, installed if needed; or None and why it could not be."""
    exe = venv / "bin" / "guarddog"
    if exe.exists():
        return exe, ""
    steps = [
        [sys.executable, "-m", "venv", str(venv)],
        [str(venv / "bin" / "pip"), "install", "-q", "guarddog", "semgrep"],
    ]
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            return None, f"{' '.join(step[:3])} failed: {' | '.join(tail)}"
    return (exe, "") if exe.exists() else (None, "guarddog installed no executable")


def _key(target: Path) -> str:
    digest = hashlib.sha256()
    if target.is_file():
        digest.update(target.read_bytes())
    else:
        for path in sorted(target.rglob("*")):
            if path.is_file():
                digest.update(path.relative_to(target).as_posix().encode() + b"\0")
                digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _parse(stdout: str) -> GuardDogResult:
    start = stdout.find("{")
    document = json.loads(stdout[start:]) if start >= 0 else None
    if not isinstance(document, dict) or "results" not in document:
        return GuardDogResult((), "no JSON result")
    hits = tuple(sorted(rule for rule, found in document["results"].items() if found))
    errors = document.get("errors") or {}
    return GuardDogResult(hits, "; ".join(f"{k}: {v}" for k, v in errors.items())[:300])


def scan(exe: Path, target: Path, cache: Path) -> GuardDogResult:
    """GuardDog's verdict on one tree or archive (cached)."""
    cache.mkdir(parents=True, exist_ok=True)
    entry = cache / f"{_key(target)}.json"
    if entry.exists():
        raw = json.loads(entry.read_text(encoding="utf-8"))
        return GuardDogResult(tuple(raw["rules"]), raw["error"], raw["seconds"])
    started = time.perf_counter()
    try:
        done = subprocess.run(
            [str(exe), "pypi", "scan", str(target), "--output-format", "json"],
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
            env={**os.environ, "NO_COLOR": "1"},
        )
        result = _parse(done.stdout)
        if done.returncode != 0 and not result.error:
            result = GuardDogResult(result.rules, f"exit {done.returncode}")
    except (subprocess.TimeoutExpired, json.JSONDecodeError) as exc:
        result = GuardDogResult((), type(exc).__name__)
    result = GuardDogResult(result.rules, result.error, time.perf_counter() - started)
    if result.error != "TimeoutExpired":
        entry.write_text(
            json.dumps({"rules": result.rules, "error": result.error, "seconds": result.seconds}),
            encoding="utf-8",
        )
    return result

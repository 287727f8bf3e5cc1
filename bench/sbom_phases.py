"""Where the time of `wellcheck sbom` goes, phase by phase, for one artifact.

    python bench/sbom_phases.py [ARTIFACT] [--repeat N] [--format cyclonedx-json]

Each repeat runs in a fresh interpreter (imports are part of the cost) and
prints wall and CPU milliseconds (CPU = process time, all threads) for:

    import     wellcheck.cli, the sbom command module, the job and the pipeline
    open       open_artifact: sniff, catalogue the zip, find nested archives
    inventory  inventory.collect over every tree
    build      the document model (cyclonedx-python-lib import included)
    render     serialise to text
    digest     (inside build) waiting for the background sha256 of the artifact,
               which the pipeline defers until the SBOM first reads it

then the best (minimum) of each phase over the repeats, and the end-to-end
`wellcheck sbom ARTIFACT -o FILE` under /usr/bin/time (wall, user+sys, peak MB).
The machine may be shared: compare CPU figures, and best-of-N.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_ARTIFACT = HERE / "out" / "artifacts" / "big-function.zip"
PHASES = ("import", "open", "inventory", "build", "render", "digest")

_CHILD = r"""
import json, sys, time
def now():
    return time.perf_counter(), time.thread_time()
marks = {}
t = now()
from wellcheck.cli import _tune_garbage_collector, app  # the console script's import
app.select(["sbom"])
_tune_garbage_collector()
import wellcheck.cli.commands_sbom  # what `wellcheck sbom` imports before it opens
import wellcheck.sbom.job
import wellcheck.pipeline
marks["import"] = t, now()
from wellcheck.artifact import open_artifact
from wellcheck.artifact.digest import DigestingArtifact
from wellcheck.inventory import collect
from wellcheck.pipeline import Inventory
from wellcheck.sbom import SbomFormat, build_cyclonedx, render_cyclonedx, render_spdx
path, fmt = sys.argv[1], SbomFormat(sys.argv[2])
t = now()
opened = open_artifact(path)
marks["open"] = t, now()
t = now()
digesting = isinstance(opened, DigestingArtifact)
known = opened.info_before_digest if digesting else opened.info
components = []
for tree in opened.trees:
    components.extend(collect(tree, artifact_python=known.python_version))
marks["inventory"] = t, now()
waited = []
def info():  # as the pipeline does: wait for the sha256 when the SBOM first needs it
    start = now()
    value = opened.info
    waited.append((start, now()))
    return value
if digesting:
    opened.close_trees()
else:
    opened.close()
inventory = Inventory(info, tuple(components), tuple(opened.not_scanned))
t = now()
if fmt is SbomFormat.SPDX_JSON:
    bom = None
else:
    bom = build_cyclonedx([inventory])
marks["build"] = t, now()
t = now()
if bom is None:
    text = render_spdx([inventory])
else:
    text = render_cyclonedx(bom, "json" if fmt is SbomFormat.CYCLONEDX_JSON else "xml")
marks["render"] = t, now()
marks["digest"] = waited[0] if waited else (t, t)
out = {k: [(b[0] - a[0]) * 1000, (b[1] - a[1]) * 1000] for k, (a, b) in marks.items()}
out["components"] = len(components)
out["process_cpu"] = time.process_time() * 1000
out["bytes"] = len(text)
print(json.dumps(out))
"""


def run_phases(artifact: str, fmt: str) -> dict[str, object]:
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, artifact, fmt], capture_output=True, text=True, check=True
    )
    result: dict[str, object] = json.loads(proc.stdout)
    return result


def run_cli(artifact: str, fmt: str) -> tuple[float, float, float]:
    """(wall s, user+sys s, peak MB) of the console script, via /usr/bin/time -v."""
    gnu_time = shutil.which("time") or "/usr/bin/time"
    script = Path(sys.executable).parent / "wellcheck"
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "time"
        cmd = [gnu_time, "-v", "-o", str(report), str(script), "sbom", artifact, "-f", fmt]
        subprocess.run([*cmd, "-o", str(Path(tmp) / "out")], check=True, capture_output=True)
        text = report.read_text()
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", text)
    user = re.search(r"User time \(seconds\): ([\d.]+)", text)
    system = re.search(r"System time \(seconds\): ([\d.]+)", text)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    seconds = 0.0
    if wall:
        h, m, s = wall.groups()
        seconds = int(h or 0) * 3600 + int(m) * 60 + float(s)
    cpu = float(user.group(1) if user else 0) + float(system.group(1) if system else 0)
    return seconds, cpu, int(rss.group(1)) / 1024 if rss else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("artifact", nargs="?", default=str(DEFAULT_ARTIFACT))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--format", default="cyclonedx-json")
    parser.add_argument("--no-cli", action="store_true", help="skip the end-to-end runs")
    args = parser.parse_args()
    if not Path(args.artifact).exists():
        sys.exit(f"{args.artifact}: not found (run bench/build_artifacts.py first)")

    runs = [run_phases(args.artifact, args.format) for _ in range(args.repeat)]
    print(f"{args.artifact}: {runs[0]['components']} components, {runs[0]['bytes']} bytes")
    print(f"{'phase':<10} {'wall ms (best)':>15} {'cpu ms (best)':>14}  cpu ms (all runs)")
    wall_total = cpu_total = 0.0
    for phase in PHASES:
        if phase == "digest":
            print(f"{'sum':<10} {wall_total:>15.0f} {cpu_total:>14.0f}")
        walls = [float(r[phase][0]) for r in runs]  # type: ignore[index]
        cpus = [float(r[phase][1]) for r in runs]  # type: ignore[index]
        if phase != "digest":
            wall_total += min(walls)
            cpu_total += min(cpus)
        listed = " ".join(f"{c:.0f}" for c in cpus)
        print(f"{phase:<10} {min(walls):>15.0f} {min(cpus):>14.0f}  {listed}")
    process = min(float(r["process_cpu"]) for r in runs)  # type: ignore[arg-type]
    print(f"process CPU (all threads, start-up and sha256 included): {process:.0f} ms")
    if args.no_cli:
        return
    cli = [run_cli(args.artifact, args.format) for _ in range(args.repeat)]
    walls = " ".join(f"{w:.2f}" for w, _, _ in cli)
    cpus = " ".join(f"{c:.2f}" for _, c, _ in cli)
    print(
        f"wellcheck sbom end to end: best wall {min(w for w, _, _ in cli):.2f} s ({walls}), "
        f"best user+sys {min(c for _, c, _ in cli):.2f} s ({cpus}), "
        f"peak {max(m for _, _, m in cli):.0f} MB"
    )


if __name__ == "__main__":
    main()

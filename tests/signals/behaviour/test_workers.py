"""Background analysis in another process gives exactly the in-process answer."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from behaviourkit import installed, zip_file

from wellcheck.artifact import open_artifact
from wellcheck.artifact.limits import DEFAULT_LIMITS
from wellcheck.inventory import collect
from wellcheck.signals.behaviour.budget import Bounds
from wellcheck.signals.behaviour.files import plan_tree
from wellcheck.signals.behaviour.work import Background, merge, run_jobs
from wellcheck.signals.integrity_hashing import zip_reopener

ROOTS = ("", "python")


def _artifact(tmp_path: Path) -> Path:
    modules = {
        f"many/m{i}.py": f"import os\ndef f{i}():\n    os.system('id {i}')\n".encode()
        for i in range(30)
    }
    modules["many/__init__.py"] = b"import subprocess\nsubprocess.run(['true'])\n"
    return zip_file(tmp_path / "w.zip", installed("many", "1.0", modules))


def test_the_background_process_gives_the_serial_results(tmp_path: Path) -> None:
    artifact = _artifact(tmp_path)
    with open_artifact(str(artifact), DEFAULT_LIMITS) as opened:
        tree = opened.trees[0]
        reopen = zip_reopener(tree, str(artifact), DEFAULT_LIMITS)
        assert reopen is not None
        components = collect(tree)
        background = Background.start(reopen, components, ROOTS, Bounds())
        assert background is not None
        jobs = plan_tree(tree, components, ROOTS).jobs
        done = background.result()
        assert done is not None and done[0] == jobs
        assert merge(tree, jobs, done, Bounds()) == run_jobs(tree, jobs, Bounds())


def test_jobs_planned_differently_are_analysed_here(tmp_path: Path) -> None:
    artifact = _artifact(tmp_path)
    with open_artifact(str(artifact), DEFAULT_LIMITS) as opened:
        tree = opened.trees[0]
        jobs = plan_tree(tree, collect(tree), ROOTS).jobs
        serial = run_jobs(tree, jobs, Bounds())
        changed = [replace(job, entry=not job.entry) for job in jobs[:5]] + list(jobs[5:])
        done = (changed, run_jobs(tree, changed, Bounds()))
        assert merge(tree, jobs, done, Bounds()) == serial
        assert merge(tree, jobs, None, Bounds()) == serial

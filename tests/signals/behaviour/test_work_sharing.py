"""The end of a background analysis is shared: the scan's process analyses the chunks
the background process has not claimed yet, last first, and the answer is the serial
one, hostile members included (the first in job order is the one reported)."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import Future
from pathlib import Path

import pytest
from behaviourkit import installed, zip_file
from zipkit import RawMember, raw_zip

from wellcheck.artifact import open_artifact
from wellcheck.artifact.limits import DEFAULT_LIMITS
from wellcheck.errors import HostileArtifactError
from wellcheck.inventory import collect
from wellcheck.signals.behaviour.budget import Bounds
from wellcheck.signals.behaviour.files import plan_tree
from wellcheck.signals.behaviour.jobs import Job
from wellcheck.signals.behaviour.work import CHUNK_JOBS, Background, Result, chunks, run_jobs
from wellcheck.signals.integrity_hashing import zip_reopener

ROOTS = ("", "python")
LAST = "many/m199.py"


def _files() -> dict[str, bytes]:
    modules = {
        f"many/m{i:03}.py": f"import os\ndef f{i}():\n    os.system('id {i}')\n".encode()
        for i in range(200)
    }
    modules["many/__init__.py"] = b"import subprocess\nsubprocess.run(['true'])\n"
    return installed("many", "1.0", modules)


def _bad_crc(tmp_path: Path) -> Path:
    """The same tree, but the data of its last module does not match its CRC."""
    members = [
        RawMember(name, data, crc=1 if name == LAST else None) for name, data in _files().items()
    ]
    path = tmp_path / "bad.zip"
    path.write_bytes(raw_zip(members))
    return path


class _Finished:
    """A background process that already stopped: nothing to shut down."""

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        return None


def _stopped(
    claimed: int, ran: list[Job], results: list[Result], failure: object = None
) -> Background:
    """A Background whose process claimed the first ``claimed`` chunks and returned."""
    future: Future[object] = Future()
    future.set_result((ran, results, {}, failure))
    claim = multiprocessing.get_context("spawn").Array("q", [claimed, 2**62])
    return Background(_Finished(), future, claim)  # type: ignore[arg-type]


@pytest.mark.parametrize("given", [False, True], ids=["plans-itself", "given-the-plan"])
def test_the_scan_process_and_the_background_process_share_the_work(
    tmp_path: Path, given: bool
) -> None:
    artifact = zip_file(tmp_path / "w.zip", _files())
    with open_artifact(str(artifact), DEFAULT_LIMITS) as opened:
        tree = opened.trees[0]
        reopen = zip_reopener(tree, str(artifact), DEFAULT_LIMITS)
        assert reopen is not None
        components = collect(tree)
        jobs = plan_tree(tree, components, ROOTS).jobs
        plan = jobs if given else None
        background = Background.start(reopen, components, ROOTS, Bounds(), jobs=plan)
        assert background is not None
        assert len(chunks(jobs)) > 2
        assert background.take(tree, jobs, Bounds()) == run_jobs(tree, jobs, Bounds())


def test_chunks_the_background_did_not_claim_are_analysed_here(tmp_path: Path) -> None:
    artifact = zip_file(tmp_path / "w.zip", _files())
    with open_artifact(str(artifact), DEFAULT_LIMITS) as opened:
        tree = opened.trees[0]
        jobs = plan_tree(tree, collect(tree), ROOTS).jobs
        ran = jobs[: 2 * CHUNK_JOBS]
        background = _stopped(2, ran, run_jobs(tree, ran, Bounds()))
        assert background.take(tree, jobs, Bounds()) == run_jobs(tree, jobs, Bounds())
        assert background.claim[1] == 2  # chunk 2 and every later one were taken back


def test_a_hostile_member_taken_back_is_reported(tmp_path: Path) -> None:
    artifact = _bad_crc(tmp_path)
    with open_artifact(str(artifact), DEFAULT_LIMITS) as opened:
        tree = opened.trees[0]
        jobs = plan_tree(tree, collect(tree), ROOTS).jobs
        assert [job.path for job in jobs].index(LAST) >= CHUNK_JOBS
        ran = jobs[:CHUNK_JOBS]
        background = _stopped(1, ran, run_jobs(tree, ran, Bounds()))
        with pytest.raises(HostileArtifactError) as caught:
            background.take(tree, jobs, Bounds())
        assert (caught.value.member, caught.value.rule) == (LAST, "crc-mismatch")


def test_the_first_hostile_member_in_job_order_is_reported(tmp_path: Path) -> None:
    """The background process failed on an earlier chunk than the one taken back."""
    artifact = _bad_crc(tmp_path)
    with open_artifact(str(artifact), DEFAULT_LIMITS) as opened:
        tree = opened.trees[0]
        jobs = plan_tree(tree, collect(tree), ROOTS).jobs
        earlier = ("HostileArtifactError", "many/m000.py", "size-mismatch", "lies")
        background = _stopped(1, [], [], earlier)
        with pytest.raises(HostileArtifactError) as caught:
            background.take(tree, jobs, Bounds())
        assert (caught.value.member, caught.value.rule) == ("many/m000.py", "size-mismatch")

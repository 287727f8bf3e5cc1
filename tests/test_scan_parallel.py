"""Many artifacts: worker processes and shards give the serial scan's results, in order."""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Sequence
from pathlib import Path

import pytest
from fixtures.build import build_all

from wellcheck.checks import Check, CheckContext, CheckResult
from wellcheck.errors import ExitStatus
from wellcheck.models import Component
from wellcheck.policy import FailOn
from wellcheck.report.json_report import report_dict
from wellcheck.scan.options import ScanOptions
from wellcheck.scan.run import scan_run
from wellcheck.scan.shard import Shard, ShardError
from wellcheck.scan.workers import worth_processes


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, ...]:
    """The four demo artifacts, a copy of the function zip, and one that does not exist."""
    out = tmp_path_factory.mktemp("fleet")
    built = build_all(out)
    copy = out / "copy-of-function.zip"
    copy.write_bytes(built["demo-function.zip"].read_bytes())
    paths = [*map(str, built.values()), str(copy), str(out / "missing.zip")]
    return tuple(paths)


def options(artifacts: Sequence[str], **changes: object) -> ScanOptions:
    # advisories need an index (covered in tests/cli); signals find the planted typosquat,
    # .pth hook and tampered file, so results are far from empty
    base = ScanOptions(
        artifacts=tuple(artifacts),
        advisories=False,
        fail_on=FailOn.MEDIUM,
        parallel_min_bytes=0,  # the demo artifacts are small: use workers all the same
    )
    return ScanOptions(**{**base.__dict__, **changes})  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def serial(fleet: tuple[str, ...]) -> dict[str, object]:
    run = scan_run(options(fleet, jobs=1))
    return report_dict(run.outcome, run.verdict)


def test_serial_baseline_has_findings_an_error_and_every_artifact(
    serial: dict[str, object], fleet: tuple[str, ...]
) -> None:
    artifacts = serial["artifacts"]
    assert isinstance(artifacts, list)
    assert [a["artifact"]["path"] for a in artifacts] == list(fleet)
    assert sum(len(a["findings"]) for a in artifacts) >= 6
    assert artifacts[-1]["error"]
    assert serial["verdict"]["exit_status"] == ExitStatus.INPUT_ERROR  # type: ignore[index]


def test_two_jobs_give_the_serial_report_in_the_order_given(
    serial: dict[str, object], fleet: tuple[str, ...]
) -> None:
    seen: list[int] = []
    run = scan_run(options(fleet, jobs=2), on_result=lambda position, _: seen.append(position))
    assert report_dict(run.outcome, run.verdict) == serial
    assert sorted(seen) == list(range(len(fleet)))  # each artifact reported once as it finished
    assert run.origins == tuple(range(len(fleet)))


@pytest.mark.parametrize("count", [2, 3, 7])
def test_shards_partition_the_fleet_and_their_union_is_the_serial_scan(
    serial: dict[str, object], fleet: tuple[str, ...], count: int
) -> None:
    by_position: dict[int, dict[str, object]] = {}
    for index in range(1, count + 1):
        jobs = 2 if (count, index) == (2, 1) else 1  # workers are covered above: keep it fast
        run = scan_run(options(fleet, jobs=jobs, shard=Shard(index, count)))
        assert all(p % count == index - 1 for p in run.origins)
        items = report_dict(run.outcome, run.verdict)["artifacts"]
        for position, item in zip(run.origins, items, strict=True):
            assert position not in by_position
            by_position[position] = item
    assert [by_position[p] for p in sorted(by_position)] == serial["artifacts"]


def test_an_empty_shard_is_a_clean_empty_scan(fleet: tuple[str, ...]) -> None:
    run = scan_run(options(fleet[:1], shard=Shard(2, 2)))
    assert run.outcome.results == ()
    assert run.verdict.status is ExitStatus.CLEAN


@pytest.mark.parametrize(
    ("text", "shard"), [("1/1", Shard(1, 1)), ("2/4", Shard(2, 4)), (" 3 / 3 ", Shard(3, 3))]
)
def test_shard_parses_k_of_n(text: str, shard: Shard) -> None:
    assert Shard.parse(text) == shard


@pytest.mark.parametrize("text", ["0/3", "4/3", "1/0", "1", "a/b", "-1/2", "1/2/3"])
def test_bad_shard_is_a_usage_error(text: str) -> None:
    with pytest.raises(ShardError) as caught:
        Shard.parse(text)
    assert caught.value.exit_status is ExitStatus.INPUT_ERROR


def test_shard_positions_follow_the_documented_rule() -> None:
    assert Shard(1, 3).positions(8) == (0, 3, 6)
    assert Shard(3, 3).positions(8) == (2, 5)
    every = sorted(p for k in range(1, 4) for p in Shard(k, 3).positions(8))
    assert every == list(range(8))


class Counting(Check):
    """A check object the caller owns: it must run here, on every artifact."""

    name = "counting"

    def __init__(self) -> None:
        self.lock = threading.Lock()  # does not pickle
        self.calls = 0

    def run(self, components: Sequence[Component], context: CheckContext) -> CheckResult:
        self.calls += 1
        return CheckResult()


def test_given_check_objects_run_in_this_process_whatever_jobs_says(
    fleet: tuple[str, ...],
) -> None:
    check = Counting()
    run = scan_run(options(fleet, jobs=2), [check])
    assert check.calls == len(fleet) - 1  # every readable artifact
    assert len(run.outcome.results) == len(fleet)


def test_extra_checks_that_do_not_pickle_fall_back_to_one_process(
    serial: dict[str, object], fleet: tuple[str, ...]
) -> None:
    check = Counting()
    run = scan_run(options(fleet, jobs=2, extra_checks=(check,)))
    assert check.calls == len(fleet) - 1
    assert report_dict(run.outcome, run.verdict) == serial


def test_a_missing_artifact_among_parallel_ones_is_an_input_error(tmp_path: Path) -> None:
    run = scan_run(options([str(tmp_path / "a.zip"), str(tmp_path / "b.zip")], jobs=2))
    assert [r.error is not None for r in run.outcome.results] == [True, True]
    assert run.verdict.status is ExitStatus.INPUT_ERROR


def test_worker_processes_only_when_there_is_enough_to_read(
    tmp_path: Path, fleet: tuple[str, ...]
) -> None:
    small = [p for p in fleet if Path(p).exists()]
    assert not worth_processes(small)  # a few small zips: one process is faster
    assert worth_processes(small, min_bytes=1)
    assert worth_processes([str(tmp_path)])  # a directory may hold anything
    assert not worth_processes([str(tmp_path / "missing.zip")])


def test_small_fleets_are_scanned_in_this_process_by_default(fleet: tuple[str, ...]) -> None:
    check = Counting()  # does not pickle: would force one process anyway, so count the calls
    default = ScanOptions(artifacts=fleet, advisories=False, signals=False, jobs=2)
    run = scan_run(default, [check])
    assert check.calls == len(fleet) - 1
    assert run.origins == tuple(range(len(fleet)))


class DiesInWorkers(Check):
    """Kills the worker process that runs it (as the kernel's OOM killer would)."""

    name = "dies-in-workers"

    def run(self, components: Sequence[Component], context: CheckContext) -> CheckResult:
        if multiprocessing.parent_process() is not None:
            os._exit(9)
        return CheckResult()


def test_a_worker_that_dies_fails_closed_and_the_rest_is_still_scanned(
    fleet: tuple[str, ...],
) -> None:
    readable = fleet[:-1]
    run = scan_run(options(readable, jobs=2, extra_checks=(DiesInWorkers(),)))
    failed = [r for r in run.outcome.results if r.error is not None]
    scanned = [r for r in run.outcome.results if r.error is None]
    assert failed  # what the dead worker held was not scanned, and says so
    assert all("worker process failed" in (r.error or "") for r in failed)
    assert scanned  # this process scanned the rest
    assert all(r.components for r in scanned)
    assert [r.artifact.path for r in run.outcome.results] == list(readable)
    assert run.verdict.status is ExitStatus.INPUT_ERROR

"""``wellcheck scan A B C ...`` with --jobs, --format jsonl and --shard, and ``wellcheck merge``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest
from fixtures.build import build_all

Runner = Callable[..., subprocess.CompletedProcess[str]]
ROOT = Path(__file__).parents[2]
REPORT_SCHEMA = json.loads((ROOT / "schemas" / "wellcheck-report.schema.json").read_text())
FAST = ("--no-signals",)  # advisories from the fixture index; signals are covered in test_scan
# the fixture records are weeks to years old: no staleness warning on stderr here (it is
# tested in tests/advisories/test_data_date.py and tests/cli/test_first_run.py)
OLD_DATA_OK = {"WELLCHECK_DB_MAX_AGE_DAYS": "36500"}


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from wellcheck.advisories.index import import_path

    base = tmp_path_factory.mktemp("many")
    built = build_all(base)
    with zipfile.ZipFile(built["demo-function.zip"]) as archive:
        archive.extractall(base / "function-dir")  # a directory: worker processes are used
    import_path(ROOT / "fixtures" / "osv", base / "osv.sqlite3")
    return base


FLEET = ("demo-function.zip", "demo-layer.zip", "demo-image.tar", "function-dir", "demo-nested.zip")


@pytest.fixture
def wellcheck(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Runner:
    """The console entry point in this process (stdout and stderr are not terminals)."""
    from wellcheck.cli import commands_merge, commands_scan, main  # noqa: F401 - register both

    monkeypatch.setenv("WELLCHECK_DB", str(workdir / "osv.sqlite3"))
    monkeypatch.setenv("WELLCHECK_CACHE_DIR", str(workdir / "cache"))
    monkeypatch.delenv("NO_COLOR", raising=False)  # no colour must come from "not a TTY"
    monkeypatch.chdir(workdir)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        monkeypatch.setattr(sys, "argv", ["wellcheck", *args])
        capsys.readouterr()
        with pytest.raises(SystemExit) as exited:
            main()
        out, err = capsys.readouterr()
        code = exited.value.code
        return subprocess.CompletedProcess(args, code if isinstance(code, int) else 1, out, err)

    return run


@pytest.fixture(scope="module")
def serial_json(workdir: Path) -> dict[str, object]:
    proc = subprocess.run(
        [sys.executable, "-m", "wellcheck", "scan", *FLEET, *FAST, "--jobs", "1", "-f", "json"],
        capture_output=True,
        text=True,
        cwd=workdir,
        env={"WELLCHECK_DB": str(workdir / "osv.sqlite3"), "PATH": "", "HOME": str(workdir)},
        timeout=120,
        check=False,
    )
    assert proc.returncode == 1, proc.stderr  # the demo fleet has known-vulnerable versions
    report: dict[str, object] = json.loads(proc.stdout)
    return report


def test_jobs_give_the_same_report_byte_for_byte(wellcheck: Runner) -> None:
    one = wellcheck("scan", *FLEET, "missing.zip", *FAST, "--jobs", "1", "-f", "json")
    two = wellcheck("scan", *FLEET, "missing.zip", *FAST, "--jobs", "2", "-f", "json")
    assert one.returncode == two.returncode == 2  # missing.zip: input error
    assert two.stdout == one.stdout
    paths = [a["artifact"]["path"] for a in json.loads(two.stdout)["artifacts"]]
    assert paths == [*FLEET, "missing.zip"]  # the order given, whatever finished first


def test_jsonl_streams_one_line_per_artifact_then_the_summary(
    wellcheck: Runner, serial_json: dict[str, object]
) -> None:
    proc = wellcheck("scan", *FLEET, *FAST, "--jobs", "2", "--format", "jsonl")
    assert proc.returncode == 1
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    *items, summary = lines
    assert [line["type"] for line in items] == ["artifact"] * len(FLEET)
    assert summary["type"] == "summary"
    assert summary["artifacts"] == len(FLEET)
    assert summary["verdict"] == serial_json["verdict"]
    by_position = {item.pop("position"): item for item in items}
    assert sorted(by_position) == list(range(len(FLEET)))
    for position, expected in enumerate(serial_json["artifacts"]):  # type: ignore[arg-type]
        item = by_position[position]
        verdict = item.pop("verdict")
        item.pop("type")
        assert item == expected
        assert verdict["exit_status"] in (0, 1) and verdict["fail_on"] == "high"
    function = by_position[0]
    assert function["findings"] and function["findings"][0]["severity"] in ("critical", "high")


def test_jsonl_to_a_file_ends_with_the_summary(wellcheck: Runner, workdir: Path) -> None:
    out = workdir / "stream.jsonl"
    proc = wellcheck("scan", "demo-layer.zip", "nope.zip", *FAST, "-f", "jsonl", "-o", str(out))
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert lines[-1]["type"] == "summary"
    assert lines[-1]["verdict"]["errors"] == 1
    errors = {line["artifact"]["path"]: line["error"] for line in lines[:-1]}
    assert errors["demo-layer.zip"] is None and errors["nope.zip"]


def shard_reports(wellcheck: Runner, workdir: Path, count: int, fmt: str) -> list[Path]:
    paths = []
    for index in range(1, count + 1):
        out = workdir / f"shard-{index}-of-{count}.{fmt}"
        proc = wellcheck(
            "scan", *FLEET, *FAST, "--shard", f"{index}/{count}", "-f", fmt, "-o", str(out)
        )
        assert proc.returncode in (0, 1), proc.stderr
        paths.append(out)
    return paths


@pytest.mark.parametrize(("count", "fmt"), [(2, "json"), (3, "jsonl"), (7, "jsonl")])
def test_merged_shards_are_the_serial_report(
    wellcheck: Runner, workdir: Path, serial_json: dict[str, object], count: int, fmt: str
) -> None:
    shards = shard_reports(wellcheck, workdir, count, fmt)
    if fmt == "json":
        for path in shards:
            report = json.loads(path.read_text(encoding="utf-8"))
            jsonschema.validate(report, REPORT_SCHEMA, cls=jsonschema.Draft202012Validator)
            assert report["shard"]["count"] == count
    merged = wellcheck("merge", *map(str, reversed(shards)), "-f", "json")
    assert merged.returncode == 1
    assert json.loads(merged.stdout) == serial_json


def test_merge_writes_every_format_and_exits_as_scan_would(
    wellcheck: Runner, workdir: Path
) -> None:
    shards = [str(p) for p in shard_reports(wellcheck, workdir, 2, "json")]
    sarif = workdir / "merged.sarif"
    proc = wellcheck("merge", *shards, "-f", "sarif", "-o", str(sarif))
    assert proc.returncode == 1
    assert "FAIL" in proc.stderr
    assert len(json.loads(sarif.read_text())["runs"][0]["artifacts"]) == len(FLEET)
    markdown = wellcheck("merge", *shards, "-f", "markdown")
    assert markdown.stdout.startswith("## wellcheck :x:")
    assert f"Scanned {len(FLEET)} artifact(s)" in markdown.stdout
    table = wellcheck("merge", *shards, "-f", "table")
    assert "\x1b[" not in table.stdout
    assert all(name in table.stdout for name in FLEET)
    relaxed = wellcheck("merge", *shards, "--fail-on", "none", "-f", "json")
    assert relaxed.returncode == 0  # the verdict is decided again
    assert json.loads(relaxed.stdout)["verdict"]["fail_on"] == "none"


@pytest.mark.parametrize("fmt", ["sarif", "markdown", "table", "json", "jsonl"])
def test_a_report_read_back_renders_the_same_bytes_as_the_scan(
    wellcheck: Runner, workdir: Path, fmt: str
) -> None:
    """What the GitHub Action relies on: scan once to json, render the other formats."""
    report = workdir / "once.json"
    scanned = wellcheck("scan", *FLEET[:2], "missing.zip", "-f", "json", "-o", str(report))
    direct = wellcheck("scan", *FLEET[:2], "missing.zip", "-f", fmt)
    rendered = wellcheck("merge", str(report), "-f", fmt)
    assert scanned.returncode == direct.returncode == rendered.returncode == 2
    assert rendered.stdout == direct.stdout


def write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_malformed_merge_inputs_are_usage_errors(wellcheck: Runner, workdir: Path) -> None:
    good = json.loads(
        wellcheck("scan", "demo-layer.zip", *FAST, "-f", "json").stdout
    )  # a valid report to break in different ways
    bad_severity = json.loads(json.dumps(good))
    bad_severity["artifacts"][0]["components"][0]["kind"] = "wheel"
    cases = {
        "not JSON": write(workdir / "a.json", "{not json"),
        "missing key 'artifacts'": write(
            workdir / "b.json",
            json.dumps({**good, "artifacts": 1}).replace('"artifacts": 1', '"artefacts": 1'),
        ),
        "report version 1": write(workdir / "c.json", json.dumps({**good, "version": 2})),
        "one of dist-info": write(workdir / "d.json", json.dumps(bad_severity)),
        "no summary line": write(
            workdir / "e.jsonl",
            wellcheck("scan", "demo-layer.zip", *FAST, "-f", "jsonl").stdout.splitlines()[0],
        ),
        "cannot read report": str(workdir / "absent.json"),
        "expected an object": write(workdir / "f.json", "[]"),
    }
    for message, path in cases.items():
        proc = wellcheck("merge", path)
        assert proc.returncode == 2, (message, proc.stdout)
        assert proc.stderr.startswith("wellcheck: error:"), message
        assert message in proc.stderr, (message, proc.stderr)
        assert "Traceback" not in proc.stderr


def test_incomplete_or_repeated_shards_are_refused(wellcheck: Runner, workdir: Path) -> None:
    one, two, three = map(str, shard_reports(wellcheck, workdir, 3, "json"))
    missing = wellcheck("merge", one, three)
    assert missing.returncode == 2
    assert "shard(s) 2/3 missing" in missing.stderr
    twice = wellcheck("merge", one, two, two, three)
    assert twice.returncode == 2
    assert "given twice" in twice.stderr
    plain = write(
        workdir / "plain.json", wellcheck("scan", "demo-layer.zip", *FAST, "-f", "json").stdout
    )
    mixed = wellcheck("merge", one, two, three, plain)
    assert mixed.returncode == 2
    assert "not a shard" in mixed.stderr


def test_plain_reports_are_concatenated_and_mixed_thresholds_need_fail_on(
    wellcheck: Runner, workdir: Path
) -> None:
    first = write(
        workdir / "p1.json", wellcheck("scan", "demo-layer.zip", *FAST, "-f", "json").stdout
    )
    second = write(
        workdir / "p2.json",
        wellcheck("scan", "demo-function.zip", *FAST, "--fail-on", "critical", "-f", "json").stdout,
    )
    refused = wellcheck("merge", first, second)
    assert refused.returncode == 2
    assert "--fail-on" in refused.stderr
    proc = wellcheck("merge", second, first, "--fail-on", "critical", "-f", "json")
    paths = [a["artifact"]["path"] for a in json.loads(proc.stdout)["artifacts"]]
    assert paths == ["demo-function.zip", "demo-layer.zip"]


@pytest.mark.parametrize("shard", ["0/2", "3/2", "two/3"])
def test_bad_shard_is_a_usage_error(wellcheck: Runner, shard: str) -> None:
    proc = wellcheck("scan", "demo-layer.zip", "--shard", shard)
    assert proc.returncode == 2
    assert "--shard" in proc.stderr


def test_jobs_must_be_positive(wellcheck: Runner) -> None:
    proc = wellcheck("scan", "demo-layer.zip", "--jobs", "0")
    assert proc.returncode == 2


def test_off_a_terminal_no_colour_no_progress_and_the_same_bytes_every_time(
    workdir: Path,
) -> None:
    """The real console program, as CI runs it: stdout and stderr are pipes."""

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "wellcheck", "scan", *FLEET, *FAST, "-j", "2", *args],
            capture_output=True,
            text=True,
            cwd=workdir,
            env={"WELLCHECK_DB": str(workdir / "osv.sqlite3"), "HOME": str(workdir), **OLD_DATA_OK},
            timeout=120,
            check=False,
        )

    table = run("-f", "table")
    again = run("-f", "table")
    assert table.returncode == again.returncode == 1
    assert table.stdout == again.stdout
    assert table.stderr == again.stderr == ""  # no progress bar, no spinner
    assert "\x1b[" not in table.stdout


def test_on_a_terminal_a_progress_bar_goes_to_stderr_and_stdout_is_unchanged(
    workdir: Path,
) -> None:
    pty = pytest.importorskip("pty", reason="POSIX terminals only")
    env = {"WELLCHECK_DB": str(workdir / "osv.sqlite3"), "HOME": str(workdir), "TERM": "xterm"}
    env.update(OLD_DATA_OK)
    command = [sys.executable, "-m", "wellcheck", "scan", *FLEET[:2], *FAST, "-f", "json"]
    master, terminal = pty.openpty()
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=terminal, cwd=workdir, env=env
    ) as proc:
        os.close(terminal)
        out, _ = proc.communicate(timeout=120)
    drawn = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        drawn += chunk
    os.close(master)
    assert b"scanning" in drawn
    piped = subprocess.run(command, capture_output=True, cwd=workdir, env=env, check=False)
    assert out == piped.stdout
    assert piped.stderr == b""

"""``wellcheck scan`` output options (issue 12): the default format, the table's width,
``--severity``, ``--ignore-unfixed`` and ``--quiet``, through the real console program.

Advisory records authored here (not real advisories) give one function zip findings
at every kind the filters care about: fixed and unfixed advisories at several levels
and a known-malicious package (which has no fixed version either).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from wellcheck.report.columns import width

LONG_TITLE = (
    "requests forwards the Proxy-Authorization header to the destination host when it "
    "follows a redirect to an HTTPS URL, leaking proxy credentials (authored record)"
)


# modified an hour ago: an index of fresh data, which no staleness note is about
FRESH = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")


def record(ident: str, package: str, level: str, fixed: str | None, title: str) -> dict[str, Any]:
    events: list[dict[str, str]] = [{"introduced": "0"}]
    if fixed:
        events.append({"fixed": fixed})
    return {
        "schema_version": "1.4.0",
        "id": ident,
        "modified": FRESH,
        "summary": title,
        "database_specific": {"severity": level},
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": package},
                "ranges": [{"type": "ECOSYSTEM", "events": events}],
            }
        ],
    }


RECORDS = [
    record("GHSA-0001-0001-0001", "requests", "MODERATE", "2.31.0", LONG_TITLE),
    record("GHSA-0002-0002-0002", "requests", "HIGH", None, "requests: no fix yet"),
    record("GHSA-0003-0003-0003", "urllib3", "CRITICAL", "1.26.18", "urllib3: fixed critical"),
    record("GHSA-0004-0004-0004", "urllib3", "LOW", None, "urllib3: unfixed low"),
    record("MAL-0000-0042", "reqeusts", "CRITICAL", None, "Malicious code in reqeusts"),
]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from wellcheck.advisories.index import build_index

    base = tmp_path_factory.mktemp("scan-output")
    build_index(RECORDS, base / "osv.sqlite3", source="authored records")
    with zipfile.ZipFile(base / "function.zip", "w") as zf:
        zf.writestr("lambda_function.py", "def handler(event, context):\n    return 1\n")
        for name, version in (("requests", "2.25.1"), ("urllib3", "1.26.4"), ("reqeusts", "1.0")):
            info = f"{name}-{version}.dist-info"
            metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\n"
            zf.writestr(f"{info}/METADATA", metadata)
            zf.writestr(f"{info}/RECORD", f"{info}/METADATA,,\n")
    return base


def run(workdir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The console program with stdout and stderr as pipes, as in a CI job."""
    environment = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "NO_COLOR")}
    environment.update(WELLCHECK_DB=str(workdir / "osv.sqlite3"), **env)
    environment["WELLCHECK_CACHE_DIR"] = str(workdir / "cache")
    return subprocess.run(
        [sys.executable, "-m", "wellcheck", "scan", "function.zip", "--no-signals", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=environment,
        cwd=workdir,
        timeout=120,
        check=False,
    )


def rules_in(report: str) -> list[str]:
    return [f["rule"] for f in json.loads(report)["artifacts"][0]["findings"]]


def test_the_table_is_the_default_on_any_stdout_and_json_with_o(workdir: Path) -> None:
    piped = run(workdir)
    assert piped.returncode == 1
    assert piped.stdout.startswith("function.zip (lambda-zip, ")
    assert piped.stdout.splitlines()[-1].startswith("FAIL:")
    assert "\x1b[" not in piped.stdout
    written = run(workdir, "-o", "report.json")
    assert written.stdout == ""
    assert "GHSA-0003-0003-0003" in rules_in((workdir / "report.json").read_text())


@pytest.mark.parametrize(("columns", "limit"), [("", 120), ("72", 72), ("48", 48), ("30", 40)])
def test_the_table_fits_the_width(workdir: Path, columns: str, limit: int) -> None:
    proc = run(workdir, *(("-f", "table") if columns else ()), COLUMNS=columns)
    lines = proc.stdout.splitlines()
    # every line fits (40 columns at least), but the verdict: one line, whole, last
    assert max(width(line) for line in lines[:-1]) <= limit
    assert lines[-1].startswith("FAIL: 3 findings")
    leak = [n for n, line in enumerate(lines) if "GHSA-0001-0001-0001" in line]
    assert leak
    # the long title is cut, never wrapped onto the next row: on the row, or on its own line
    row, after = lines[leak[0]], lines[leak[0] + 1]
    title = row[row.index("requests forward") :] if "requests forward" in row else after
    assert "requests forward" in title and title.endswith("\u2026")
    assert "fixed in 2.31.0" in row + after


def test_a_pysec_title_is_its_first_sentence(workdir: Path) -> None:
    from wellcheck.advisories.index import build_index

    details = "Requests leaks Proxy-Authorization headers. " + "More prose. " * 30
    pysec = {**record("PYSEC-2099-7", "requests", "HIGH", "2.31.0", ""), "details": details}
    del pysec["summary"]
    build_index([pysec], workdir / "pysec.sqlite3", source="authored record")
    proc = run(workdir, "--db", str(workdir / "pysec.sqlite3"), "-f", "json")
    (finding,) = json.loads(proc.stdout)["artifacts"][0]["findings"]
    assert finding["title"] == "Requests leaks Proxy-Authorization headers."


def test_ignore_unfixed_hides_unfixed_advisories_but_never_malware(workdir: Path) -> None:
    every = run(workdir, "-f", "json")
    assert sorted(rules_in(every.stdout)) == [
        "GHSA-0001-0001-0001",
        "GHSA-0002-0002-0002",
        "GHSA-0003-0003-0003",
        "GHSA-0004-0004-0004",
        "MAL-0000-0042",
    ]
    proc = run(workdir, "--ignore-unfixed", "-f", "json")
    report = json.loads(proc.stdout)
    assert sorted(rules_in(proc.stdout)) == [
        "GHSA-0001-0001-0001",
        "GHSA-0003-0003-0003",
        "MAL-0000-0042",
    ]
    assert (
        "--ignore-unfixed: 2 advisories with no fixed version not listed "
        "(they do not fail the scan)" in report["notes"]
    )
    assert report["verdict"]["findings"] == 3


@pytest.mark.parametrize(
    ("args", "status", "listed"),
    [
        # the high unfixed advisory fails the gate on its own...
        (("--severity", "high", "--fail-on", "high"), 1, ["GHSA-0002-0002-0002"]),
        # ...and, filtered out, it does not (trivy: what is not listed does not fail)
        (("--ignore-unfixed", "--severity", "high"), 0, []),
        (
            ("--severity", "medium,low", "--fail-on", "high"),
            0,
            ["GHSA-0001-0001-0001", "GHSA-0004-0004-0004"],
        ),
        (
            ("--severity", "LOW", "--severity", "medium", "--fail-on", "low"),
            1,
            ["GHSA-0001-0001-0001", "GHSA-0004-0004-0004"],
        ),
        (
            ("--severity", "critical", "--ignore-unfixed"),
            1,
            ["GHSA-0003-0003-0003", "MAL-0000-0042"],
        ),
    ],
)
def test_severity_lists_only_those_levels_and_only_they_fail(
    workdir: Path, args: tuple[str, ...], status: int, listed: list[str]
) -> None:
    proc = run(workdir, *args, "-f", "json")
    assert proc.returncode == status, proc.stderr
    assert sorted(rules_in(proc.stdout)) == listed
    notes = json.loads(proc.stdout)["notes"]
    assert any(note.startswith("--severity ") for note in notes)


def test_a_bad_severity_is_a_usage_error(workdir: Path) -> None:
    proc = run(workdir, "--severity", "high,severe")
    assert proc.returncode == 2
    assert proc.stdout == ""
    [line] = proc.stderr.splitlines()
    assert line.startswith("wellcheck: error: --severity takes levels among critical, ")
    assert "'severe'" in line


def test_quiet_leaves_only_the_report_and_errors(workdir: Path) -> None:
    stale = {"WELLCHECK_DB_MAX_AGE_DAYS": "0.000001"}  # the index is "stale": a warning
    loud = run(workdir, "-o", "loud.json", **stale)
    assert "WARNING" in loud.stderr
    assert "(report: loud.json)" in loud.stderr
    quiet = run(workdir, "-o", "quiet.json", "--quiet", **stale)
    assert quiet.returncode == loud.returncode == 1
    assert (quiet.stdout, quiet.stderr) == ("", "")
    assert json.loads((workdir / "quiet.json").read_text())["verdict"]["failing"] == 3
    broken = run(workdir, "missing.zip", "--quiet", "-f", "json", **stale)
    assert broken.returncode == 2
    assert broken.stderr.splitlines() == [
        "wellcheck: error: missing.zip: no such file or directory"
    ]


def test_filters_apply_to_streamed_jsonl_lines_too(workdir: Path) -> None:
    proc = run(workdir, "--ignore-unfixed", "--severity", "critical,high,medium", "-f", "jsonl")
    artifact, summary = map(json.loads, proc.stdout.splitlines())
    rules = sorted(f["rule"] for f in artifact["findings"])
    assert rules == ["GHSA-0001-0001-0001", "GHSA-0003-0003-0003", "MAL-0000-0042"]
    assert artifact["verdict"]["findings"] == summary["verdict"]["findings"] == 3
    assert len(summary["notes"]) == 2  # one per filter that left something out

"""Hostile text in every report format (issue 11, "Output").

A Lambda zip built here carries terminal control sequences (a line erase, a carriage
return and a green ``PASS`` line, ``ESC[8m`` hiding the rest, an OSC 8 hyperlink) and
bidi overrides in member names and METADATA; an advisory record carries the same
plus HTML, links and images in its summary and a ``javascript:`` reference.  Each
format must show that text, never obey it: no fake ``PASS`` line in the table, no
HTML or link in the Markdown, no embedded link or raw control in the SARIF, no raw
control in the JSON, one visible line on stderr.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from zipkit import dist_info, zip_bytes

from wellcheck.escape import visible

Runner = Callable[..., subprocess.CompletedProcess[str]]

FAKE_PASS = "\x1b[2K\r\x1b[1;32mPASS: no findings\x1b[0m\x1b[8m"
HYPERLINK = "\x1b]8;;https://evil.example/\x1b\\click me\x1b]8;;\x1b\\"
BIDI = "\u202e\u2066txt.exe\u2069\u202c\u200b"
HTML = (
    "<img src=x onerror=alert(1)> <b>bold</b> [Fix it](https://evil.example/f) "
    "![p](https://x.example/p) | c | `t` &#x202E; https://evil.example www.x.example"
)
# OSV summaries are cut at 160 characters (advisories/records.py): two advisories
CONTROL_TITLE = f"Leak{FAKE_PASS} {HYPERLINK} {BIDI}"
HTML_TITLE = f"Leak {HTML}"
# terminal-active or invisible characters: none may reach a terminal raw
RAW_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def advisory(ident: str, summary: str) -> dict[str, Any]:
    return {
        "schema_version": "1.4.0",
        "id": ident,
        "modified": "2099-01-01T00:00:00Z",
        "summary": summary,
        "details": f"Details{FAKE_PASS}\nsecond line {HTML}",
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": "requests"},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3"}]}],
            }
        ],
        "references": [{"type": "WEB", "url": "javascript:alert(1)"}],
    }


ADVISORIES = [advisory("PYSEC-2099-1", CONTROL_TITLE), advisory("PYSEC-2099-2", HTML_TITLE)]


def hostile_zip(path: Path) -> Path:
    metadata = (
        f"Metadata-Version: 2.1\nName: spoof{BIDI}\nVersion: 1.0{FAKE_PASS}\nSummary: {HTML}\n\n"
    )
    files = {
        **dist_info("requests", "2.25.1"),
        "lambda_function.py": b"def handler(event, context):\n    return 1\n",
        f"evil{FAKE_PASS}.pth": b"import os\n",  # a start-up hook named with the fake line
        f"hid{BIDI}den{FAKE_PASS}.dist-info/METADATA": metadata.encode(),
    }
    path.write_bytes(zip_bytes(files))
    return path


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from wellcheck.advisories.index import build_index

    base = tmp_path_factory.mktemp("hostile-output")
    build_index(ADVISORIES, base / "osv.sqlite3", source="hostile test records")
    hostile_zip(base / "function.zip")
    return base


@pytest.fixture
def wellcheck(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[Runner]:
    """The console entry point (``wellcheck.cli.main``) in this process."""
    from wellcheck.cli import (  # noqa: F401 - the commands these tests run
        commands_merge,
        commands_sbom,
        commands_scan,
        commands_signals,
        main,
    )

    monkeypatch.setenv("WELLCHECK_DB", str(workdir / "osv.sqlite3"))
    monkeypatch.setenv("WELLCHECK_CACHE_DIR", str(workdir / "cache"))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.chdir(workdir)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        monkeypatch.setattr(sys, "argv", ["wellcheck", *args])
        capsys.readouterr()
        with pytest.raises(SystemExit) as exited:
            main()
        out, err = capsys.readouterr()
        code = exited.value.code
        return subprocess.CompletedProcess(args, code if isinstance(code, int) else 1, out, err)

    yield run


def scan(wellcheck: Runner, fmt: str) -> str:
    proc = wellcheck("scan", "function.zip", "--format", fmt)
    assert proc.returncode == 1, proc.stderr  # the .pth hook and the advisory fail the gate
    return proc.stdout


def test_the_table_cannot_print_a_fake_pass_line(wellcheck: Runner) -> None:
    text = scan(wellcheck, "table")
    assert not RAW_CONTROLS.search(text)
    lines = text.splitlines()  # splits on \r, \x1c-\x1e, \x85 and U+2028 too
    assert [n for n, line in enumerate(lines) if "PASS" in line.lstrip()[:4]] == []
    assert lines[-1].startswith("FAIL:")
    # shown, not obeyed: the hostile names are there, escaped
    assert "evil\\x1b[2K" in text
    assert "spoof\\u202e\\u2066txt.exe" in text
    assert "PYSEC-2099-1" in text


def test_the_coloured_table_has_only_its_own_escape_sequences(
    workdir: Path, wellcheck: Runner
) -> None:
    from wellcheck.policy import FailOn, decide
    from wellcheck.report import ReportOptions, get_reporter
    from wellcheck.report.json_load import parse_report

    loaded = parse_report(scan(wellcheck, "json"), "scan")
    verdict = decide(loaded.outcome, FailOn.HIGH)
    text = get_reporter("table", ReportOptions(color=True)).render(loaded.outcome, verdict)
    assert re.findall("\x1b[^[]|\x1b\\[[^m]*[^0-9;m]", text) == []  # SGR colours only
    assert "\x1b[1;31mFAIL" in text
    assert not RAW_CONTROLS.search(re.sub("\x1b\\[[0-9;]*m", "", text))


def test_the_inventory_table_shows_bidi_and_controls_escaped(wellcheck: Runner) -> None:
    proc = wellcheck("inventory", "function.zip")
    assert proc.returncode == 0, proc.stderr
    assert not RAW_CONTROLS.search(proc.stdout)
    assert "spoof\\u202e\\u2066txt.exe\\u2069\\u202c\\u200b" in proc.stdout
    assert "den\\x1b[2K\\r\\x1b[1;32mPASS: no findings" in proc.stdout


def rendered_markdown(text: str) -> str:
    """The HTML a CommonMark renderer makes of it (raw HTML allowed, as GitHub does)."""
    markdown_it = pytest.importorskip("markdown_it", reason="markdown-it-py comes with rich")
    return str(markdown_it.MarkdownIt("commonmark").enable("table").render(text))


def assert_no_hostile_html(html: str) -> None:
    assert "<img" not in html
    assert "<script" not in html and "<b>" not in html
    assert 'href="https://evil.example' not in html
    assert 'href="javascript:' not in html
    assert not RAW_CONTROLS.search(html)
    assert "\u202e" not in html  # not raw, and not made from the &#x202E; entity


def test_markdown_shows_html_links_and_controls_as_text(wellcheck: Runner) -> None:
    text = scan(wellcheck, "markdown")
    html = rendered_markdown(text)
    assert_no_hostile_html(html)
    assert "&lt;img src=" in html  # shown as text
    assert "[Fix it](https:" in html
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    header_cells = rows[0].count(" | ")
    findings = [row for row in rows if "WC-" in row or "PYSEC" in row]
    assert findings
    assert all(len(re.findall(r"(?<!\\) \| ", row)) == header_cells for row in findings)
    # the one link in the findings table is OSV's page of the advisory, never the reference
    assert 'href="https://osv.dev/vulnerability/PYSEC-2099-1"' in html


def test_sarif_messages_are_plain_and_help_markdown_is_escaped(wellcheck: Runner) -> None:
    text = scan(wellcheck, "sarif")
    assert not RAW_CONTROLS.search(text)  # JSON-escaped, and never raw in the file either
    run: dict[str, Any] = json.loads(text)["runs"][0]
    messages = [r["message"]["text"] for r in run["results"]]
    for message in messages:
        assert not RAW_CONTROLS.search(message)
        assert "](" not in message  # no embedded link (SARIF 3.11.6)
    assert any("Leak\\x1b[2K \\x1b[1;32mPASS" in m for m in messages)
    for rule in run["tool"]["driver"]["rules"]:
        for key in ("shortDescription", "fullDescription", "help"):
            assert not RAW_CONTROLS.search(rule[key]["text"])
            assert "](" not in rule[key]["text"]
        assert_no_hostile_html(rendered_markdown(rule["help"]["markdown"]))
        assert rule.get("helpUri", "https://").startswith("https://")


def test_json_keeps_the_values_but_no_raw_control_reaches_the_file(wellcheck: Runner) -> None:
    text = scan(wellcheck, "json")
    assert not RAW_CONTROLS.search(text)
    report = json.loads(text)
    titles = {f["rule"]: f["title"] for f in report["artifacts"][0]["findings"]}
    assert titles["PYSEC-2099-2"] == HTML_TITLE  # data is data: exactly as found
    assert titles["PYSEC-2099-1"] == " ".join(CONTROL_TITLE.split())  # the index folds spaces
    names = {c["name"] for c in report["artifacts"][0]["components"]}
    assert any("\u202e\u2066txt" in name for name in names)  # raw in the value


def test_jsonl_lines_have_no_raw_controls(wellcheck: Runner) -> None:
    text = scan(wellcheck, "jsonl")
    assert not RAW_CONTROLS.search(text)
    assert [json.loads(line)["type"] for line in text.splitlines()] == ["artifact", "summary"]


@pytest.mark.parametrize("fmt", ["cyclonedx-json", "cyclonedx-xml", "spdx-json"])
def test_sboms_keep_the_names_with_no_raw_control_in_the_file(wellcheck: Runner, fmt: str) -> None:
    proc = wellcheck("sbom", "function.zip", "--format", fmt)
    assert proc.returncode == 0, proc.stderr
    assert not RAW_CONTROLS.search(proc.stdout)
    if fmt.endswith("xml"):
        import xml.etree.ElementTree as ET

        names = [e.text or "" for e in ET.fromstring(proc.stdout).iter() if e.tag.endswith("}name")]
    else:
        doc = json.loads(proc.stdout)
        names = [c["name"] for c in doc.get("components", doc.get("packages", []))]
    assert any("\u202e\u2066txt" in name for name in names)  # the value itself, as found


def test_an_error_naming_a_hostile_path_is_one_visible_line(
    wellcheck: Runner, workdir: Path
) -> None:
    name = f"fn{FAKE_PASS}\n{BIDI}.zip"  # a file a pull request adds to dist/
    (workdir / name).write_bytes(b"PK\x05\x06 not a zip")
    for command in ("scan", "sbom", "inventory"):
        proc = wellcheck(command, name)
        assert proc.returncode == 2, (command, proc.stderr)
        assert len(proc.stderr.splitlines()) == 1, proc.stderr
        [line] = proc.stderr.splitlines()
        assert line.startswith("wellcheck: error: ")
        assert not RAW_CONTROLS.search(line)
        assert visible(name) in line


def test_a_popular_list_stamp_is_printed_escaped(
    wellcheck: Runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``last_update`` comes from the downloaded top-pypi-packages document."""
    monkeypatch.setenv("WELLCHECK_CACHE_DIR", str(tmp_path))  # the other tests' list stays
    rows = [{"project": f"project-{n}", "download_count": 1000 - n} for n in range(120)]
    source = tmp_path / "top.json"
    source.write_text(json.dumps({"last_update": f"2026-01-01{FAKE_PASS}", "rows": rows}))
    for args in (("refresh", "--from", str(source)), ("show",)):
        proc = wellcheck("popular", *args)
        assert proc.returncode == 0, proc.stderr
        assert not RAW_CONTROLS.search(proc.stdout)
        assert visible(FAKE_PASS) in proc.stdout


def test_log_lines_are_escaped(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The CLI's log handler on stderr (the root callback installs it) escapes messages."""
    import logging

    from wellcheck.cli.app import _root

    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [])  # as in a fresh process: basicConfig applies
    monkeypatch.setattr(root, "level", root.level)
    _root(verbose=0, debug=False)
    logging.getLogger("wellcheck.test").warning("cache %s unusable", FAKE_PASS)
    [line] = capsys.readouterr().err.splitlines()
    assert line == f"wellcheck: WARNING: cache {visible(FAKE_PASS)} unusable"


def test_a_deeply_nested_merge_input_is_an_input_error(wellcheck: Runner, workdir: Path) -> None:
    deep = workdir / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    nested_title = workdir / "nested-title.jsonl"
    nested_title.write_text('{"type": "artifact", "x": ' + "[" * 50_000 + "]" * 50_000 + "}\n")
    for path in (deep, nested_title):
        proc = wellcheck("merge", str(path))
        assert proc.returncode == 2
        assert len(proc.stderr.splitlines()) == 1, proc.stderr
        [line] = proc.stderr.splitlines()
        assert line == f"wellcheck: error: {path}: JSON nested too deeply"


def test_merge_inputs_past_the_parser_or_the_size_cap_are_input_errors(
    wellcheck: Runner, workdir: Path
) -> None:
    """An integer of 5,000 digits (json.loads raises ValueError past CPython's
    int_max_str_digits) was an internal error; a 1 GiB file was read whole (2 GiB of
    memory) before the parser said it was no report."""
    long_int = workdir / "long-int.json"
    long_int.write_text('{"version": 1, "artifacts": ' + "9" * 5000 + "}")
    long_line = workdir / "long-int.jsonl"
    long_line.write_text('{"type": "artifact", "position": ' + "9" * 5000 + "}\n")
    huge = workdir / "huge.json"
    with huge.open("wb") as fh:
        fh.truncate(1 << 30)  # sparse: nothing written, 1 GiB to read
    for path, message in [(long_int, "not JSON"), (long_line, "not JSON"),
                          (huge, "is larger than 256 MiB")]:  # fmt: skip
        proc = wellcheck("merge", str(path))
        assert proc.returncode == 2
        [line] = proc.stderr.splitlines()
        assert line.startswith("wellcheck: error: ") and message in line, line


def test_the_report_path_is_printed_escaped(wellcheck: Runner, workdir: Path) -> None:
    name = f"report{FAKE_PASS}.json"
    proc = wellcheck("scan", "function.zip", "-f", "json", "-o", name)
    assert proc.returncode == 1
    [line] = proc.stderr.splitlines()
    assert not RAW_CONTROLS.search(line) and line.endswith(f"(report: {visible(name)})")

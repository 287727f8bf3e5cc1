import os
from pathlib import Path

import pytest

from wellcheck.errors import OutputError
from wellcheck.report import FORMATS, get_reporter, write_report


def test_every_format_is_registered_and_named_as_on_the_command_line() -> None:
    assert sorted(FORMATS) == ["cyclonedx-json", "json", "jsonl", "markdown", "sarif", "table"]
    for name in FORMATS:
        if name == "cyclonedx-json":
            continue  # heavy import, covered by its own test
        assert get_reporter(name).name == name


def test_unknown_format_is_an_output_error() -> None:
    with pytest.raises(OutputError, match="unknown report format 'xml'"):
        get_reporter("xml")


def test_write_report_replaces_the_file_whole(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_text("old", encoding="utf-8")
    write_report(target, '{"new": true}\n')
    assert target.read_text(encoding="utf-8") == '{"new": true}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]  # no temp file left


def test_write_report_into_a_missing_directory_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "no-such-dir" / "report.json"
    with pytest.raises(OutputError, match="cannot write"):
        write_report(target, "data")
    assert not target.parent.exists()


@pytest.mark.skipif(os.name == "nt", reason="POSIX permission bits")
def test_written_report_is_not_private_to_the_owner(tmp_path: Path) -> None:
    target = tmp_path / "r.sarif"
    write_report(target, "{}")
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask  # as open() would make it

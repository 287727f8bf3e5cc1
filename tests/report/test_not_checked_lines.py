"""When an online source is down, the human formats say so once per source, not once per
package; the json report keeps every package (CI tools need to know what was not checked)."""

from __future__ import annotations

import json

import pytest

from wellcheck.models import ArtifactInfo, ArtifactResult, ScanOutcome, SkippedCheck
from wellcheck.policy import FailOn, decide
from wellcheck.report import get_reporter
from wellcheck.report.common import skipped_lines

NAMES = [f"project-{n:02}" for n in range(30)]
PYPI_DOWN = [
    SkippedCheck(
        "pypi",
        f"GET https://pypi.org/pypi/{name}/json: connection failed (ConnectionError) "
        "after 4 attempts",
        name,
        "1.0",
    )
    for name in NAMES
]
OSV_DOWN = [
    SkippedCheck("osv-api", "POST https://api.osv.dev/v1/querybatch: HTTP 503", name, "1.0")
    for name in NAMES
]
WHEELS = "https://files.example/packages"
UNDECIDABLE = SkippedCheck("osv-api", "PYSEC-1: a range with no introduced event", "six", "1.16")


@pytest.mark.parametrize(
    ("first", "second", "one_line"),
    [
        # the same outage, named per package: one line
        (PYPI_DOWN[0], PYPI_DOWN[1], True),
        (
            SkippedCheck("pypi", "a: PyPI answered HTTP 500", "a", "1"),
            SkippedCheck("pypi", "b: PyPI answered HTTP 500", "b", "2"),
            True,
        ),
        (
            SkippedCheck("upstream", f"GET {WHEELS}/ab/cd/a-1.whl: HTTP 404", "a", "1"),
            SkippedCheck("upstream", f"GET {WHEELS}/ef/01/b-2.whl: HTTP 404", "b", "2"),
            True,
        ),
        (OSV_DOWN[0], OSV_DOWN[1], True),
        # different trouble: two lines
        (
            SkippedCheck("pypi", "a: PyPI answered HTTP 500", "a", "1"),
            SkippedCheck("pypi", "b: PyPI answered HTTP 403", "b", "2"),
            False,
        ),
        (
            SkippedCheck("pypi", "GET https://pypi.org/pypi/a/json: HTTP 503", "a", "1"),
            SkippedCheck("pypi", "GET https://mirror.example/pypi/b/json: HTTP 503", "b", "1"),
            False,
        ),
        (OSV_DOWN[0], SkippedCheck("pypi", OSV_DOWN[1].reason, "b", "1"), False),  # two sources
        (
            SkippedCheck("osv-offline", "PYSEC-1: undecidable range", "a", "1"),
            SkippedCheck("osv-offline", "PYSEC-2: undecidable range", "b", "1"),
            False,
        ),
    ],
)  # fmt: skip
def test_one_line_per_source_and_reason(
    first: SkippedCheck, second: SkippedCheck, one_line: bool
) -> None:
    lines = skipped_lines([first, second])
    assert len(lines) == (1 if one_line else 2)
    if one_line:
        assert lines[0].startswith(f"{first.source}: ")
        assert lines[0].endswith(f"(2 packages: {first.package} {first.version}, "
                                 f"{second.package} {second.version})")  # fmt: skip


def test_a_grouped_line_says_what_failed_how_many_and_names_the_first_few() -> None:
    down, osv, odd = skipped_lines([*PYPI_DOWN, *OSV_DOWN, UNDECIDABLE])
    assert down == (
        "pypi: GET https://pypi.org/\u2026: connection failed (ConnectionError) after 4 "
        "attempts (30 packages: project-00 1.0, project-01 1.0, project-02 1.0, "
        "project-03 1.0, project-04 1.0 and 25 more)"
    )
    assert osv.startswith("osv-api: POST https://api.osv.dev/v1/querybatch: HTTP 503 (30 packages")
    assert odd == "osv-api: PYSEC-1: a range with no introduced event (six 1.16)"  # as before


def outcome() -> ScanOutcome:
    artifact = ArtifactInfo(path="dist/function.zip", kind="lambda-zip", sha256="ab" * 32, size=1)
    skipped = (*PYPI_DOWN, *OSV_DOWN, UNDECIDABLE)
    return ScanOutcome((ArtifactResult(artifact, (), (), skipped),))


def test_the_table_and_markdown_print_three_lines_the_json_keeps_61_entries() -> None:
    scan = outcome()
    verdict = decide(scan, FailOn.HIGH)
    table = get_reporter("table").render(scan, verdict).splitlines()
    start = table.index("  not checked (scan incomplete):")
    items = [line for line in table[start + 1 :] if line.startswith("    - ")]
    assert [line.split(":")[0] for line in items] == [
        "    - pypi",
        "    - osv-api",
        "    - osv-api",
    ]
    markdown = get_reporter("markdown").render(scan, verdict)
    section = markdown.split("### Not checked", 1)[1].split("###", 1)[0]
    assert sum(line.startswith("- ") for line in section.splitlines()) == 3
    assert "30 packages" in section
    report = json.loads(get_reporter("json").render(scan, verdict))
    entries = report["artifacts"][0]["not_checked"]
    assert len(entries) == 61
    assert {e["package"] for e in entries if e["source"] == "pypi"} == set(NAMES)

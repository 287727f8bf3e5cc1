"""markdown and table: what a reviewer or a terminal user reads."""

from wellcheck.models import ScanOutcome
from wellcheck.policy import Verdict
from wellcheck.report import ReportOptions, get_reporter

Scan = tuple[ScanOutcome, Verdict]


def test_markdown_has_verdict_counts_and_a_findings_table(findings_scan: Scan) -> None:
    text = get_reporter("markdown").render(*findings_scan)
    first = text.splitlines()[0]
    assert first.startswith("## wellcheck :x: FAIL")
    assert "| Critical | High | Medium | Unknown | Low | Info |" in text
    assert "| 0 | 2 | 1 | 1 | 0 | 0 |" in text
    row = next(line for line in text.splitlines() if "GHSA-j8r2-6x86-q33q" in line)
    assert "| requests | 2.25.1 |" in row
    assert "| 2.31.0 |" in row
    # a pipe in a title does not break the table
    unscored = next(line for line in text.splitlines() if "PYSEC-2021-108" in line)
    assert "Proxy credentials \\| leak" in unscored


def test_markdown_for_a_clean_scan_says_so(clean_scan: Scan) -> None:
    text = get_reporter("markdown").render(*clean_scan)
    assert ":white_check_mark: PASS" in text
    assert "No findings." in text
    assert "Not checked" not in text


def test_markdown_lists_what_was_not_checked(incomplete_scan: Scan) -> None:
    text = get_reporter("markdown").render(*incomplete_scan)
    assert "### Not checked" in text
    assert "osv-api: timed out after 3 attempts (requests)" in text
    assert "### Could not be scanned" in text
    assert "Ignored (ignore file, VEX)" in text
    assert "expired on 2026-01-01" in text


def test_table_groups_by_severity_with_fix_versions(findings_scan: Scan) -> None:
    text = get_reporter("table").render(*findings_scan)
    lines = text.splitlines()
    headers = [line.strip() for line in lines if line.startswith("  ") and "(" in line[:20]]
    assert headers == ["HIGH (2)", "MEDIUM (1)", "UNKNOWN (1)"]
    leak = next(line for line in lines if "GHSA-j8r2-6x86-q33q" in line)
    assert "requests 2.25.1" in leak
    assert "fixed in 2.31.0" in leak
    assert lines[-1].startswith("FAIL:")
    assert "\x1b[" not in text  # no colour unless asked


def test_table_colours_only_when_asked(findings_scan: Scan) -> None:
    text = get_reporter("table", ReportOptions(color=True)).render(*findings_scan)
    assert "\x1b[31mHIGH (2)\x1b[0m" in text


def test_table_for_clean_and_incomplete_scans(clean_scan: Scan, incomplete_scan: Scan) -> None:
    clean = get_reporter("table").render(*clean_scan)
    assert "no findings" in clean
    assert clean.rstrip().endswith("PASS: no findings")
    incomplete = get_reporter("table").render(*incomplete_scan)
    assert "not checked (scan incomplete):" in incomplete
    assert "error: No such file or directory: missing.zip" in incomplete
    assert incomplete.splitlines()[-1].startswith("ERROR:")

"""CLI command ``merge``: the json/jsonl results of several scans (shards) as one report."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from wellcheck.cli.app import app
from wellcheck.cli.output import OutputOption, table_width, write_output
from wellcheck.policy import FailOn


class MergeFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    JSONL = "jsonl"
    SARIF = "sarif"
    MARKDOWN = "markdown"


@app.command("merge")
def merge_command(
    results: Annotated[
        list[Path],
        typer.Argument(
            metavar="RESULT",
            help="json or jsonl results of 'wellcheck scan' (e.g. one per --shard K/N).",
        ),
    ],
    fmt: Annotated[
        MergeFormat | None,
        typer.Option(
            "--format", "-f", help="Report format (default: table on stdout, json with -o)."
        ),
    ] = None,
    output: OutputOption = None,
    fail_on: Annotated[
        FailOn | None,
        typer.Option(
            "--fail-on",
            help="Threshold for the merged verdict (default: the one the scans used).",
        ),
    ] = None,
) -> None:
    """Merge scan results into one report with one verdict, decided again from the
    merged findings.

    Shards must all be there, each once.  Exit status as for 'scan': 0 clean,
    1 findings at or above --fail-on, 2 usage or input error (a malformed or
    missing result included), 3 incomplete.
    """
    from wellcheck.cli.commands_scan import Format, default_format, use_colour
    from wellcheck.escape import visible
    from wellcheck.policy import decide
    from wellcheck.report import ReportOptions, get_reporter
    from wellcheck.report.json_load import ReportInputError, load_report
    from wellcheck.report.merge import merge_reports

    merged = merge_reports([load_report(path) for path in results])
    threshold = fail_on or merged.fail_on
    if threshold is None:
        raise ReportInputError("the results used different --fail-on levels: pass --fail-on")
    verdict = decide(merged.outcome, threshold)
    chosen = fmt or MergeFormat(str(default_format(output)))
    colour = use_colour(Format(str(chosen)), output)
    reporter = get_reporter(str(chosen), ReportOptions(color=colour, width=table_width(output)))
    text = reporter.render(merged.outcome, verdict)
    write_output(text, output)
    if output is not None:
        print(f"wellcheck: {verdict.summary} (report: {visible(str(output))})", file=sys.stderr)
    raise typer.Exit(int(verdict.status))

"""CLI commands (scan): parse, build ScanOptions, run the core, render, exit with the verdict."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from wellcheck.artifact.limits import with_overrides
from wellcheck.cli.app import app
from wellcheck.cli.output import (
    OutputOption,
    download_progress,
    quiet_logging,
    table_width,
    write_output,
)
from wellcheck.errors import OutputError
from wellcheck.policy import FailOn, Listing, parse_fail_on, parse_severities

if TYPE_CHECKING:
    from wellcheck.models import ArtifactResult, ScanOutcome
    from wellcheck.policy import Verdict
    from wellcheck.report import ShardInfo
    from wellcheck.scan.options import ResultCallback, ScanOptions


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"
    SARIF = "sarif"
    MARKDOWN = "markdown"
    CYCLONEDX_JSON = "cyclonedx-json"
    JSONL = "jsonl"


class Source(StrEnum):
    OSV_OFFLINE = "osv-offline"
    OSV_API = "osv-api"
    PIP_AUDIT = "pip-audit"


def default_format(output: Path | None) -> Format:
    """The table on stdout (a terminal or a CI log, as trivy does); json into a file (-o)."""
    return Format.TABLE if output is None else Format.JSON


def use_colour(fmt: Format, output: Path | None) -> bool:
    return (
        fmt is Format.TABLE
        and output is None
        and sys.stdout.isatty()
        and not os.environ.get("NO_COLOR")
    )


@app.command("scan")
def scan_command(
    artifacts: Annotated[
        list[str],
        typer.Argument(
            metavar="ARTIFACT",
            help="Function/layer zips, image tarballs, directories (a wheelhouse), sdists, "
            "SBOMs (CycloneDX, SPDX; "
            "sbom:PATH); lambda:NAME[:QUALIFIER], lambda:* or layer:ARN for deployed code "
            "(wellcheck[aws]).",
        ),
    ],
    fmt: Annotated[
        Format | None,
        typer.Option(
            "--format",
            "-f",
            help="Report format (default: table on stdout, json with -o); jsonl streams one "
            "line per artifact as it finishes, then a summary line.",
        ),
    ] = None,
    output: OutputOption = None,
    fail_on: Annotated[
        FailOn | None,
        typer.Option(
            "--fail-on",
            help="Exit 1 when a finding is at or above this severity "
            "(default: the config file's fail-on, else high).",
        ),
    ] = None,
    severity: Annotated[
        list[str] | None,
        typer.Option(
            "--severity",
            metavar="LEVEL[,LEVEL]",
            help="List only findings of these levels (critical, high, medium, unknown, low, "
            "info); the others are not listed and do not fail the scan.",
        ),
    ] = None,
    ignore_unfixed: Annotated[
        bool,
        typer.Option(
            "--ignore-unfixed",
            help="Do not list advisories that have no fixed version; they do not fail the "
            "scan (malicious packages are always listed).",
        ),
    ] = False,
    quiet: Annotated[
        bool,
        typer.Option(
            "--quiet", "-q", help="Only the report and errors: no progress bar, no warnings."
        ),
    ] = False,
    ignore_file: Annotated[
        Path | None,
        typer.Option(
            "--ignore-file",
            help="TOML ignore file: entries with id, reason, optional package, expires, state "
            "and justification (the CycloneDX report's VEX analysis).",
        ),
    ] = None,
    vex: Annotated[
        list[Path] | None,
        typer.Option(
            "--vex",
            metavar="FILE",
            help="OpenVEX or CycloneDX VEX (JSON; repeatable): not_affected, false_positive "
            "and fixed statements suppress the findings they name, as ignore entries do.",
        ),
    ] = None,
    source: Annotated[Source, typer.Option("--source", help="Advisory source.")] = (
        Source.OSV_OFFLINE
    ),
    db: Annotated[
        Path | None,
        typer.Option(
            "--db", help="Advisory index for osv-offline (default: WELLCHECK_DB or the cache)."
        ),
    ] = None,
    offline: Annotated[
        bool,
        typer.Option(
            "--offline",
            help="No network: online sources are reported as not checked, and a missing "
            "advisory index is an error.",
        ),
    ] = False,
    skip_db_update: Annotated[
        bool,
        typer.Option(
            "--skip-db-update",
            help="Never download the advisory index: a missing one is an error (by default "
            "the first scan downloads it, as 'wellcheck db update' does).",
        ),
    ] = False,
    db_max_age_days: Annotated[
        float | None,
        typer.Option(
            "--db-max-age-days",
            min=0,
            help="Warn when the advisory index's newest record is older than this (default: "
            "the config file's db-max-age-days, $WELLCHECK_DB_MAX_AGE_DAYS, else 5).",
        ),
    ] = None,
    no_advisories: Annotated[
        bool, typer.Option("--no-advisories", help="Skip advisory matching.")
    ] = False,
    pypi: Annotated[
        bool,
        typer.Option(
            "--pypi",
            help=(
                "Also check PyPI metadata, and what releases with behaviour findings added "
                "since their previous release (online; with --offline, the cache only)."
            ),
        ),
    ] = False,
    baseline: Annotated[
        Path | None,
        typer.Option(
            "--baseline",
            help="Owners baseline (from 'wellcheck baseline write'): owners that differ from it "
            "are findings (with --pypi).",
        ),
    ] = None,
    verify_upstream: Annotated[
        bool,
        typer.Option(
            "--verify-upstream",
            help="Download the official wheel of each package from PyPI and compare the "
            "installed files with it (online; cached).",
        ),
    ] = False,
    no_signals: Annotated[
        bool,
        typer.Option(
            "--no-signals",
            help="Skip the typosquat, integrity and behaviour checks (and --pypi's drift).",
        ),
    ] = False,
    limit: Annotated[
        list[str] | None,
        typer.Option(
            "--limit", help="Archive limit NAME=VALUE, e.g. total_size=4GiB (repeatable)."
        ),
    ] = None,
    expect: Annotated[
        Path | None,
        typer.Option(
            "--expect",
            help="For lambda: targets: the zip or SBOM CI built; a different CodeSha256 is a "
            "finding.",
        ),
    ] = None,
    region: Annotated[
        str | None, typer.Option("--region", help="AWS region for lambda:/layer: targets.")
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            help="wellcheck.toml or pyproject.toml to use (default: found from the "
            "working directory upward).",
        ),
    ] = None,
    reproducible: Annotated[
        bool,
        typer.Option("--reproducible", help="No timestamps or serial numbers (cyclonedx-json)."),
    ] = False,
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs",
            "-j",
            min=1,
            help="Use at most this many processes: artifacts are scanned side by side, "
            "or one big artifact's files hashed (default: the CPU count; 1: one process).",
        ),
    ] = None,
    shard: Annotated[
        str | None,
        typer.Option(
            "--shard",
            metavar="K/N",
            help="Scan only shard K of N: the arguments at positions i with i % N == K-1 "
            "(merge the json/jsonl results with 'wellcheck merge').",
        ),
    ] = None,
) -> None:
    """Inventory ARTIFACTs, check every component, and exit with the verdict.

    Exit status: 0 clean under --fail-on, 1 findings at or above it, 2 usage or
    input error, 3 incomplete (a source could not be consulted).
    """
    from wellcheck.config import load_config
    from wellcheck.escape import visible
    from wellcheck.scan.checks import prepare_index
    from wellcheck.scan.options import ScanOptions
    from wellcheck.scan.shard import Shard

    settings = load_config(config)  # flags below win over the file and WELLCHECK_* variables
    chosen = fmt or default_format(output)
    options = ScanOptions(
        artifacts=tuple(artifacts),
        limits=with_overrides(settings.limits, limit or []),
        fail_on=fail_on or parse_fail_on(settings.fail_on),
        listing=Listing(parse_severities(severity) if severity else frozenset(), ignore_unfixed),
        ignore_file=ignore_file or settings.ignore_file,
        vex=tuple(vex or ()),
        typosquat_allow=tuple(sorted(settings.typosquat_allowlist)),
        internal_packages=settings.internal_packages,
        cooldown_days=settings.cooldown_days,
        advisories=not no_advisories,
        source=str(source),
        db=db,
        db_max_age_days=settings.db_max_age_days if db_max_age_days is None else db_max_age_days,
        skip_db_update=skip_db_update,
        offline=offline,
        signals=not no_signals,
        expect=expect,
        region=region,
        pypi=pypi or baseline is not None,
        baseline=baseline,
        verify_upstream=verify_upstream,
        jobs=jobs,
        shard=Shard.parse(shard) if shard else None,
    )
    with quiet_logging(quiet):
        with download_progress("advisory index (first run)", quiet) as progress:
            options = prepare_index(options, progress)  # first run: no index yet
        if chosen is Format.JSONL:
            outcome, verdict = stream_jsonl(options, output, quiet)
        else:
            outcome, verdict = render_report(options, chosen, output, reproducible, quiet)
    if not quiet and (output is not None or chosen not in (Format.TABLE, Format.MARKDOWN)):
        print_not_checked(outcome)  # the human formats on the screen list them already
    if output is not None and not quiet:
        print(f"wellcheck: {verdict.summary} (report: {visible(str(output))})", file=sys.stderr)
    for result in outcome.results:
        if result.error:
            path = result.artifact.path
            text = result.error if path in result.error else f"{path}: {result.error}"
            print(f"wellcheck: error: {visible(text)}", file=sys.stderr)
    raise typer.Exit(int(verdict.status))


def print_not_checked(outcome: ScanOutcome) -> None:
    """One line on stderr per source and reason that left packages not checked, with the
    count (a dead PyPI is one line, not one per package; the report lists each)."""
    from wellcheck.escape import visible
    from wellcheck.report.common import skipped_lines

    skipped = [item for result in outcome.results for item in result.skipped]
    for line in skipped_lines(skipped):
        print(f"wellcheck: not checked: {visible(line)}", file=sys.stderr)


def render_report(
    options: ScanOptions, chosen: Format, output: Path | None, reproducible: bool, quiet: bool
) -> tuple[ScanOutcome, Verdict]:
    """Scan, then render the whole report and write it (atomically with ``-o``)."""
    from wellcheck.report import ReportOptions, get_reporter
    from wellcheck.scan.run import scan_run

    with progress_bar(options, quiet) as tick:
        run = scan_run(options, on_result=tick)
    report_options = ReportOptions(
        color=use_colour(chosen, output),
        width=table_width(output),
        reproducible=reproducible,
        shard=shard_info(options),
        positions=run.origins,
    )
    text = get_reporter(str(chosen), report_options).render(run.outcome, run.verdict)
    write_output(text, output)
    return run.outcome, run.verdict


def stream_jsonl(
    options: ScanOptions, output: Path | None, quiet: bool
) -> tuple[ScanOutcome, Verdict]:
    """One line per artifact as it finishes (flushed), then the summary line.

    With ``-o`` the lines go straight to the file (not atomically: a reader may follow
    it); a scan that dies leaves no summary line, which ``merge`` rejects.
    """
    from wellcheck.models import ScanOutcome
    from wellcheck.policy import decide
    from wellcheck.report.jsonl_report import artifact_line, summary_line
    from wellcheck.scan.run import scan_run

    try:
        sink = sys.stdout if output is None else output.open("w", encoding="utf-8", newline="\n")
    except OSError as exc:
        raise OutputError(f"cannot write {output}: {exc.strerror or exc}") from exc

    def write(line: str) -> None:
        sink.write(line)
        sink.flush()

    try:
        with progress_bar(options, quiet) as tick:

            def on_result(position: int, result: ArtifactResult) -> None:
                verdict = decide(ScanOutcome((result,)), options.fail_on)
                write(artifact_line(position, result, verdict))
                tick(position, result)

            run = scan_run(options, on_result=on_result)
        write(summary_line(run.outcome, run.verdict, shard_info(options)))
    finally:
        if sink is not sys.stdout:
            sink.close()
    return run.outcome, run.verdict


def shard_info(options: ScanOptions) -> ShardInfo | None:
    from wellcheck.report import ShardInfo

    if options.shard is None:
        return None
    shard = options.shard
    return ShardInfo(index=shard.index, count=shard.count, total=len(options.artifacts))


@contextmanager
def progress_bar(options: ScanOptions, quiet: bool = False) -> Iterator[ResultCallback]:
    """A progress bar on stderr for several artifacts, only when stderr is a terminal."""
    total = len(
        options.shard.positions(len(options.artifacts)) if options.shard else options.artifacts
    )
    if quiet or total < 2 or not sys.stderr.isatty():
        yield _no_progress
        return
    try:
        from rich.console import Console
        from rich.progress import Progress
    except ImportError:  # rich comes with typer, but typer-slim has none: no bar
        yield _no_progress
        return

    remote = any(a.startswith(("lambda:", "layer:")) for a in options.artifacts)
    with Progress(console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("scanning", total=None if remote else total)
        yield lambda position, result: progress.advance(task)


def _no_progress(position: int, result: ArtifactResult) -> None:
    return None

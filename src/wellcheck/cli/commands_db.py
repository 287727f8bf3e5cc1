"""CLI commands: ``wellcheck db update|import|status`` (the local OSV advisory index)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from wellcheck.cli.app import db_app
from wellcheck.cli.output import download_progress

if TYPE_CHECKING:
    from wellcheck.advisories.index import ImportReport

DB_HELP = "Index file (default: $WELLCHECK_DB, else <cache dir>/osv.sqlite3)."


def _print_report(report: ImportReport) -> None:
    typer.echo(f"imported {report.record_count} records into {report.path}")
    typer.echo(f"  data date (newest record): {report.data_date or 'unknown'}")
    if report.withdrawn:
        typer.echo(f"  {report.withdrawn} withdrawn records kept but never matched")
    if report.invalid:
        typer.echo(f"wellcheck: warning: {report.invalid} members were not OSV records", err=True)
    for note in report.notes:
        typer.echo(f"wellcheck: warning: {note}", err=True)


@db_app.command("update")
def update(
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
    url: str | None = typer.Option(None, "--url", help="Export URL (default: OSV's PyPI all.zip)."),
    sha256: str | None = typer.Option(
        None, "--sha256", help="Reject a download with another hash."
    ),
) -> None:
    """Download OSV's PyPI export and rebuild the index atomically."""
    from wellcheck.advisories.export import export_url
    from wellcheck.advisories.index import update_from_url
    from wellcheck.advisories.locations import index_path

    with download_progress("OSV export") as progress:
        report = update_from_url(export_url(url), index_path(db), sha256=sha256, progress=progress)
    _print_report(report)


@db_app.command("import")
def import_(
    path: Annotated[Path, typer.Argument(help="An OSV all.zip, or a directory of OSV records.")],
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Rebuild the index from a local OSV export or record directory (no network)."""
    from wellcheck.advisories.index import import_path
    from wellcheck.advisories.locations import index_path

    _print_report(import_path(path, index_path(db)))


MAX_AGE_HELP = (
    "Warn when the newest record is older (default: the config file's db-max-age-days, "
    "$WELLCHECK_DB_MAX_AGE_DAYS, else 5)."
)


@db_app.command("status")
def status(
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
    fmt: str = typer.Option("text", "--format", help="text or json."),
    max_age: float | None = typer.Option(None, "--max-age-days", min=0, help=MAX_AGE_HELP),
    check: bool = typer.Option(False, "--check", help="Also run a full integrity check."),
) -> None:
    """Show the index's source, record count, data date (its newest record) and age."""
    from wellcheck.advisories.index import RECOVERY, AdvisoryIndex
    from wellcheck.advisories.locations import index_path
    from wellcheck.config import load_config
    from wellcheck.errors import DatabaseError
    from wellcheck.escape import visible

    if fmt not in ("text", "json"):
        raise typer.BadParameter("expected text or json", param_hint="--format")
    days = load_config().db_max_age_days if max_age is None else max_age
    with AdvisoryIndex(index_path(db)) as index:
        info = index.status(days)
        if check and not index.integrity_ok():
            raise DatabaseError(
                f"advisory index {info.path} failed its integrity check; {RECOVERY}"
            )
    if fmt == "json":
        typer.echo(json.dumps({**asdict(info), "stale": info.stale}, indent=2))
    else:
        from wellcheck.advisories.indexmeta import describe_date

        typer.echo(f"index:          {visible(info.path)}")
        typer.echo(f"source:         {visible(info.source)}")
        typer.echo(f"records:        {info.record_count}")
        typer.echo(f"data date:      {describe_date(info.data_date, info.age_days)}")
        typer.echo(f"imported at:    {visible(info.imported_at)}")
    warning = info.stale_warning()
    if warning:
        typer.secho(visible(warning), err=True, fg=typer.colors.YELLOW, bold=True)

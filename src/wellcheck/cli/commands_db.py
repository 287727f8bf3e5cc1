"""CLI commands: ``wellcheck db update|import|status`` (the local OSV advisory index)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from wellcheck.cli.app import db_app

if TYPE_CHECKING:
    from wellcheck.advisories.index import ImportReport

DB_HELP = "Index file (default: $WELLCHECK_DB, else <cache dir>/osv.sqlite3)."
Progress = Callable[[int, int | None], None]


@contextmanager
def _progress() -> Iterator[Progress | None]:
    """A download progress bar on stderr, only when stderr is a terminal."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn

    columns = (BarColumn(), DownloadColumn(), TransferSpeedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("download", total=None)

        def update(done: int, total: int | None) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def _print_report(report: ImportReport) -> None:
    typer.echo(f"imported {report.record_count} records into {report.path}")
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

    with _progress() as progress:
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


@db_app.command("status")
def status(
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
    fmt: str = typer.Option("text", "--format", help="text or json."),
    max_age: float | None = typer.Option(
        None, "--max-age-days", help="Warn when older (default: $WELLCHECK_DB_MAX_AGE_DAYS or 7)."
    ),
    check: bool = typer.Option(False, "--check", help="Also run a full integrity check."),
) -> None:
    """Show the index's source, record count, newest record and age."""
    from wellcheck.advisories.index import RECOVERY, AdvisoryIndex
    from wellcheck.advisories.locations import index_path, max_age_days
    from wellcheck.errors import DatabaseError

    if fmt not in ("text", "json"):
        raise typer.BadParameter("expected text or json", param_hint="--format")
    with AdvisoryIndex(index_path(db)) as index:
        info = index.status(max_age_days(max_age))
        if check and not index.integrity_ok():
            raise DatabaseError(
                f"advisory index {info.path} failed its integrity check; {RECOVERY}"
            )
    if fmt == "json":
        typer.echo(json.dumps({**asdict(info), "stale": info.stale}, indent=2))
    else:
        typer.echo(f"index:          {info.path}")
        typer.echo(f"source:         {info.source}")
        typer.echo(f"records:        {info.record_count}")
        typer.echo(f"newest record:  {info.newest_modified or 'unknown'}")
        typer.echo(f"imported at:    {info.imported_at}")
        typer.echo(f"age:            {info.age_days:.1f} days")
    warning = info.stale_warning()
    if warning:
        typer.secho(warning, err=True, fg=typer.colors.YELLOW, bold=True)

"""What the commands share: ``-o``, writing, width (``scan``, ``merge``); quiet logging;
a download's progress bar (``db update``, a first ``scan``)."""

from __future__ import annotations

import logging
import shutil
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

OutputOption = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="Write the report to this file (atomically)."),
]


def write_output(text: str, output: Path | None) -> None:
    """The whole report to stdout, or atomically to ``output`` (``-o``)."""
    from wellcheck.report import write_report

    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        write_report(output, text)


def table_width(output: Path | None) -> int:
    """Columns for the table: the terminal's, or ``COLUMNS``; 120 off a terminal or with -o."""
    from wellcheck.report.interface import DEFAULT_WIDTH

    if output is not None:
        return DEFAULT_WIDTH
    return shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns


@contextmanager
def quiet_logging(quiet: bool) -> Iterator[None]:
    """With ``--quiet``, wellcheck's warnings are not logged (errors still are)."""
    if not quiet:
        yield
        return
    logger = logging.getLogger("wellcheck")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


Progress = Callable[[int, int | None], None]  # (bytes so far, total or None)


@contextmanager
def download_progress(label: str, quiet: bool = False) -> Iterator[Progress | None]:
    """A download progress bar on stderr, only when stderr is a terminal (and not --quiet)."""
    if quiet or not sys.stderr.isatty():
        yield None
        return
    try:
        from rich.console import Console
        from rich.progress import BarColumn, DownloadColumn, TextColumn, TransferSpeedColumn
        from rich.progress import Progress as Bar
    except ImportError:  # rich comes with typer, but typer-slim has none: no bar
        yield None
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
    )
    with Bar(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int | None) -> None:
            bar.update(task, completed=done, total=total)

        yield update

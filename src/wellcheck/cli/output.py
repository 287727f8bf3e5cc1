"""What the report-writing commands (``scan``, ``merge``) share: ``-o``, writing, width."""

from __future__ import annotations

import logging
import shutil
import sys
from collections.abc import Iterator
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

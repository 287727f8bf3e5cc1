"""What the report-writing commands (``scan``, ``merge``) share: ``-o`` and writing."""

from __future__ import annotations

import sys
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

"""Command-line interface (the only package that imports typer)."""

from __future__ import annotations

import sys

from wellcheck.cli import (  # noqa: F401 - each module registers its commands
    commands_db,
    commands_diff,
    commands_pypi,
    commands_sbom,
    commands_scan,
    commands_signals,
)
from wellcheck.cli.app import State, app
from wellcheck.errors import WellcheckError


def main() -> None:
    """Console entry point: one line on stderr per error, traceback only with --debug.

    typer/click handle usage errors themselves (exit 2); commands signal their
    verdict with ``typer.Exit(code)``.
    """
    try:
        app()
    except WellcheckError as exc:
        if State.debug:
            raise
        print(f"wellcheck: error: {exc}", file=sys.stderr)
        sys.exit(int(exc.exit_status))
    except KeyboardInterrupt:
        print("wellcheck: interrupted", file=sys.stderr)
        sys.exit(130)

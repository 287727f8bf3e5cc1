"""Command-line interface (the only package that imports typer).

``main`` imports only the command module the command line needs (see
``wellcheck.cli.app``); ``app`` imported from here lists every command.
"""

from __future__ import annotations

import sys

from wellcheck.cli.app import State, app
from wellcheck.errors import WellcheckError

__all__ = ["app", "main"]


def main() -> None:
    """Console entry point: one line on stderr per error, traceback only with --debug.

    typer/click handle usage errors themselves (exit 2); commands signal their
    verdict with ``typer.Exit(code)``.
    """
    app.select(sys.argv[1:])
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

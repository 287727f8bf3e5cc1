"""Command-line interface (the only package that imports typer).

``main`` imports only the command module the command line needs (see
``wellcheck.cli.app``); ``app`` imported from here lists every command.
"""

from __future__ import annotations

import gc
import sys

from wellcheck.cli.app import State, app
from wellcheck.errors import ExitStatus, WellcheckError
from wellcheck.escape import visible

__all__ = ["app", "main"]


def main() -> None:
    """Console entry point: one line on stderr per error, traceback only with --debug.

    Error messages name members and paths from the artifact: they are printed
    :func:`~wellcheck.escape.visible`, so a name cannot move the cursor or add a line.

    typer/click handle usage errors themselves (exit 2); commands signal their
    verdict with ``typer.Exit(code)``.
    """
    app.select(sys.argv[1:])
    _tune_garbage_collector()
    try:
        app()
    except WellcheckError as exc:
        if State.debug:
            raise
        print(f"wellcheck: error: {visible(str(exc))}", file=sys.stderr)
        sys.exit(int(exc.exit_status))
    except KeyboardInterrupt:
        print("wellcheck: interrupted", file=sys.stderr)
        sys.exit(130)
    except Exception as exc:  # a bug: never let it pass for exit 1 ("findings") or 0
        if State.debug:
            raise
        print(
            f"wellcheck: internal error: {type(exc).__name__}: {visible(str(exc))} "
            "(--debug shows where)",
            file=sys.stderr,
        )
        sys.exit(int(ExitStatus.INPUT_ERROR))


def _tune_garbage_collector() -> None:
    """Fewer cyclic collections for a one-shot process.

    What is alive now (the interpreter, typer, the CLI) lives until exit: frozen,
    collections never traverse it.  With the default gen-0 threshold (700) a
    `wellcheck sbom` of a 120-package zip ran 166 collections, ~45 ms of 0.4 s;
    with 10,000 it runs ~40 (~18 ms).  Cyclic garbage is still collected.
    """
    if gc.get_threshold()[0] >= 10_000:
        return  # tuned already (main() run twice in one process, as tests do)
    gc.freeze()
    gc.set_threshold(10_000, 50, 100)

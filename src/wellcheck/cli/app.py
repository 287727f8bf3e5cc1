"""The typer application.  Commands live in sibling modules and only parse
arguments, build an options object, call the core and print its result."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="wellcheck",
    help="Supply-chain scanner for serverless deployment artifacts.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Manage the local OSV advisory index.", no_args_is_help=True)
popular_app = typer.Typer(help="Manage the popular-package snapshot.", no_args_is_help=True)
baseline_app = typer.Typer(help="Pin expected PyPI owners in a file.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(popular_app, name="popular")
app.add_typer(baseline_app, name="baseline")


class State:
    """Global flags (set by the callback)."""

    debug: bool = False
    verbose: int = 0


@app.callback()
def _root(
    verbose: int = typer.Option(0, "--verbose", "-v", count=True, help="More logging on stderr."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks for errors."),
) -> None:
    import logging

    State.debug = debug
    State.verbose = verbose
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="wellcheck: %(levelname)s: %(message)s")

"""The typer application.  Commands live in sibling modules and only parse
arguments, build an options object, call the core and print its result.

Command modules are imported on demand: the application imports them the first
time typer reads its command list.  ``main`` narrows that to the one module the
command line names (``wellcheck sbom`` never imports ``scan``'s dependencies,
and typer builds only that module's commands); anything else (``--help``, no
command, an unknown name, a test's ``CliRunner``) imports every module, so
listings stay complete.  A new command module is one line in ``COMMAND_MODULES``.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Sequence
from typing import Any

import typer
from typer.core import TyperArgument, TyperCommand
from typer.models import CommandFunctionType

#: command module (under ``wellcheck.cli``) -> the top-level commands and groups it
#: defines.  Modules are imported in this order, which is the order ``--help`` lists.
COMMAND_MODULES: dict[str, tuple[str, ...]] = {
    "commands_db": ("db",),
    "commands_diff": ("diff",),
    "commands_merge": ("merge",),
    "commands_pypi": ("baseline",),
    "commands_sbom": ("inventory", "sbom"),
    "commands_scan": ("scan",),
    "commands_signals": ("typosquat", "popular"),
    "commands_version": ("version",),
}
_MODULE_OF = {name: module for module, names in COMMAND_MODULES.items() for name in names}
_ROOT_FLAG = re.compile(r"^(?:--debug|--verbose|-v+)$")  # the root callback's options


class Command(TyperCommand):
    """A command whose usage line names its arguments as click does (``ARTIFACT...``).

    typer 0.28 writes a required argument as ``{ARTIFACT}`` and drops the ``...`` of
    one that takes several values.  ``_Typer`` makes every command one.
    """

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if isinstance(param, TyperArgument):
                pieces.append(_argument_usage(param))
            else:
                pieces.extend(param.get_usage_pieces(ctx))
        return pieces


def _argument_usage(param: TyperArgument) -> str:
    """``NAME``, ``NAME...`` (several values), ``[NAME]`` (optional), as click writes them."""
    text = param.metavar or (param.name or "").upper()
    if not param.required:
        text = f"[{text}]"
    return f"{text}..." if param.nargs != 1 else text


class _Typer(typer.Typer):
    """A Typer whose commands are ``Command``s (usage lines as click writes them)."""

    def command(
        self, *args: Any, **kwargs: Any
    ) -> Callable[[CommandFunctionType], CommandFunctionType]:
        kwargs.setdefault("cls", Command)
        return super().command(*args, **kwargs)


class _OnDemandTyper(_Typer):
    """A Typer whose command list imports the command modules when first read."""

    def __init__(self, **kwargs: Any) -> None:
        self._wanted: tuple[str, ...] = tuple(COMMAND_MODULES)
        self._loaded = False
        self._loading = True  # until ``ready``: the sub-apps are still being added
        super().__init__(**kwargs)

    def ready(self) -> None:
        """The application is complete: the next read of its commands imports them."""
        self._loading = False

    def select(self, argv: Sequence[str]) -> None:
        """Import only the module of the command ``argv`` names (all when unsure)."""
        module = _MODULE_OF.get(_command_name(argv) or "")
        self._wanted = (module,) if module else tuple(COMMAND_MODULES)

    def _load(self) -> None:
        if self._loaded or self._loading:
            return
        self._loading = True
        try:
            for module in self._wanted:
                importlib.import_module(f"wellcheck.cli.{module}")
        finally:
            self._loading = False
        self._loaded = True

    @property
    def registered_commands(self) -> list[Any]:
        self._load()
        return self._commands

    @registered_commands.setter
    def registered_commands(self, value: list[Any]) -> None:
        self._commands = value

    @property
    def registered_groups(self) -> list[Any]:
        self._load()
        return self._groups

    @registered_groups.setter
    def registered_groups(self, value: list[Any]) -> None:
        self._groups = value


def _command_name(argv: Sequence[str]) -> str | None:
    """The command word of a command line, skipping the root options; None if there is none.

    ``--version`` counts as the ``version`` command: it prints what that command does."""
    for arg in argv:
        if _ROOT_FLAG.match(arg):
            continue
        if arg == "--version":
            return "version"
        return None if arg.startswith("-") else arg
    return None


# Help is plain click text, not Rich markup: markup would swallow every [bracketed]
# word of a help text (wellcheck[aws], [limits], [default: ...]).
app = _OnDemandTyper(
    name="wellcheck",
    help="Supply-chain scanner for serverless deployment artifacts.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
db_app = _Typer(
    help="Manage the local OSV advisory index.", no_args_is_help=True, rich_markup_mode=None
)
popular_app = _Typer(
    help="Manage the popular-package snapshot.", no_args_is_help=True, rich_markup_mode=None
)
baseline_app = _Typer(
    help="Pin expected PyPI owners in a file.", no_args_is_help=True, rich_markup_mode=None
)
app.add_typer(db_app, name="db")
app.add_typer(popular_app, name="popular")
app.add_typer(baseline_app, name="baseline")
app.ready()


class State:
    """Global flags (set by the callback)."""

    debug: bool = False
    verbose: int = 0


def _show_version(wanted: bool) -> None:
    if wanted:
        from wellcheck.cli.commands_version import print_version

        print_version()
        raise typer.Exit()


@app.callback()
def _root(
    verbose: int = typer.Option(
        0,
        "--verbose",
        "-v",
        count=True,
        show_default=False,
        help="More logging on stderr (repeat for more: -vv).",
    ),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks for errors."),
    version: bool = typer.Option(
        False,
        "--version",
        is_eager=True,
        callback=_show_version,
        help="Show the version and the advisory data, then exit.",
    ),
) -> None:
    import logging

    from wellcheck.escape import VisibleFormatter

    State.debug = debug
    State.verbose = verbose
    level = logging.WARNING - 10 * min(verbose, 2)
    handler = logging.StreamHandler()  # stderr; messages may quote artifact names: escaped
    handler.setFormatter(VisibleFormatter("wellcheck: %(levelname)s: %(message)s"))
    logging.basicConfig(level=level, handlers=[handler])

"""CLI commands (signals): ``typosquat``, ``popular refresh`` and ``popular show``."""

from __future__ import annotations

import json
import re
from typing import Any

import typer

from wellcheck.cli.app import app, popular_app
from wellcheck.errors import ExitStatus

# A project name as PEP 508 (and the core metadata spec) allows it: what pip accepts.
_VALID_NAME = re.compile(r"[A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9]", re.IGNORECASE)


@app.command("typosquat")
def typosquat(
    names: list[str] = typer.Argument(..., metavar="NAME", help="Project names to check."),
    top: int | None = typer.Option(
        None,
        "--top",
        min=1,
        metavar="N",
        help=(
            "Only the N most popular projects count as popular (targets, never suspects); "
            "lower-ranked names are checked like any other."
        ),
    ),
    output_format: str = typer.Option(
        "text", "--format", metavar="text|json", help="text or json."
    ),
    allow: list[str] = typer.Option(
        [], "--allow", help="Legitimate near-name (NAME or NAME=TARGET); repeatable."
    ),
) -> None:
    """Check names for typosquats of popular PyPI projects (exit 1 if any is a suspect)."""
    from wellcheck.signals.typo_allowlist import load_allowlist
    from wellcheck.signals.typosquat import TyposquatDetector, default_detector

    if output_format not in ("text", "json"):
        raise typer.BadParameter("must be text or json", param_hint="--format")
    for name in names:
        if not _VALID_NAME.fullmatch(name):
            raise typer.BadParameter(f"{name!r} is not a valid project name", param_hint="NAME")
    if allow:
        base = default_detector()
        detector = TyposquatDetector(base.popular, load_allowlist(extra=allow), base.index)
    else:
        detector = default_detector()
    verdicts = [detector.check(name, top=top) for name in names]
    if output_format == "json":
        rows: list[dict[str, Any]] = [
            {
                "name": given,
                "suspect": v.suspect,
                "target": v.target,
                "transformation": v.transformation,
                "target_rank": v.target_rank,
                "score": v.score,
            }
            for given, v in zip(names, verdicts, strict=True)
        ]
        typer.echo(json.dumps(rows, indent=2))
    else:
        for v in verdicts:
            if v.suspect:
                typer.echo(
                    f"{v.name}: SUSPECT typosquat of {v.target} (rank {v.target_rank}) "
                    f"by {v.transformation}, score {v.score:.2f}"
                )
            elif v.rank is not None and (top is None or v.rank <= top):
                typer.echo(f"{v.name}: ok (popular, rank {v.rank})")
            else:
                typer.echo(f"{v.name}: ok")
    if any(v.suspect for v in verdicts):
        raise typer.Exit(int(ExitStatus.FINDINGS))


@popular_app.command("refresh")
def popular_refresh(
    source: str | None = typer.Option(
        None, "--from", help="File or URL in the top-pypi-packages format."
    ),
) -> None:
    """Replace the cached popular-package list (validated, written atomically)."""
    from wellcheck.escape import visible
    from wellcheck.signals.popular import refresh_popular

    fresh = refresh_popular(source)
    stamp = visible(fresh.generated)  # from the downloaded document
    typer.echo(f"popular list: {len(fresh)} projects ({stamp}) -> {visible(fresh.origin)}")


@popular_app.command("show")
def popular_show() -> None:
    """Say which popular-package list is in use, its date and size."""
    from wellcheck.escape import visible
    from wellcheck.signals.popular import load_popular

    popular = load_popular()
    stamp, origin = visible(popular.generated), visible(popular.origin)
    typer.echo(f"{len(popular)} projects, {stamp}, from {origin}")

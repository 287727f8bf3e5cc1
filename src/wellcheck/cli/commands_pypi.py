"""CLI commands for PyPI ownership baselines."""

from __future__ import annotations

from pathlib import Path

import typer

from wellcheck.cli.app import baseline_app


@baseline_app.command("write")
def baseline_write(
    file: Path = typer.Argument(..., help="Baseline file to write (JSON; commit it)."),
    artifacts: list[str] = typer.Argument(..., help="Artifacts whose packages to pin."),
    offline: bool = typer.Option(False, "--offline", help="Use only the local PyPI cache."),
) -> None:
    """Pin the current PyPI owners of every package in ARTIFACTS into FILE."""
    from wellcheck.models import ComponentKind
    from wellcheck.pipeline import inventory_artifact
    from wellcheck.pypi import open_default_source
    from wellcheck.signals.pypi_baseline import collect_owners, write_baseline

    names = {
        c.name
        for artifact in artifacts
        for c in inventory_artifact(artifact).components
        if c.kind is not ComponentKind.UNCLAIMED
    }
    source = open_default_source(offline=offline)
    try:
        owners = collect_owners(names, source)
    finally:
        source.close()
    write_baseline(file, owners)
    typer.echo(f"wrote owners of {len(owners)} projects to {file}", err=True)

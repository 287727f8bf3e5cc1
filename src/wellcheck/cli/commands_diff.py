"""CLI: wellcheck diff BASELINE CURRENT."""

from __future__ import annotations

import json

import typer

from wellcheck.cli.app import app


@app.command("diff")
def diff(
    baseline: str = typer.Argument(..., help="What CI built: an artifact or an SBOM."),
    current: str = typer.Argument(..., help="What is deployed: an artifact or an SBOM."),
    fmt: str = typer.Option("text", "--format", "-f", help="text or json."),
    fail_on_drift: bool = typer.Option(False, "--fail-on-drift", help="Exit 1 on any drift."),
) -> None:
    """Components added, removed or changed, and files whose content changed."""
    from wellcheck.drift import compare, drift_to_json, load_side
    from wellcheck.errors import ExitStatus
    from wellcheck.escape import visible

    if fmt not in ("text", "json"):
        raise typer.BadParameter("--format must be text or json")
    before, after = load_side(baseline), load_side(current)
    drift = compare(before, after)
    if fmt == "json":
        typer.echo(json.dumps(drift_to_json(before, after, drift), indent=2))
    else:
        lines = [f"+ {p.name} {p.version}  ({p.where or '?'})" for p in drift.added]
        lines += [f"- {p.name} {p.version}  ({p.where or '?'})" for p in drift.removed]
        lines += [
            f"~ {a.name} {a.version} -> {b.version}  ({b.where or '?'})" for a, b in drift.changed
        ]
        lines += [f"+ file {f}" for f in drift.files_added]
        lines += [f"- file {f}" for f in drift.files_removed]
        lines += [f"~ file {f}" for f in drift.files_changed]
        if not drift.files_compared:
            lines.append("(file contents not compared: one side is an SBOM)")
        shown = [visible(line) for line in lines]  # names and paths from the artifacts
        typer.echo("\n".join(shown) if drift.has_drift else "no drift")
    if drift.has_drift and fail_on_drift:
        raise typer.Exit(int(ExitStatus.FINDINGS))

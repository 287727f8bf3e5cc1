"""CLI: wellcheck diff BASELINE CURRENT."""

from __future__ import annotations

import json
import sys

import typer

from wellcheck.cli.app import app
from wellcheck.cli.output import OutputOption, write_output


@app.command("diff")
def diff(
    baseline: str = typer.Argument(..., help="What CI built: an artifact or an SBOM."),
    current: str = typer.Argument(..., help="What is deployed: an artifact or an SBOM."),
    fmt: str = typer.Option("text", "--format", "-f", help="text or json."),
    fail_on_drift: bool = typer.Option(False, "--fail-on-drift", help="Exit 1 on any drift."),
    all_files: bool = typer.Option(
        False,
        "--all-files",
        help="Also list build noise (__pycache__, .pyc, INSTALLER/REQUESTED/direct_url.json), "
        "which then counts as drift.",
    ),
    output: OutputOption = None,
) -> None:
    """A summary line, then components added, removed or changed (with where their
    metadata is) and files whose content changed."""
    from wellcheck.drift import compare, drift_to_json, load_side
    from wellcheck.errors import ExitStatus
    from wellcheck.escape import json_safe, visible

    if fmt not in ("text", "json"):
        raise typer.BadParameter("--format must be text or json")
    before, after = load_side(baseline), load_side(current)
    drift = compare(before, after, all_files=all_files)
    if fmt == "json":
        document = json.dumps(drift_to_json(before, after, drift), indent=2, ensure_ascii=False)
        text = json_safe(document) + "\n"
    else:
        lines = [drift.summary()]
        lines += [f"+ {p.name} {p.version}  ({_where(p.location)})" for p in drift.added]
        lines += [f"- {p.name} {p.version}  ({_where(p.location)})" for p in drift.removed]
        lines += [
            f"~ {a.name} {a.version} -> {b.version}  ({_where(b.location)})"
            for a, b in drift.changed
        ]
        lines += [f"+ file {f}" for f in drift.files_added]
        lines += [f"- file {f}" for f in drift.files_removed]
        lines += [f"~ file {f}" for f in drift.files_changed]
        text = "\n".join(visible(line) for line in lines) + "\n"  # names and paths from artifacts
    write_output(text, output)
    if output is not None:
        sys.stderr.write(visible(drift.summary()) + "\n")
    if drift.has_drift and fail_on_drift:
        raise typer.Exit(int(ExitStatus.FINDINGS))


def _where(location: str) -> str:
    return location or "location not in the SBOM"

"""CLI commands ``inventory`` and ``sbom``: parse, build the job, call the core, write.

Nothing is written when an artifact fails to open: every artifact is read and
every document rendered before the first byte goes out.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from wellcheck.artifact.limits import Limits, with_overrides
from wellcheck.cli.app import app
from wellcheck.sbom import SbomFormat


class InventoryFormat(StrEnum):
    TABLE = "table"
    JSON = "json"


class Spec(StrEnum):
    V1_5 = "1.5"
    V1_6 = "1.6"


LimitOption = Annotated[
    list[str] | None,
    typer.Option(
        "--limit",
        help="Archive limit NAME=VALUE, e.g. total_size=4GiB (repeatable; on top of the "
        "config file's [limits]).",
    ),
]


def _limits(values: list[str] | None) -> Limits:
    from wellcheck.config import load_config

    return with_overrides(load_config().limits, values or [])


ArtifactsArg = Annotated[
    list[str],
    typer.Argument(
        metavar="ARTIFACT",
        help="Function or layer zips, wheels, sdists, image tarballs, OCI layouts, "
        "directories, SBOMs (CycloneDX, SPDX; sbom:PATH).",
    ),
]


@app.command("inventory")
def inventory_command(
    artifacts: ArtifactsArg,
    fmt: Annotated[
        InventoryFormat, typer.Option("--format", "-f", help="table (default) or json.")
    ] = InventoryFormat.TABLE,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file (atomically).")
    ] = None,
    limit: LimitOption = None,
) -> None:
    """List every Python distribution (and unclaimed code) inside each artifact."""
    from wellcheck.pipeline import inventory_artifact
    from wellcheck.sbom.listing import render_inventory_json, render_inventory_table
    from wellcheck.sbom.output import write_atomic

    limits = _limits(limit)
    inventories = [inventory_artifact(path, limits) for path in artifacts]
    if fmt is InventoryFormat.JSON:
        text = render_inventory_json(inventories)
    else:
        text = render_inventory_table(inventories)
    if output is None:
        typer.echo(text, nl=False)
    else:
        write_atomic(output, text)


@app.command("sbom")
def sbom_command(
    artifacts: ArtifactsArg,
    fmt: Annotated[
        SbomFormat, typer.Option("--format", "-f", help="SBOM format.")
    ] = SbomFormat.CYCLONEDX_JSON,
    spec: Annotated[
        Spec | None,
        typer.Option("--spec", help="CycloneDX version (default: 1.6); not with spdx-json."),
    ] = None,
    output: Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            help="A file (one SBOM for all artifacts) or a directory: an existing one, or a "
            "path ending in '/' (one SBOM per artifact, named after it). Default: stdout.",
        ),
    ] = None,
    reproducible: Annotated[
        bool,
        typer.Option(
            "--reproducible", help="No serial number or timestamp: byte-identical output."
        ),
    ] = False,
    validate: Annotated[
        bool,
        typer.Option("--validate", help="Schema-check the SBOM before writing it (about 0.25 s)."),
    ] = False,
    limit: LimitOption = None,
) -> None:
    """Write a CycloneDX (1.6 or 1.5, JSON or XML) or SPDX 2.3 JSON SBOM."""
    from wellcheck.sbom.job import SbomJob, run_sbom
    from wellcheck.sbom.output import write_atomic

    if spec is not None and fmt is SbomFormat.SPDX_JSON:
        raise typer.BadParameter("CycloneDX only; spdx-json is SPDX 2.3", param_hint="--spec")
    job = SbomJob(
        artifacts=tuple(artifacts),
        fmt=fmt,
        spec=(spec or Spec.V1_6).value,
        output=output,
        reproducible=reproducible,
        validate=validate,
        limits=_limits(limit),
    )
    for document in run_sbom(job):
        if document.path is None:
            typer.echo(document.text, nl=False)
        else:
            write_atomic(document.path, document.text)

"""CLI command: ``wellcheck version`` (and ``wellcheck --version``): the tool and its data.

As ``trivy --version`` does, it says which advisory data a scan would use: the index's
source, record count, data date (its newest record) and where it lives.  It reads the
index's meta table only (``advisories/indexmeta.py``, standard library), so it answers
at start-up cost; it never fails because the index is missing or broken, it says so.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import typer

from wellcheck.cli.app import app


def version_info(db: str | None = None) -> dict[str, Any]:
    """The tool's version and what the advisory index at ``db`` (or the default) holds."""
    from wellcheck import __version__
    from wellcheck.advisories.indexmeta import read_status
    from wellcheck.advisories.locations import DEFAULT_MAX_AGE_DAYS, index_path
    from wellcheck.errors import DatabaseError

    path = index_path(db)
    index: dict[str, Any] = {"path": str(path), "present": path.is_file()}
    try:
        status = read_status(path, DEFAULT_MAX_AGE_DAYS)
    except DatabaseError as exc:
        index["error"] = None if not index["present"] else str(exc)
    else:
        index.update(
            source=status.source,
            record_count=status.record_count,
            data_date=status.data_date,
            age_days=None if status.age_days is None else round(status.age_days, 2),
            imported_at=status.imported_at,
            source_sha256=status.source_sha256,
            error=None,
        )
    python = ".".join(str(part) for part in sys.version_info[:3])
    return {"version": __version__, "python": python, "index": index}


def version_text(info: dict[str, Any]) -> str:
    from wellcheck.advisories.indexmeta import describe_date
    from wellcheck.escape import visible

    index = info["index"]
    lines = [f"wellcheck {info['version']} (Python {info['python']})"]
    where = visible(index["path"])
    if not index["present"]:
        lines.append(f"advisory index: none at {where}")
        lines.append("  (the first scan downloads it; or run `wellcheck db update`)")
    elif index.get("error"):
        lines.append(f"advisory index: {where}")
        lines.append(f"  unusable: {visible(index['error'])}")
    else:
        date = describe_date(index["data_date"], index["age_days"])
        lines += [
            f"advisory index: {where}",
            f"  source:       {visible(index['source'])}",
            f"  records:      {index['record_count']}",
            f"  data date:    {date}",
            f"  imported at:  {visible(index['imported_at'])}",
        ]
    return "\n".join(lines)


def print_version(fmt: str = "text", db: str | None = None) -> None:
    info = version_info(db)
    typer.echo(json.dumps(info, indent=2) if fmt == "json" else version_text(info))


@app.command("version")
def version_command(
    fmt: str = typer.Option("text", "--format", help="text or json."),
    db: str | None = typer.Option(
        None, "--db", help="Index file (default: $WELLCHECK_DB, else <cache dir>/osv.sqlite3)."
    ),
) -> None:
    """Show wellcheck's version and the advisory data a scan would use."""
    if fmt not in ("text", "json"):
        raise typer.BadParameter("expected text or json", param_hint="--format")
    print_version(fmt, db)

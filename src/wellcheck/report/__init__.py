"""Report formats.  Adding a format = one new module and one registry line."""

from __future__ import annotations

import importlib
import os
import tempfile
from pathlib import Path

from wellcheck.errors import OutputError
from wellcheck.report.interface import Reporter, ReportOptions, ShardInfo

__all__ = ["FORMATS", "ReportOptions", "Reporter", "ShardInfo", "get_reporter", "write_report"]

#: --format value -> "module:class" (imported lazily: cyclonedx is heavy)
FORMATS: dict[str, str] = {
    "table": "wellcheck.report.table_report:TableReporter",
    "json": "wellcheck.report.json_report:JsonReporter",
    "sarif": "wellcheck.report.sarif_report:SarifReporter",
    "markdown": "wellcheck.report.markdown_report:MarkdownReporter",
    "cyclonedx-json": "wellcheck.report.cyclonedx_report:CycloneDxReporter",
    "jsonl": "wellcheck.report.jsonl_report:JsonlReporter",
}


def get_reporter(name: str, options: ReportOptions | None = None) -> Reporter:
    try:
        target = FORMATS[name]
    except KeyError:
        choices = ", ".join(FORMATS)
        raise OutputError(f"unknown report format {name!r} (choose from {choices})") from None
    module_name, _, class_name = target.partition(":")
    cls = getattr(importlib.import_module(module_name), class_name)
    reporter: Reporter = cls(options)
    return reporter


def write_report(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically: a temp file beside it, then os.replace.

    On any error the destination is left as it was (no partial report).
    """
    directory = path.parent if str(path.parent) else Path()
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from exc
    tmp_path = Path(tmp)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        _default_mode(tmp_path)
        tmp_path.replace(path)
    except OSError as exc:
        tmp_path.unlink(missing_ok=True)
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from exc
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


def _default_mode(path: Path) -> None:
    """mkstemp makes 0600 files; a report gets the usual 0666 & ~umask."""
    umask = os.umask(0)
    os.umask(umask)
    path.chmod(0o666 & ~umask)

"""OSV record sources for the index: an all.zip export, a directory, a download.

Records are read one at a time (the PyPI export is ~20k members).  Each member
is size-capped; unparseable members are counted, not fatal.  ``.yaml`` records
are read only when PyYAML is importable, otherwise counted as skipped.
"""

from __future__ import annotations

import datetime
import json
import logging
import os
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wellcheck.advisories.records import is_valid_record
from wellcheck.errors import DatabaseError, OutputError
from wellcheck.http import HttpClient, RetryPolicy, download_cap

log = logging.getLogger(__name__)
EXPORT_URL = "https://osv-vulnerabilities.storage.googleapis.com/PyPI/all.zip"
EXPORT_URL_ENV = "WELLCHECK_OSV_EXPORT_URL"
MAX_RECORD_BYTES = 16 * 1024 * 1024
MAX_EXPORT_BYTES = 512 * 1024 * 1024  # the PyPI all.zip is a few tens of MB
Progress = Callable[[int, int | None], None]  # (bytes so far, total or None)


@dataclass
class ReadCounts:
    """Running tallies while reading a source (mutable on purpose)."""

    invalid: int = 0
    skipped_yaml: int = 0
    oversized: int = 0
    notes: list[str] = field(default_factory=list)


def _decode(data: bytes, name: str, counts: ReadCounts, yaml_ok: bool) -> dict[str, Any] | None:
    try:
        if name.endswith((".yaml", ".yml")):
            import yaml  # type: ignore[import-untyped, unused-ignore]

            obj = _plain(yaml.safe_load(data))
        else:
            obj = json.loads(data)
    except Exception:  # malformed member: count it, keep going
        counts.invalid += 1
        return None
    if not is_valid_record(obj):
        counts.invalid += 1
        return None
    assert isinstance(obj, dict)  # narrowed by is_valid_record
    return obj


def _plain(value: Any) -> Any:
    """YAML timestamps (unquoted ``modified: 2024-01-01T00:00:00Z``) back to RFC 3339 text."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.UTC).replace(tzinfo=None)
        return value.isoformat() + "Z"
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _yaml_available() -> bool:
    try:
        import yaml  # type: ignore[import-untyped, unused-ignore]  # noqa: F401
    except ImportError:
        return False
    return True


def _wanted(name: str, yaml_ok: bool, counts: ReadCounts) -> bool:
    if name.endswith(".json"):
        return True
    if name.endswith((".yaml", ".yml")):
        if yaml_ok:
            return True
        counts.skipped_yaml += 1
    return False


def read_records(path: Path, counts: ReadCounts) -> Iterator[dict[str, Any]]:
    """Every OSV record in a zip export or under a directory (recursively)."""
    yaml_ok = _yaml_available()
    if path.is_dir():
        for member in sorted(path.rglob("*")):
            if not member.is_file() or not _wanted(member.name, yaml_ok, counts):
                continue
            if member.stat().st_size > MAX_RECORD_BYTES:
                counts.oversized += 1
                continue
            record = _decode(member.read_bytes(), member.name, counts, yaml_ok)
            if record is not None:
                yield record
    elif zipfile.is_zipfile(path):
        yield from _read_zip(path, counts, yaml_ok)
    elif path.exists():
        raise DatabaseError(f"{path} is neither an OSV zip export nor a directory of records")
    else:
        raise DatabaseError(f"{path} does not exist")
    if counts.skipped_yaml:
        counts.notes.append(f"{counts.skipped_yaml} .yaml records skipped (PyYAML not installed)")


def _read_zip(path: Path, counts: ReadCounts, yaml_ok: bool) -> Iterator[dict[str, Any]]:
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if info.is_dir() or not _wanted(info.filename, yaml_ok, counts):
                    continue
                if info.file_size > MAX_RECORD_BYTES:
                    counts.oversized += 1
                    continue
                with archive.open(info) as fh:
                    data = fh.read(MAX_RECORD_BYTES + 1)
                if len(data) > MAX_RECORD_BYTES:
                    counts.oversized += 1
                    continue
                record = _decode(data, info.filename, counts, yaml_ok)
                if record is not None:
                    yield record
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError) as exc:
        raise DatabaseError(f"cannot read OSV export {path}: {exc}") from exc


def export_url(explicit: str | None = None) -> str:
    return explicit or os.environ.get(EXPORT_URL_ENV) or EXPORT_URL


def download_export(
    url: str,
    part: Path,
    *,
    sha256: str | None = None,
    progress: Progress | None = None,
    policy: RetryPolicy | None = None,
    max_bytes: int | None = None,
) -> str:
    """Stream ``url`` into the file ``part``; return its sha256 hex digest.

    The download is capped at ``max_bytes`` (default: ``WELLCHECK_NET_MAX_DOWNLOAD``,
    else ``MAX_EXPORT_BYTES``) and bounded by the policy's ``download_deadline``.
    SourceError when the download fails, passes its deadline or its cap (nothing is
    read past the cap); DatabaseError when ``part`` cannot be written or ``sha256``
    is given and does not match.  On failure no file is left; on success the caller
    deletes ``part`` once it is imported.
    """
    cap = max_bytes or download_cap(MAX_EXPORT_BYTES)
    try:
        part.parent.mkdir(parents=True, exist_ok=True)
        out = part.open("wb")
    except OSError as exc:
        raise DatabaseError(f"cannot write {part}: {exc.strerror or exc}") from exc
    client = HttpClient(policy)
    try:
        with out:
            _size, digest = client.download(url, out, max_bytes=cap, progress=progress)
            os.fsync(out.fileno())
    except (OutputError, OSError) as exc:  # the download's file, not the network
        part.unlink(missing_ok=True)
        raise DatabaseError(f"cannot write {part}: {exc}") from exc
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    finally:
        client.close()
    hexdigest = digest.hex()
    if sha256 and hexdigest != sha256.strip().lower():
        part.unlink(missing_ok=True)
        raise DatabaseError(
            f"downloaded export from {url} has sha256 {hexdigest}, expected {sha256}; rejected"
        )
    return hexdigest

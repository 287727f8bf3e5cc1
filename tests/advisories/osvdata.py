"""Helpers to author OSV records in tests."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "fixtures" / "osv"
# ../shared/data beside the checkout (as on developer machines and in CI), or WELLCHECK_SHARED_DATA
SHARED_DATA = Path(os.environ.get("WELLCHECK_SHARED_DATA", REPO.parent / "shared" / "data"))
REAL_EXPORT = SHARED_DATA / "osv" / "PyPI-all.zip"


def record(
    rid: str,
    name: str,
    events: list[dict[str, str]],
    *,
    aliases: tuple[str, ...] = (),
    versions: tuple[str, ...] = (),
    **extra: Any,
) -> dict[str, Any]:
    """A minimal OSV record for one PyPI package with one ECOSYSTEM range."""
    affected: dict[str, Any] = {"package": {"ecosystem": "PyPI", "name": name}}
    if events:
        affected["ranges"] = [{"type": "ECOSYSTEM", "events": events}]
    if versions:
        affected["versions"] = list(versions)
    return {
        "id": rid,
        "modified": "2024-01-01T00:00:00Z",
        "aliases": list(aliases),
        "details": f"details of {rid}",
        "affected": [affected],
        **extra,
    }


def write_records(directory: Path, *records: dict[str, Any]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for rec in records:
        (directory / f"{rec['id']}.json").write_text(json.dumps(rec), encoding="utf-8")
    return directory

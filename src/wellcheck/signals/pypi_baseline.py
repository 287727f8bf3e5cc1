"""The owners baseline: a JSON file teams commit so CI on fresh machines sees changes.

{"version": 1, "generated": "2026-11-30T02:00:00+00:00",
 "owners": {"requests": ["Lukasa", "graffatcolmingov", "nateprewitt"]}}
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path

from wellcheck.errors import SourceError, WellcheckError
from wellcheck.pypi.interface import ProjectSource


def read_baseline(path: Path) -> dict[str, tuple[str, ...]]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise WellcheckError(f"cannot read owners baseline {path}: {exc}") from exc
    except RecursionError:  # json.loads recurses once per nesting level
        raise WellcheckError(f"cannot read owners baseline {path}: nested too deeply") from None
    owners = doc.get("owners") if isinstance(doc, dict) else None
    if not isinstance(doc, dict) or doc.get("version") != 1 or not isinstance(owners, dict):
        raise WellcheckError(f"{path} is not a wellcheck owners baseline (version 1)")
    result: dict[str, tuple[str, ...]] = {}
    for name, users in owners.items():
        if not isinstance(users, list) or not all(isinstance(u, str) for u in users):
            raise WellcheckError(f"{path}: owners of {name!r} must be a list of user names")
        result[str(name)] = tuple(sorted(users))
    return result


def write_baseline(path: Path, owners: Mapping[str, tuple[str, ...]]) -> None:
    """Write atomically: a temp file beside the target, then rename."""
    doc = {
        "version": 1,
        "generated": datetime.now(tz=UTC).isoformat(timespec="seconds"),
        "owners": {name: sorted(owners[name]) for name in sorted(owners)},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(doc, fh, indent=2)
            fh.write("\n")
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def collect_owners(names: Iterable[str], source: ProjectSource) -> dict[str, tuple[str, ...]]:
    """Current PyPI owners of each name; all-or-nothing (a partial baseline would hide)."""
    owners: dict[str, tuple[str, ...]] = {}
    failed: list[str] = []
    for name in sorted(set(names)):
        try:
            info = source.get(name)
        except SourceError as exc:
            failed.append(f"{name} ({exc})")
            continue
        if info.exists and info.owners is not None:
            owners[name] = tuple(sorted({user for user, _ in info.owners}))
    if failed:
        raise SourceError(
            f"could not consult PyPI for {len(failed)} package(s), baseline not written: "
            + "; ".join(failed[:3])
        )
    return owners

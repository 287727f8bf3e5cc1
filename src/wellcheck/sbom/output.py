"""Where SBOMs go: one file, or a directory with one SBOM per artifact.

Writes are atomic (a temporary file in the same directory, then os.replace),
so a reader never sees half a document and a failure leaves the old file.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from pathlib import Path

from wellcheck.errors import OutputError


def is_directory_target(output: str) -> bool:
    """``-o DIR/`` or an existing directory means one SBOM per artifact."""
    return output.endswith(("/", os.sep)) or Path(output).is_dir()


def per_artifact_paths(directory: str, names: Sequence[str], suffix: str) -> list[Path]:
    """``DIR/<artifact name><suffix>`` for each artifact, made unique if two share a name."""
    base = Path(directory)
    paths: list[Path] = []
    used: set[str] = set()
    for name in names:
        stem = name.replace("/", "_").replace("\\", "_") or "artifact"
        candidate, n = f"{stem}{suffix}", 2
        while candidate in used:
            candidate, n = f"{stem}-{n}{suffix}", n + 1
        used.add(candidate)
        paths.append(base / candidate)
    return paths


def ensure_directory(directory: str) -> None:
    try:
        Path(directory).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create output directory {directory}: {exc.strerror}") from exc


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8, ``\\n`` line ends on every platform) to ``path`` atomically."""
    parent = path.parent
    if not parent.is_dir():
        raise OutputError(f"cannot write {path}: directory {parent} does not exist")
    if path.is_dir():
        raise OutputError(f"cannot write {path}: it is a directory")
    import tempfile  # ~3 ms (random, its seed) that stdout output never needs

    try:
        fd, tmp = tempfile.mkstemp(dir=parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise OutputError(f"cannot write in {parent}: {exc.strerror}") from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(text.encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())
        Path(tmp).chmod(_file_mode(path))  # mkstemp makes 0600; honour umask like open()
        Path(tmp).replace(path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            Path(tmp).unlink()
        raise OutputError(f"cannot write {path}: {exc.strerror}") from exc


def _file_mode(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask

"""Read hostile archives (wheels, sdists) as bytes, for bench/behaviour_quality.py.

Nothing here runs, imports or builds what it reads. Members come out as ``(name, bytes)`` with
``name`` a clean relative posix path; a name pip would refuse to write (absolute, or with a
``..`` part: pip 23.2's ``is_within_directory`` checks in ``operations/install/wheel.py`` and
``utils/unpacking.py`` raise ``InstallationError`` for the whole archive) raises
:class:`UnsafeArchive`. Links and special files in tarballs are skipped and counted: nothing
outside the tree is ever read.
Sizes are capped on the bytes actually read, not on what the headers claim.
"""

from __future__ import annotations

import io
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

MiB = 1024 * 1024


class UnsafeArchive(Exception):
    """The archive is refused (pip would refuse it) or cannot be read."""


@dataclass(frozen=True)
class Caps:
    member: int = 512 * MiB
    total: int = 2048 * MiB
    count: int = 200_000


SAMPLE_CAPS = Caps(member=16 * MiB, total=64 * MiB, count=20_000)  # samples are under 150 KB


@dataclass
class Skipped:
    """Members left out, by reason (counted, so a report can say so)."""

    counts: dict[str, int] = field(default_factory=dict)

    def add(self, reason: str) -> None:
        self.counts[reason] = self.counts.get(reason, 0) + 1


def clean_name(raw: str) -> str:
    """A member name as a relative posix path, or :class:`UnsafeArchive`."""
    if "\x00" in raw or raw.startswith("/") or "\\" in raw or (len(raw) > 1 and raw[1] == ":"):
        raise UnsafeArchive(f"member name outside the tree: {raw!r}")
    parts = [p for p in raw.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise UnsafeArchive(f"member name outside the tree: {raw!r}")
    return "/".join(parts)


class _Budget:
    def __init__(self, caps: Caps) -> None:
        self.caps = caps
        self.total = 0
        self.count = 0

    def take(self, name: str, stream: IO[bytes]) -> bytes:
        self.count += 1
        if self.count > self.caps.count:
            raise UnsafeArchive(f"more than {self.caps.count} members")
        data = stream.read(self.caps.member + 1) or b""
        if len(data) > self.caps.member:
            raise UnsafeArchive(f"{name}: member over {self.caps.member} bytes")
        self.total += len(data)
        if self.total > self.caps.total:
            raise UnsafeArchive(f"archive over {self.caps.total} bytes unpacked")
        return data


def _every(name: str) -> bool:
    return True


def zip_members(
    data: bytes | Path, caps: Caps, skipped: Skipped, want: Callable[[str], bool] = _every
) -> Iterator[tuple[str, bytes]]:
    """Regular members of a zip in central-directory order (duplicates: the last one wins)."""
    source = io.BytesIO(data) if isinstance(data, bytes) else data
    budget = _Budget(caps)
    try:
        with zipfile.ZipFile(source) as archive:
            for info in archive.infolist():
                if info.is_dir():
                    continue
                name = clean_name(info.filename)
                if not name:
                    skipped.add("empty name")
                    continue
                if not want(name):
                    continue
                with archive.open(info) as stream:
                    yield name, budget.take(name, stream)
    except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError) as exc:
        raise UnsafeArchive(f"unreadable zip: {type(exc).__name__}: {exc}") from exc


def tar_members(
    data: bytes, caps: Caps, skipped: Skipped, want: Callable[[str], bool] = _every
) -> Iterator[tuple[str, bytes]]:
    """Regular members of a (compressed) tarball in order; links and devices skipped."""
    budget = _Budget(caps)
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as archive:
            for member in archive:
                if member.isdir():
                    continue
                if not member.isreg():
                    skipped.add("link" if member.issym() or member.islnk() else "special file")
                    continue
                name = clean_name(member.name)
                if not name:
                    skipped.add("empty name")
                    continue
                if not want(name):
                    continue
                if member.size > caps.member:
                    raise UnsafeArchive(f"{name}: member over {caps.member} bytes")
                stream = archive.extractfile(member)
                if stream is None:
                    skipped.add("unreadable member")
                    continue
                with stream:
                    yield name, budget.take(name, stream)
    except (tarfile.TarError, zlib.error, EOFError, OSError) as exc:
        raise UnsafeArchive(f"unreadable tarball: {type(exc).__name__}: {exc}") from exc


def archive_members(
    data: bytes,
    filename: str,
    caps: Caps,
    skipped: Skipped,
    want: Callable[[str], bool] = _every,
) -> list[tuple[str, bytes]]:
    """Every regular member of an sdist or wheel, by content (zip or tar); a lone ``.py`` file
    (two samples are a bare ``setup.py``) is one member named ``setup.py``."""
    if data[:4] == b"PK\x03\x04" or zipfile.is_zipfile(io.BytesIO(data)):
        return list(zip_members(data, caps, skipped, want))
    if filename.endswith(".py"):
        return [("setup.py", data)]
    return list(tar_members(data, caps, skipped, want))

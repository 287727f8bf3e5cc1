"""The popular-package list: a bundled, dated snapshot and the user's refreshed copy.

The snapshot keeps canonical names in rank order (``names[i]`` has rank
``i + 1``; "" marks a rank absent from the source).  ``wellcheck popular
refresh`` replaces the user's copy, kept in the cache directory, from the
public top-pypi-packages format; the user's copy wins over the bundled one.
A list that cannot be read raises ``PopularListError``: callers turn that into
a "not checked" result, never into "nothing detected".
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any, TypedDict

from packaging.utils import canonicalize_name

from wellcheck.errors import OutputError, SourceError, WellcheckError
from wellcheck.http import HttpClient, RetryPolicy

DEFAULT_URL = "https://hugovk.github.io/top-pypi-packages/top-pypi-packages.min.json"
URL_ENV = "WELLCHECK_POPULAR_URL"
CACHE_ENV = "WELLCHECK_CACHE_DIR"
USER_FILE = "popular.json"
MIN_NAMES = 100  # a "top packages" list shorter than this is not one


class PopularListError(SourceError):
    """The popular-package list could not be loaded or fetched."""


class InvalidPopularListError(WellcheckError):
    """A file or download offered as a popular-package list is not one."""


class TopPypiRow(TypedDict):
    project: str
    download_count: int


class TopPypiFile(TypedDict, total=False):
    last_update: str
    rows: list[TopPypiRow]


@dataclass(frozen=True)
class PopularList:
    """Canonical names with their download rank (1 = most downloaded)."""

    generated: str  # date (or month) the ranking describes
    source: str
    names: tuple[str, ...]  # names[i] has rank i + 1; "" for an absent rank
    origin: str = ""  # the file it was loaded from
    ranks: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not self.ranks:
            ranks = self.ranks
            for index, name in enumerate(self.names):
                if name and name not in ranks:
                    ranks[name] = index + 1

    def rank(self, name: str) -> int | None:
        return self.ranks.get(name)

    def __len__(self) -> int:
        return len(self.ranks)


def cache_dir() -> Path:
    """The user's wellcheck cache directory (``WELLCHECK_CACHE_DIR`` overrides)."""
    override = os.environ.get(CACHE_ENV)
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_cache_dir("wellcheck", appauthor=False))


def user_list_path() -> Path:
    return cache_dir() / USER_FILE


def load_popular(path: Path | None = None) -> PopularList:
    """Load ``path``, else the user's refreshed copy, else the bundled snapshot."""
    if path is None:
        user = user_list_path()
        if user.is_file():
            path = user
    if path is not None:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise PopularListError(f"cannot read popular-package list {path}: {exc}") from exc
        return _parse_snapshot(raw, str(path))
    raw = resources.files("wellcheck").joinpath("data", USER_FILE).read_bytes()
    return _parse_snapshot(raw, "bundled")


def _parse_snapshot(raw: bytes, origin: str) -> PopularList:
    try:
        data: Any = json.loads(raw)
        names = data["names"]
        generated = str(data["generated"])
        source = str(data.get("source", ""))
    except (ValueError, TypeError, KeyError) as exc:
        raise PopularListError(f"popular-package list {origin} is corrupt: {exc}") from exc
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise PopularListError(f"popular-package list {origin} is corrupt: bad 'names'")
    result = PopularList(generated, source, tuple(names), origin)
    if len(result) < MIN_NAMES:
        raise PopularListError(
            f"popular-package list {origin} is corrupt: only {len(result)} names"
        )
    return result


def parse_top_pypi(raw: bytes, origin: str) -> PopularList:
    """Validate the top-pypi-packages format and rank rows by download count."""
    try:
        data: Any = json.loads(raw)
        rows = data["rows"]
        counted = [(int(row["download_count"]), str(row["project"])) for row in rows]
    except (ValueError, TypeError, KeyError, OverflowError, RecursionError) as exc:
        why = f"{type(exc).__name__}: {exc}" if isinstance(exc, KeyError) else str(exc)
        raise InvalidPopularListError(f"{origin} is not a top-pypi-packages list: {why}") from exc
    counted.sort(key=lambda item: -item[0])
    names: list[str] = []
    seen: set[str] = set()
    for _count, project in counted:
        name = canonicalize_name(project)
        if name and name not in seen:
            seen.add(name)
            names.append(name)
    if len(names) < MIN_NAMES:
        raise InvalidPopularListError(
            f"{origin} is not a top-pypi-packages list: only {len(names)} projects"
        )
    stamp = data.get("last_update") if isinstance(data, dict) else None
    generated = str(stamp) if stamp else datetime.now(UTC).strftime("%Y-%m-%d")
    return PopularList(generated, origin, tuple(names), origin)


def fetch(source: str, policy: RetryPolicy | None = None) -> bytes:
    """Read ``source``: an http(s) URL (through ``HttpClient``: its deadline, and at most
    ``max_body`` bytes as received and as decoded) or a local file path."""
    if source.startswith(("http://", "https://")):
        client = HttpClient(policy)
        try:
            return client.fetch("GET", source).body
        except SourceError as exc:
            raise PopularListError(f"cannot download {source}: {exc}") from exc
        finally:
            client.close()
    try:
        return Path(source).read_bytes()
    except OSError as exc:
        raise InvalidPopularListError(f"cannot read {source}: {exc}") from exc


def refresh_popular(source: str | None = None, dest: Path | None = None) -> PopularList:
    """Replace the user's list from ``source`` (file or URL), validated, atomically."""
    source = source or os.environ.get(URL_ENV) or DEFAULT_URL
    fresh = parse_top_pypi(fetch(source), source)
    dest = dest or user_list_path()
    payload = {"generated": fresh.generated, "source": source, "names": list(fresh.names)}
    write_atomic(dest, json.dumps(payload, separators=(",", ":")).encode("utf-8"))
    return PopularList(fresh.generated, source, fresh.names, str(dest))


def write_atomic(dest: Path, data: bytes) -> None:
    """Write via a temporary file in the same directory and ``os.replace``."""
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".popular-", suffix=".tmp", dir=dest.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            Path(tmp).replace(dest)  # atomic on POSIX and Windows (os.replace)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise OutputError(f"cannot write {dest}: {exc}") from exc

"""The PyPI-metadata seam: a ProjectSource answers "what does PyPI say about NAME"."""

from __future__ import annotations

import abc
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypedDict


class RawRole(TypedDict):
    role: str
    user: str


class RawFile(TypedDict, total=False):
    filename: str
    upload_time_iso_8601: str
    yanked: bool
    yanked_reason: str | None
    digests: dict[str, str]
    packagetype: str
    url: str


@dataclass(frozen=True)
class ReleaseFile:
    filename: str
    uploaded: datetime
    sha256: str | None
    yanked: bool
    yanked_reason: str | None
    url: str = ""  # where PyPI serves the file ("" in documents cached before it was kept)
    packagetype: str = ""  # "bdist_wheel", "sdist", ...


@dataclass(frozen=True)
class ProjectInfo:
    """What PyPI's project JSON says, reduced to what the signals need."""

    name: str  # canonical
    exists: bool  # False: PyPI answered 404
    releases: dict[str, tuple[ReleaseFile, ...]]  # version -> files (may be empty)
    owners: tuple[tuple[str, str], ...] | None  # (user, role); None when PyPI gave none
    author: str = ""
    author_email: str = ""
    maintainer: str = ""
    maintainer_email: str = ""
    project_urls: tuple[tuple[str, str], ...] = ()
    summary: str = ""
    description_empty: bool = False
    fetched_at: datetime | None = None
    from_cache: bool = False

    def first_upload(self, version: str) -> datetime | None:
        files = self.releases.get(version, ())
        return min((f.uploaded for f in files), default=None)

    def last_upload(self, version: str) -> datetime | None:
        files = self.releases.get(version, ())
        return max((f.uploaded for f in files), default=None)


class ProjectSource(abc.ABC):
    name: str

    @abc.abstractmethod
    def get(self, name: str) -> ProjectInfo:
        """PyPI's view of ``name`` (canonical); raise SourceError if it cannot be consulted."""


def parse_project(name: str, doc: Any, fetched_at: datetime) -> ProjectInfo:
    """Lenient parse of PyPI's ``/pypi/NAME/json``; unknown shapes raise ValueError."""
    if not isinstance(doc, dict) or not isinstance(doc.get("info"), dict):
        raise ValueError("not a PyPI project document (no 'info' object)")
    info: dict[str, Any] = doc["info"]
    releases: dict[str, tuple[ReleaseFile, ...]] = {}
    for version, files in (doc.get("releases") or {}).items():
        parsed = []
        for f in files if isinstance(files, list) else []:
            uploaded = _parse_time(f.get("upload_time_iso_8601") or f.get("upload_time"))
            if uploaded is None:
                continue
            digests = f.get("digests") or {}
            parsed.append(
                ReleaseFile(
                    filename=str(f.get("filename", "")),
                    uploaded=uploaded,
                    sha256=digests.get("sha256") if isinstance(digests, dict) else None,
                    yanked=bool(f.get("yanked")),
                    yanked_reason=f.get("yanked_reason"),
                    url=str(f.get("url") or ""),
                    packagetype=str(f.get("packagetype") or ""),
                )
            )
        releases[str(version)] = tuple(sorted(parsed, key=lambda r: r.uploaded))
    owners: tuple[tuple[str, str], ...] | None = None
    ownership = doc.get("ownership")
    if isinstance(ownership, dict) and isinstance(ownership.get("roles"), list):
        owners = tuple(
            sorted(
                (str(r.get("user", "")), str(r.get("role", "")))
                for r in ownership["roles"]
                if isinstance(r, dict)
            )
        )
    urls = info.get("project_urls") or {}
    project_urls = (
        tuple(sorted((str(k), str(v)) for k, v in urls.items())) if isinstance(urls, dict) else ()
    )
    if info.get("home_page"):
        project_urls = (*project_urls, ("Homepage", str(info["home_page"])))
    return ProjectInfo(
        name=name,
        exists=True,
        releases=releases,
        owners=owners,
        author=str(info.get("author") or ""),
        author_email=str(info.get("author_email") or ""),
        maintainer=str(info.get("maintainer") or ""),
        maintainer_email=str(info.get("maintainer_email") or ""),
        project_urls=project_urls,
        summary=str(info.get("summary") or ""),
        description_empty=not str(info.get("description") or "").strip(),
        fetched_at=fetched_at,
    )


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        from datetime import UTC

        when = when.replace(tzinfo=UTC)
    return when

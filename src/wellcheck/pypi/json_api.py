"""PyPI's JSON API (``GET {base}/pypi/NAME/json``) with a TTL cache in the PyPIStore.

Only the project-level document is used: per-version documents are not needed
(the project document lists every release's files with upload times and yanks).
``offline=True`` answers from the store alone, whatever its age.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urljoin

from wellcheck.errors import SourceError, WellcheckError
from wellcheck.http import HttpClient
from wellcheck.pypi.interface import ProjectInfo, ProjectSource, parse_project
from wellcheck.pypi.store import PyPIStore

DEFAULT_PYPI_URL = "https://pypi.org"
DEFAULT_TTL = 3600.0  # seconds; WELLCHECK_PYPI_TTL overrides (0: always ask PyPI)


def pypi_ttl() -> float:
    """Cache lifetime: short, since ownership changes are only seen on a fresh document."""
    value = os.environ.get("WELLCHECK_PYPI_TTL")
    if value is None:
        return DEFAULT_TTL
    try:
        return max(0.0, float(value))
    except ValueError:
        raise WellcheckError(
            f"WELLCHECK_PYPI_TTL must be a number of seconds, got {value!r}"
        ) from None


def pypi_base_url() -> str:
    return os.environ.get("WELLCHECK_PYPI_URL", DEFAULT_PYPI_URL).rstrip("/")


class PyPIJsonSource(ProjectSource):
    name = "pypi"

    def __init__(
        self,
        store: PyPIStore,
        *,
        base_url: str | None = None,
        ttl: float | None = None,
        offline: bool = False,
        client: HttpClient | None = None,
        clock: Any = time.time,
    ) -> None:
        self.store = store
        self.base_url = (base_url or pypi_base_url()).rstrip("/")
        self.ttl = pypi_ttl() if ttl is None else ttl
        self.offline = offline
        self._client = client
        self._clock = clock

    def refresh(self, name: str) -> ProjectInfo:
        """Like ``get``, but ask PyPI even when the cached document is still fresh
        (offline: the cache as ``get`` gives it)."""
        return self.get(name, max_age=None if self.offline else 0.0)

    def get(self, name: str, *, max_age: float | None = None) -> ProjectInfo:
        now = self._clock()
        cached = self.store.get(name)
        ttl = self.ttl if max_age is None else max_age
        if cached is not None and (self.offline or now - cached[0] < ttl):
            return self._parse(name, cached[1], cached[2], cached[0], from_cache=True)
        if self.offline:
            raise SourceError(f"{name}: not in the PyPI cache (offline)")
        if self._client is None:
            self._client = HttpClient()
        url = f"{self.base_url}/pypi/{quote(name)}/json"
        status, doc = self._client.get_json(url)
        if status == 404:
            self.store.put(name, 404, None, now)
            return self._parse(name, 404, None, now, from_cache=False)
        if status != 200:
            raise SourceError(f"{name}: PyPI answered HTTP {status}")
        reduced = reduce_document(doc, document_url=url)
        info = self._parse(name, 200, reduced, now, from_cache=False)
        self.store.put(name, 200, reduced, now)
        return info

    def _parse(
        self, name: str, status: int, body: Any, fetched: float, *, from_cache: bool
    ) -> ProjectInfo:
        when = datetime.fromtimestamp(fetched, tz=UTC)
        if status == 404:
            return ProjectInfo(name, False, {}, None, fetched_at=when, from_cache=from_cache)
        try:
            info = parse_project(name, body, when)
        except (ValueError, TypeError, AttributeError, KeyError) as exc:
            raise SourceError(f"{name}: malformed PyPI document ({exc})") from exc
        if from_cache:
            from dataclasses import replace

            info = replace(info, from_cache=True)
        return info

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
        self.store.close()


_INFO_KEYS = (
    "name", "author", "author_email", "maintainer", "maintainer_email",
    "project_urls", "home_page", "summary",
)  # fmt: skip
_FILE_KEYS = ("filename", "upload_time_iso_8601", "yanked", "yanked_reason", "url", "packagetype")


def reduce_document(doc: Any, *, document_url: str | None = None) -> dict[str, Any]:
    """Keep what the signals use, so the cache stays small (requests: 1 MB -> ~60 kB).

    File URLs relative to the document (mirrors serve ``../../packages/...``) are made
    absolute against ``document_url``."""
    if not isinstance(doc, dict) or not isinstance(doc.get("info"), dict):
        raise SourceError("malformed PyPI document: no 'info' object")
    info = doc["info"]
    reduced_info = {k: info.get(k) for k in _INFO_KEYS}
    reduced_info["description"] = "x" if str(info.get("description") or "").strip() else ""
    releases: dict[str, list[dict[str, Any]]] = {}
    raw_releases = doc.get("releases")
    for version, files in (raw_releases if isinstance(raw_releases, dict) else {}).items():
        kept = []
        for f in files if isinstance(files, list) else []:
            if not isinstance(f, dict):
                continue
            item = {k: f.get(k) for k in _FILE_KEYS}
            if document_url and isinstance(item["url"], str) and item["url"]:
                item["url"] = urljoin(document_url, item["url"])
            digests = f.get("digests")
            item["digests"] = {"sha256": digests.get("sha256")} if isinstance(digests, dict) else {}
            kept.append(item)
        releases[str(version)] = kept
    return {"info": reduced_info, "releases": releases, "ownership": doc.get("ownership")}

"""The legitimate side of bench/behaviour_quality.py: popular projects' wheels and sdists.

For each of the top N projects of ``top-pypi-packages.json`` (ordered by download count) the
project JSON (``/pypi/NAME/json``: the per-version JSON does not answer here) is read once and
the file pip would pick is chosen from it:

* a wheel as ``pip install --only-binary=:all:`` on the AWS Lambda ``python3.12`` x86_64 runtime
  would pick it: the newest version whose files include a compatible wheel (pre-releases only
  when there is no final release, as packaging's ``SpecifierSet.filter`` and so pip do), skipping
  yanked files and files whose ``requires_python`` excludes 3.12, and among that version's wheels
  the one with the most specific tag (the order of ``LAMBDA_TAGS``, as pip ranks them);
* an sdist, for the archive mode: the newest version (same rule) that has one.

Files over ``SIZE_CAP`` (100 MB: CUDA builds such as torch and nvidia-*) are skipped and
counted, as are projects with no wheel (or no sdist) at all. Downloads run in parallel, are
checked against the sha256 PyPI gives, land atomically and are cached: the choices are written
to ``choices.json`` beside the files, so a second run touches the network for nothing that
already succeeded (failures are retried).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import requests
from packaging import tags
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename
from packaging.version import InvalidVersion, Version

PYPI = "https://pypi.org/pypi/{}/json"
SIZE_CAP = 100 * 1024 * 1024
PYTHON = "3.12.11"  # the Lambda python3.12 runtime's interpreter series
WORKERS = 8
TIMEOUT = 60


def _lambda_platforms() -> list[str]:
    """Amazon Linux 2023 (glibc 2.34) on x86_64, most specific first, as packaging orders them."""
    legacy = {17: "manylinux2014", 12: "manylinux2010", 5: "manylinux1"}
    found: list[str] = []
    for minor in range(34, 4, -1):
        found.append(f"manylinux_2_{minor}_x86_64")
        if minor in legacy:
            found.append(f"{legacy[minor]}_x86_64")
    return [*found, "linux_x86_64"]


LAMBDA_TAGS: dict[tags.Tag, int] = {
    tag: rank
    for rank, tag in enumerate(
        [
            *tags.cpython_tags((3, 12), platforms=_lambda_platforms()),
            *tags.compatible_tags((3, 12), "cp312", _lambda_platforms()),
        ]
    )
}


@dataclass(frozen=True)
class Choice:
    """What the bench took for one project and kind: a file, or why nothing."""

    project: str
    kind: str  # "wheel" | "sdist"
    status: str  # "ok" | "no-file" | "too-big" | "error"
    filename: str = ""
    version: str = ""
    size: int = 0
    sha256: str = ""
    url: str = ""
    reason: str = ""


def top_projects(path: Path, count: int) -> list[str]:
    """The ``count`` most downloaded projects (the file is a ClickHouse export: ``rows``)."""
    rows = json.loads(path.read_text(encoding="utf-8"))["rows"]
    rows = sorted(rows, key=lambda r: -int(r["download_count"]))
    return [canonicalize_name(r["project"]) for r in rows[:count]]


def _versions(releases: dict[str, Any]) -> list[str]:
    parsed: list[tuple[Version, str]] = []
    for text in releases:
        try:
            parsed.append((Version(text), text))
        except InvalidVersion:
            continue
    finals = [p for p in parsed if not p[0].is_prerelease]
    return [text for _, text in sorted(finals or parsed, reverse=True)]


def _python_ok(requires: str | None) -> bool:
    if not requires:
        return True
    try:
        return SpecifierSet(requires).contains(PYTHON, prereleases=True)
    except InvalidSpecifier:
        return False  # pip ignores a file whose requires_python it cannot parse


def _wheel_rank(filename: str) -> int | None:
    try:
        _, _, _, wheel_tags = parse_wheel_filename(filename)
    except InvalidWheelFilename:
        return None
    ranks = [LAMBDA_TAGS[t] for t in wheel_tags if t in LAMBDA_TAGS]
    return min(ranks) if ranks else None


def _usable(files: Iterable[dict[str, Any]], packagetype: str) -> Iterator[dict[str, Any]]:
    for f in files:
        wanted = f.get("packagetype") == packagetype and not f.get("yanked")
        if wanted and _python_ok(f.get("requires_python")):
            yield f


def choose(project: str, kind: str, document: dict[str, Any]) -> Choice:
    """The file pip would take for ``project`` from its project JSON (see the module doc)."""
    releases = document.get("releases") or {}
    for version in _versions(releases):
        if kind == "wheel":
            ranked = [
                (rank, f["filename"], f)
                for f in _usable(releases[version], "bdist_wheel")
                if (rank := _wheel_rank(f["filename"])) is not None
            ]
            picked = min(ranked)[2] if ranked else None
        else:
            sdists = list(_usable(releases[version], "sdist"))
            picked = sdists[0] if sdists else None
        if picked is None:
            continue
        choice = Choice(
            project,
            kind,
            "ok",
            picked["filename"],
            version,
            int(picked.get("size") or 0),
            picked["digests"]["sha256"],
            urljoin(PYPI.format(project), picked["url"]),  # some answers here are relative
        )
        if choice.size > SIZE_CAP:
            return Choice(**{**asdict(choice), "status": "too-big", "reason": "over the cap"})
        return choice
    return Choice(project, kind, "no-file", reason=f"no usable {kind}")


class Fetcher:
    """Project JSON documents and files from PyPI, cached under ``root``."""

    def __init__(self, root: Path, kind: str) -> None:
        self.root = root
        self.kind = kind
        self.root.mkdir(parents=True, exist_ok=True)
        self.index_path = root / "choices.json"
        self.choices: dict[str, Choice] = {}
        if self.index_path.exists():
            raw = json.loads(self.index_path.read_text(encoding="utf-8"))
            self.choices = {k: Choice(**v) for k, v in raw.items()}
        self._lock = threading.Lock()
        self._local = threading.local()
        self.downloaded = 0

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.headers["User-Agent"] = "wellcheck-behaviour-bench"
            self._local.session = session
        return session

    def _cached(self, project: str) -> Choice | None:
        choice = self.choices.get(project)
        if choice is None or choice.status == "error":
            return None
        if choice.status == "ok" and not (self.root / choice.filename).is_file():
            return None
        return choice

    def get(self, project: str) -> Choice:
        cached = self._cached(project)
        if cached is not None:
            return cached
        try:
            choice = self._choose(project)
            if choice.status == "ok":
                self._download(choice)
        except (requests.RequestException, OSError, ValueError, KeyError) as exc:
            choice = Choice(project, self.kind, "error", reason=f"{type(exc).__name__}: {exc}")
        with self._lock:
            self.choices[project] = choice
        return choice

    def _choose(self, project: str) -> Choice:
        answer = self._session().get(PYPI.format(project), timeout=TIMEOUT)
        if answer.status_code == 404:
            return Choice(project, self.kind, "no-file", reason="not on PyPI")
        answer.raise_for_status()
        return choose(project, self.kind, answer.json())

    def _download(self, choice: Choice) -> None:
        target = self.root / choice.filename
        if target.is_file():
            return
        digest = hashlib.sha256()
        fd, tmp = tempfile.mkstemp(dir=self.root, suffix=".part")
        try:
            with (
                os.fdopen(fd, "wb") as out,
                self._session().get(choice.url, timeout=TIMEOUT, stream=True) as answer,
            ):
                answer.raise_for_status()
                for chunk in answer.iter_content(1 << 20):
                    digest.update(chunk)
                    out.write(chunk)
            if digest.hexdigest() != choice.sha256:
                raise ValueError(f"sha256 mismatch for {choice.filename}")
            os.replace(tmp, target)
            with self._lock:
                self.downloaded += 1
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    def fetch_all(self, projects: list[str]) -> list[Choice]:
        with ThreadPoolExecutor(WORKERS) as pool:
            results = list(pool.map(self.get, projects))
        self._save()
        return results

    def _save(self) -> None:
        data = {k: asdict(v) for k, v in sorted(self.choices.items())}
        tmp = self.index_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
        os.replace(tmp, self.index_path)

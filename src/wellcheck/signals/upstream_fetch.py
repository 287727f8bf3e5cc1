"""Finding and fetching the official wheel an installed distribution came from.

``choose_wheel`` picks, among a release's files, the wheel whose tags are those of the
installed ``.dist-info/WHEEL`` (``Tag:`` lines); a pure-Python wheel stands in only when
the install is itself pure (or its WHEEL file gives no tags).  A platform build with no
wheel of the same tags on PyPI (built locally from the sdist) is not compared with
anything: comparing compiled files across builds would only produce false alarms.

``WheelFetcher`` downloads a wheel through ``HttpClient`` (retries; the download deadline;
at most ``max_download`` bytes, ``WELLCHECK_NET_MAX_DOWNLOAD`` or 200 MiB, as sent: the
bytes PyPI's sha256 is about), and trusts it only when its sha256 is the one PyPI's
project JSON gives; verified wheels are kept under ``<cache>/wheels/<sha256>.whl``
(written to a temporary file, then renamed) and re-verified whenever they are reused.
When that directory cannot be written, wheels go to a private temporary directory
removed by ``close`` (one warning; same results, only slower next time).
``read_wheel`` hashes a wheel's files (read with the safe zip reader and its limits)
by the path each one is installed at.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import posixpath
import shutil
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from pathlib import Path

from packaging.tags import Tag, parse_tag
from packaging.utils import InvalidWheelFilename, parse_wheel_filename

from wellcheck.artifact.base import EntryKind, FileDigest
from wellcheck.artifact.common import Budget
from wellcheck.artifact.limits import Limits
from wellcheck.cache import cache_unusable
from wellcheck.errors import ArtifactError, OutputError, SourceError
from wellcheck.http import HttpClient, RetryPolicy, download_cap
from wellcheck.pypi.interface import ReleaseFile

log = logging.getLogger(__name__)

MiB = 1024 * 1024
DEFAULT_MAX_DOWNLOAD = 200 * MiB
CHUNK = MiB
_PURE_PLATFORM = "any"
INSTALLER_FILES = frozenset(
    {"INSTALLER", "REQUESTED", "direct_url.json", "RECORD", "RECORD.jws", "RECORD.p7s"}
)


class UntrustedDownload(SourceError):
    """A downloaded file is not the one PyPI's JSON describes (digest or size)."""


@dataclass(frozen=True)
class WheelChoice:
    file: ReleaseFile
    tags: frozenset[Tag]


def parse_wheel_tags(data: bytes) -> tuple[frozenset[Tag], str | None]:
    """The tags (expanded) and build number a ``.dist-info/WHEEL`` file declares."""
    headers = BytesHeaderParser().parsebytes(data)
    tags: set[Tag] = set()
    for value in headers.get_all("Tag") or []:
        with contextlib.suppress(ValueError, IndexError):
            tags.update(parse_tag(str(value).strip()))
    build = headers.get("Build")
    return frozenset(tags), str(build).strip() if build else None


def _is_pure(tag: Tag) -> bool:
    return tag.abi == "none" and tag.platform == _PURE_PLATFORM


def describe_tags(tags: frozenset[Tag]) -> str:
    return ", ".join(sorted(str(t) for t in tags)) or "an install without WHEEL tags"


def choose_wheel(
    files: tuple[ReleaseFile, ...],
    installed: frozenset[Tag],
    *,
    build: str | None = None,
    python_version: str | None = None,
    platform_hint: str | None = None,
) -> WheelChoice | None:
    """The release file to compare an install with, or None when no wheel fits."""
    wheels: list[WheelChoice] = []
    for f in files:
        if f.packagetype not in ("", "bdist_wheel") or not f.filename.endswith(".whl"):
            continue
        try:
            _, _, wheel_build, tags = parse_wheel_filename(f.filename)
        except InvalidWheelFilename:
            continue
        wheel = WheelChoice(f, frozenset(tags))
        if build is not None and wheel_build and str(wheel_build[0]) != build:
            continue
        wheels.append(wheel)
    wheels.sort(key=lambda w: w.file.filename)
    if installed:
        exact = [w for w in wheels if w.tags == installed]
        if exact:
            return exact[0]
        best = max(wheels, key=lambda w: len(w.tags & installed), default=None)
        if best is not None and best.tags & installed:
            return best
        if not all(_is_pure(t) for t in installed):
            return None  # a platform build not on PyPI: nothing to compare it with
    pure = [w for w in wheels if all(_is_pure(t) for t in w.tags)]
    if pure:
        return pure[0]
    if installed or not platform_hint or not python_version:
        return None
    interpreter = "cp" + python_version.replace(".", "")
    fits = [
        w
        for w in wheels
        if any(t.interpreter == interpreter and platform_hint in t.platform for t in w.tags)
    ]
    return fits[0] if len(fits) == 1 else None  # several fit: guessing would mislead


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class WheelFetcher:
    """Verified wheels by sha256: from the cache, else downloaded (unless offline)."""

    def __init__(
        self,
        cache: Path,
        *,
        offline: bool,
        max_download: int | None = None,
        policy: RetryPolicy | None = None,
    ) -> None:
        self.directory = cache / "wheels"
        self.offline = offline
        self.max_download = max_download or download_cap(DEFAULT_MAX_DOWNLOAD)
        self.client = HttpClient(policy)
        self.downloads = 0
        self._lock = threading.Lock()
        self._private: Path | None = None  # where wheels go when the cache cannot be written

    def get(self, wheel: ReleaseFile) -> Path:
        """A local, verified copy of ``wheel``; SourceError when there cannot be one."""
        expected = (wheel.sha256 or "").lower()
        if len(expected) != 64 or any(c not in "0123456789abcdef" for c in expected):
            raise SourceError(f"PyPI gives no sha256 for {wheel.filename}: it cannot be trusted")
        for directory in (self.directory, self._private):
            cached = self._cached(directory / f"{expected}.whl", expected) if directory else None
            if cached is not None:
                return cached
        if self.offline:
            raise SourceError(f"{wheel.filename} is not in the wheel cache (offline)")
        if not wheel.url.startswith(("https://", "http://")):
            why = "no download URL in the cached PyPI document" if not wheel.url else "bad URL"
            raise SourceError(f"{wheel.filename}: {why}")
        return self._download(wheel.url, wheel.filename, expected)

    @staticmethod
    def _cached(path: Path, expected: str) -> Path | None:
        if not path.is_file():
            return None
        try:
            if file_sha256(path) == expected:
                return path
        except OSError as exc:
            log.warning("cannot read cached wheel %s: %s", path, exc)
        log.warning("cached wheel %s does not match its name; discarding it", path)
        with contextlib.suppress(OSError):
            path.unlink()
        return None

    def _temp_file(self, expected: str) -> tuple[int, Path]:
        """A new file for a download: in the wheel cache or, once that proved unwritable,
        in a private temporary directory."""
        prefix = f".{expected[:16]}-"
        with self._lock:
            if self._private is None:
                try:
                    self.directory.mkdir(parents=True, exist_ok=True)
                    handle, name = tempfile.mkstemp(prefix=prefix, dir=self.directory)
                    return handle, Path(name)
                except OSError as exc:
                    cache_unusable(self.directory, exc)
                    self._private = Path(tempfile.mkdtemp(prefix="wellcheck-wheels-"))
            handle, name = tempfile.mkstemp(prefix=prefix, dir=self._private)
            return handle, Path(name)

    def _download(self, url: str, filename: str, expected: str) -> Path:
        """Download, verify and store a wheel; where it is stored."""
        with self._lock:
            self.downloads += 1
        log.info("downloading %s", url)
        try:
            handle, temp = self._temp_file(expected)
        except OSError as exc:
            raise SourceError(f"cannot store {filename}: {exc}") from exc
        try:
            with os.fdopen(handle, "wb") as out:
                _size, digest = self.client.download(url, out, max_bytes=self.max_download)
            actual = digest.hex()
            if actual != expected:
                raise UntrustedDownload(
                    f"{filename} from {url} is NOT the file PyPI describes (sha256 {actual}, "
                    f"expected {expected}): discarded, not trusted"
                )
            target = temp.parent / f"{expected}.whl"
            _install(temp, target, expected)
        except (OutputError, OSError) as exc:
            raise SourceError(f"cannot store {filename} in {temp.parent}: {exc}") from exc
        finally:
            with contextlib.suppress(OSError):
                temp.unlink(missing_ok=True)
        return target

    def close(self) -> None:
        self.client.close()
        if self._private is not None:
            shutil.rmtree(self._private, ignore_errors=True)
            self._private = None


def _install(temp: Path, target: Path, expected: str) -> None:
    """Move a verified download into place; another scan may have put it there first
    (on Windows the rename then fails while that scan reads the file)."""
    try:
        temp.replace(target)
    except OSError:
        if not (target.is_file() and file_sha256(target) == expected):
            raise


@dataclass(frozen=True)
class Upstream:
    """The files of one official wheel, by path relative to the site root."""

    filename: str
    files: Mapping[str, FileDigest]
    dist_info: str  # the wheel's ``NAME-VERSION.dist-info`` directory


def read_wheel(path: Path, filename: str, limits: Limits, workers: int = 1) -> Upstream:
    """Hash every comparable file of the wheel at ``path`` (read safely, with limits)."""
    from wellcheck.artifact.zipreader import open_zip_file

    tree = open_zip_file(str(path), limits, Budget(limits), (), label=f"{filename} (PyPI)")
    try:
        members = [p for p, e in tree.entries().items() if e.kind is EntryKind.FILE]
        dist_infos = {
            p.split("/", 1)[0] for p in members if p.split("/", 1)[0].endswith(".dist-info")
        }
        dist_info = min(dist_infos, default="")
        wanted: dict[str, str] = {}  # member -> path relative to the site root
        for member in members:
            rel = site_relative(member, dist_info)
            if rel is not None:
                wanted[member] = rel
        digests = tree.hash_files(wanted, workers=workers)
    finally:
        tree.close()
    missing = sorted(set(wanted) - set(digests))
    if missing:
        raise ArtifactError(f"{filename}: member {missing[0]} cannot be read")
    return Upstream(filename, {wanted[m]: d for m, d in digests.items()}, dist_info)


def site_relative(member: str, dist_info: str) -> str | None:
    """Where a wheel member is installed, relative to the site root; None: not compared."""
    if ignorable(member):
        return None
    top, _, rest = member.partition("/")
    if top == dist_info:
        return None if rest in INSTALLER_FILES else member
    if top.endswith(".data"):
        scheme, _, inner = rest.partition("/")
        return inner if scheme in ("purelib", "platlib") and inner else None
    return member


def owned_roots(upstream: Upstream) -> list[str]:
    """The shallowest directories holding wheel files directly (namespace parents excluded)."""
    directories = {
        posixpath.dirname(rel)
        for rel in upstream.files
        if "/" in rel and not rel.split("/", 1)[0].endswith(".dist-info")
    }
    roots: list[str] = []
    for directory in sorted(directories):
        if not any(directory.startswith(f"{root}/") for root in roots):
            roots.append(directory)
    return roots


def ignorable(path: str) -> bool:
    """Compiled files: regenerated anywhere, never compared."""
    return path.endswith((".pyc", ".pyo")) or "/__pycache__/" in f"/{path}"

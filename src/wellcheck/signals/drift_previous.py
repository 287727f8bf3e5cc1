"""The previous release of an installed distribution: what behaviour drift compares with.

The previous release is the highest release below the installed version that has a
wheel fitting the install (the wheel ``--verify-upstream`` would pick, by the
install's ``.dist-info/WHEEL`` tags: ``upstream_fetch.choose_wheel``), counting only
files that

* are **not yanked**: a release its maintainers withdrew is often the compromised one
  itself (or one broken badly enough to be pulled); comparing with it could hide the
  very capability that got it withdrawn, and pip does not pick it either;
* were **uploaded before the installed release**: its first file's upload time is when
  the world first had it.  Whoever can upload can also add a wheel carrying the same
  payload to an older release, or upload an older-numbered release next to the new
  one; a baseline that did not exist before the installed release could hide the
  drift, so it never counts (when PyPI does not list the installed version at all, which
  the PyPI check reports, every earlier file counts);

and leaving out pre-releases and development releases unless the installed version is
one (pip does not install them by default: the release users ran before is a final
one).  Versions that are not PEP 440 cannot be ordered: such an install is not
compared (a SkippedCheck), never passed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from packaging.tags import Tag
from packaging.version import InvalidVersion, Version

from wellcheck.pypi.interface import ReleaseFile
from wellcheck.signals.upstream_fetch import choose_wheel, describe_tags


class NotComparable(Exception):
    """The install cannot be placed among PyPI's releases (becomes a SkippedCheck)."""


class NoPrevious(Exception):
    """PyPI has no earlier release to compare with: not an error (not applicable)."""


@dataclass(frozen=True)
class Previous:
    version: str
    file: ReleaseFile
    jump: str  # "major", "minor" or "patch": how far the installed release moved


@dataclass(frozen=True)
class Install:
    """What identifies the installed build: version and the WHEEL facts."""

    version: str
    tags: frozenset[Tag]
    build: str | None = None
    python_version: str | None = None
    platform_hint: str | None = None


def previous_release(releases: Mapping[str, tuple[ReleaseFile, ...]], install: Install) -> Previous:
    """The release to compare ``install`` with; NoPrevious or NotComparable otherwise."""
    try:
        installed = Version(install.version)
    except InvalidVersion:
        raise NotComparable(
            f"version {install.version!r} is not PEP 440: the releases before it cannot be told"
        ) from None
    cutoff = _first_upload(releases, installed)
    candidates = _earlier(releases, installed)
    usable = 0
    for version, key in candidates:
        files = tuple(
            f for f in releases[key] if not f.yanked and (cutoff is None or f.uploaded < cutoff)
        )
        if not files:
            continue
        usable += 1
        choice = choose_wheel(
            files,
            install.tags,
            build=install.build,
            python_version=install.python_version,
            platform_hint=install.platform_hint,
        )
        if choice is not None:
            return Previous(key, choice.file, jump(version, installed))
    if not candidates:
        raise NoPrevious("no previous release to compare: PyPI has no earlier release")
    if not usable:
        raise NoPrevious(
            f"no previous release to compare: the {len(candidates)} earlier release(s) have "
            f"no file that is not yanked and was uploaded before {install.version}"
        )
    raise NoPrevious(
        f"no previous release to compare: none of the {usable} earlier release(s) has a "
        f"wheel for {describe_tags(install.tags)}"
    )


def _earlier(
    releases: Mapping[str, tuple[ReleaseFile, ...]], installed: Version
) -> list[tuple[Version, str]]:
    """Releases below ``installed``, highest first (pre- and dev releases only for one)."""
    found: list[tuple[Version, str]] = []
    for key in releases:
        try:
            version = Version(key)
        except InvalidVersion:
            continue
        if version >= installed:
            continue
        if (version.is_prerelease or version.is_devrelease) and not installed.is_prerelease:
            continue
        found.append((version, key))
    return sorted(found, reverse=True)


def _first_upload(
    releases: Mapping[str, tuple[ReleaseFile, ...]], installed: Version
) -> datetime | None:
    """When PyPI first had the installed release (None: PyPI does not list it)."""
    uploads = [
        f.uploaded for key, files in releases.items() if _equal(key, installed) for f in files
    ]
    return min(uploads, default=None)


def _equal(key: str, version: Version) -> bool:
    try:
        return Version(key) == version
    except InvalidVersion:
        return False


def jump(old: Version, new: Version) -> str:
    """How far ``new`` moved from ``old``: a new epoch or first number is major."""
    if old.epoch != new.epoch or old.major != new.major:
        return "major"
    return "minor" if old.minor != new.minor else "patch"

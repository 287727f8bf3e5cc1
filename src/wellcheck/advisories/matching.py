"""Does an OSV record affect an installed (name, version)?  Pure functions.

Follows the OSV schema's evaluation rules (https://ossf.github.io/osv-schema/):

- only ``affected[]`` entries whose ``package.ecosystem`` is exactly ``PyPI``
  count; names are compared PEP 503-canonical;
- an explicit ``versions`` list matches by string or by PEP 440 equality;
- ``ECOSYSTEM`` ranges: events in any order are sorted by ``packaging`` Version
  (``introduced: "0"`` is minus infinity); ``introduced`` opens, ``fixed``
  closes (exclusive), ``last_affected`` closes (inclusive), ``limit`` caps the
  whole range.  ``SEMVER`` ranges are evaluated the same way, best effort.
  ``GIT`` ranges (commit hashes) are ignored;
- an event whose version is not PEP 440 is left out of its range (a ``fixed``
  dropped that way errs towards "affected", never towards "clean");
- an installed version that is not PEP 440 can only match explicit ``versions``;
  if the record has ranges for the package the verdict says it was undecidable,
  so the caller can report a SkippedCheck instead of a silent pass.

``fixed`` is the smallest ``fixed`` event above the installed version within a
range that affects it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

ECOSYSTEM = "PyPI"
_EVALUATED = frozenset({"ECOSYSTEM", "SEMVER"})
_ORDER = {"introduced": 0, "last_affected": 1, "fixed": 2}


@dataclass(frozen=True)
class Verdict:
    affected: bool
    fixed: str | None = None
    undecidable: str = ""  # non-empty: why ranges could not be evaluated


NOT_AFFECTED = Verdict(False)


def parse_version(text: object) -> Version | None:
    if not isinstance(text, str):
        return None
    return _parse(text)


@functools.lru_cache(maxsize=1 << 16)
def _parse(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None


_PLAIN = re.compile(r"[0-9]+(?:\.[0-9]+)*")


@functools.lru_cache(maxsize=1 << 16)
def _plain_key(text: str) -> tuple[int, ...] | None:
    """Release tuple without trailing zeros for plain "N(.N)*" strings, else None.

    Two plain versions are PEP 440-equal exactly when these keys are equal; this
    avoids building a Version for each of the (often hundreds of) listed versions.
    """
    if not _PLAIN.fullmatch(text):
        return None
    parts = [int(p) for p in text.split(".")]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def _release_key(version: Version) -> tuple[int, ...] | None:
    """The _plain_key of a Version that is a plain release, else None."""
    if version.epoch or version.pre or version.post is not None or version.dev is not None:
        return None
    if version.local:
        return None
    parts = list(version.release)
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def pypi_entries(record: Mapping[str, Any], name: str) -> Iterator[Mapping[str, Any]]:
    """The ``affected[]`` entries of ``record`` for the canonical PyPI ``name``."""
    affected = record.get("affected")
    if not isinstance(affected, list):
        return
    for entry in affected:
        if not isinstance(entry, dict):
            continue
        package = entry.get("package")
        if not isinstance(package, dict) or package.get("ecosystem") != ECOSYSTEM:
            continue
        raw = package.get("name")
        if isinstance(raw, str) and canonicalize_name(raw) == name:
            yield entry


def affected_names(record: Mapping[str, Any]) -> set[str]:
    """Canonical PyPI package names a record mentions (for the index)."""
    names: set[str] = set()
    affected = record.get("affected")
    for entry in affected if isinstance(affected, list) else ():
        package = entry.get("package") if isinstance(entry, dict) else None
        if isinstance(package, dict) and package.get("ecosystem") == ECOSYSTEM:
            raw = package.get("name")
            if isinstance(raw, str) and raw.strip():
                names.add(canonicalize_name(raw))
    return names


def _events(rng: Mapping[str, Any]) -> _Range:
    """Parsed (version, kind) events sorted per OSV, and the limit versions."""
    parsed: list[tuple[Version | None, str]] = []
    limits: list[Version] = []
    events = rng.get("events")
    for event in events if isinstance(events, list) else ():
        if not isinstance(event, dict):
            continue
        for kind, raw in event.items():
            if kind == "introduced" and raw == "0":
                parsed.append((None, kind))
                continue
            version = parse_version(raw)
            if version is None:
                continue
            if kind == "limit":
                limits.append(version)
            elif kind in _ORDER:
                parsed.append((version, kind))
    parsed.sort(key=lambda p: ((0,) if p[0] is None else (1, p[0]), _ORDER[p[1]]))
    return _Range(tuple(parsed), tuple(limits))


@dataclass(frozen=True)
class _Range:
    events: tuple[tuple[Version | None, str], ...]
    limits: tuple[Version, ...]

    def affects(self, version: Version) -> bool:
        affected = False
        for bound, kind in self.events:
            if kind == "introduced" and (bound is None or version >= bound):
                affected = True
            elif bound is not None and (
                (kind == "fixed" and version >= bound)
                or (kind == "last_affected" and version > bound)
            ):
                affected = False
        return affected and not any(version >= limit for limit in self.limits)

    def fixes_above(self, version: Version) -> list[Version]:
        return [b for b, k in self.events if k == "fixed" and b is not None and b > version]


@dataclass(frozen=True)
class _Entry:
    ranges: tuple[_Range, ...]  # ECOSYSTEM and SEMVER only
    raw: frozenset[str]  # the ``versions`` list as written
    plain: frozenset[tuple[int, ...]]  # its plain releases, as _plain_key
    other: tuple[Version, ...]  # its other PEP 440 versions

    def lists(self, text: str, version: Version | None) -> bool:
        if text in self.raw:
            return True
        if version is None:
            return False
        key = _release_key(version)
        return (key is not None and key in self.plain) or version in self.other


def _compile_entry(entry: Mapping[str, Any]) -> _Entry:
    ranges = entry.get("ranges")
    compiled = tuple(
        _events(r)
        for r in (ranges if isinstance(ranges, list) else ())
        if isinstance(r, dict) and r.get("type") in _EVALUATED
    )
    listed = entry.get("versions")
    raw = frozenset(v for v in (listed if isinstance(listed, list) else ()) if isinstance(v, str))
    plain: set[tuple[int, ...]] = set()
    other: list[Version] = []
    for item in raw:
        key = _plain_key(item)
        if key is not None:
            plain.add(key)
        elif (parsed := parse_version(item)) is not None:
            other.append(parsed)
    return _Entry(compiled, raw, frozenset(plain), tuple(other))


class CompiledRecord:
    """One record's evaluation data for one package, parsed once, evaluated per version."""

    def __init__(self, record: Mapping[str, Any], name: str) -> None:
        self.entries = tuple(_compile_entry(e) for e in pypi_entries(record, name))

    def verdict(self, version: str) -> Verdict:
        """Whether the record affects ``version`` (withdrawal aside)."""
        parsed = parse_version(version)
        fixes: list[Version] = []
        affected = False
        undecidable = ""
        for entry in self.entries:
            if parsed is None:
                if entry.lists(version, None):
                    affected = True
                elif entry.ranges:
                    undecidable = f"version {version!r} is not PEP 440; ranges not evaluated"
                continue
            hits = [r for r in entry.ranges if r.affects(parsed)]
            if hits:
                affected = True
                # the smallest fix above the version within each range that affects it
                fixes.extend(min(f) for r in hits if (f := r.fixes_above(parsed)))
            elif entry.lists(version, parsed):
                affected = True
                fixes.extend(f for r in entry.ranges for f in r.fixes_above(parsed))
        if affected:
            return Verdict(True, str(min(fixes)) if fixes else None)
        return Verdict(False, undecidable=undecidable)

    def fixes_above(self, version: str) -> str | None:
        """Smallest ``fixed`` event above ``version`` in any evaluated range.

        For records a remote service says affect a version the local evaluation
        does not (e.g. GIT-only ranges): the best fix hint available.
        """
        parsed = parse_version(version)
        if parsed is None:
            return None
        fixes = [f for e in self.entries for r in e.ranges for f in r.fixes_above(parsed)]
        return str(min(fixes)) if fixes else None


def match_record(record: Mapping[str, Any], name: str, version: str) -> Verdict:
    """Whether ``record`` affects canonical ``name`` at ``version`` (withdrawal aside)."""
    return CompiledRecord(record, name).verdict(version)


def fixes_above(record: Mapping[str, Any], name: str, version: str) -> str | None:
    """See CompiledRecord.fixes_above."""
    return CompiledRecord(record, name).fixes_above(version)

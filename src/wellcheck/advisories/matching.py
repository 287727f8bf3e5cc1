"""Does an OSV record affect an installed (name, version)?  Pure functions.

Follows the OSV schema's evaluation rules (https://ossf.github.io/osv-schema/):

- only ``affected[]`` entries whose ``package.ecosystem`` is exactly ``PyPI``
  count; names are compared PEP 503-canonical;
- an explicit ``versions`` list matches by string or by PEP 440 equality;
- ``ECOSYSTEM`` ranges: events in any order, compared as ``packaging`` Versions
  (``introduced: "0"`` is minus infinity).  Each ``introduced`` opens an interval
  that the nearest ``fixed`` above it closes (exclusive) or the nearest
  ``last_affected`` at or above it (inclusive); the range is the union of its
  intervals.  That is the schema's sorted walk, except where an ``introduced`` and
  a ``fixed`` share a version: records that list a range as several
  introduced/fixed pairs (PYSEC-2022-42972: [0.13.0, 0.14.0rc1) and
  [0.12.2, 0.13.0); PYSEC-2023-72) mean the union, and a walk that meets
  ``introduced 0.13.0`` before ``fixed 0.13.0`` leaves 0.13.0 out of it.  A
  ``fixed`` equal to an ``introduced`` with no ``introduced`` below it closes
  that one (an empty interval).  ``limit`` events bound the range: a version is
  in it only below *any* limit (the schema's ``BeforeLimits``; ``*`` is
  infinity).  ``SEMVER`` ranges are evaluated the same way, best effort.
  ``GIT`` ranges (commit hashes) are ignored;
- an event whose version is not PEP 440 is left out of its range (a ``fixed``
  dropped that way errs towards "affected", never towards "clean"; so does a
  ``limit`` dropped that way: the range is not bounded);
- an installed version that is not PEP 440 can only match explicit ``versions``;
  if the record has ranges for the package the verdict says it was undecidable,
  so the caller can report a SkippedCheck instead of a silent pass.

``fixed`` is the ``fixed`` event that ends the affected stretch holding the
installed version (its intervals merged), so it is never itself affected.
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
    """The range's intervals, merged, and its limits (None: not bounded)."""
    opens: list[Version | None] = []
    closes: list[tuple[Version, str]] = []
    limits: list[Version] = []
    unbounded = False
    events = rng.get("events")
    for event in events if isinstance(events, list) else ():
        if not isinstance(event, dict):
            continue
        for kind, raw in event.items():
            if kind == "introduced" and raw == "0":
                opens.append(None)
                continue
            version = parse_version(raw)
            if kind == "limit" and version is None:
                unbounded = True  # "*" is infinity; an unreadable limit errs to affected
            elif kind == "limit" and version is not None:
                limits.append(version)
            elif version is None:
                continue
            elif kind == "introduced":
                opens.append(version)
            elif kind in ("fixed", "last_affected"):
                closes.append((version, kind))
    intervals = [i for lo in opens if (i := _interval(lo, opens, closes)) is not None]
    return _Range(_merged(intervals), None if unbounded or not limits else max(limits))


def _interval(
    lo: Version | None, opens: list[Version | None], closes: list[tuple[Version, str]]
) -> _Interval | None:
    """The interval ``introduced: lo`` opens; None when a ``fixed`` at ``lo`` empties it."""
    emptied = lo is not None and (lo, "fixed") in closes
    if emptied and not any(other is None or (lo is not None and other < lo) for other in opens):
        return None  # nothing below for that fixed to close: it closes this one
    above = [
        (version, kind)
        for version, kind in closes
        if lo is None or version > lo or (kind == "last_affected" and version == lo)
    ]
    if not above:
        return _Interval(lo, None)
    version, kind = min(above, key=lambda c: (c[0], c[1] != "fixed"))  # fixed is the tighter
    return _Interval(lo, version, inclusive=kind == "last_affected")


def _merged(intervals: list[_Interval]) -> tuple[_Interval, ...]:
    """Overlapping or touching intervals joined, in order: each stretch of versions once."""
    if len(intervals) < 2:
        return tuple(intervals)  # most ranges: one introduced, one fixed
    merged: list[_Interval] = []
    for interval in sorted(intervals, key=lambda i: (i.lo is not None, i.lo or _ZERO)):
        last = merged[-1] if merged else None
        if last is not None and last.reaches(interval.lo):
            merged[-1] = last.joined(interval)
        else:
            merged.append(interval)
    return tuple(merged)


_ZERO = Version("0")


@dataclass(frozen=True)
class _Interval:
    lo: Version | None  # None: below every version (``introduced: "0"``)
    hi: Version | None  # None: no upper end
    inclusive: bool = False  # ``hi`` is a ``last_affected`` (affected), else a ``fixed``

    def contains(self, version: Version) -> bool:
        if self.lo is not None and version < self.lo:
            return False
        if self.hi is None:
            return True
        return version <= self.hi if self.inclusive else version < self.hi

    def reaches(self, lo: Version | None) -> bool:
        """Whether an interval starting at ``lo`` (not below this one's start) joins this one."""
        if self.hi is None or lo is None:
            return True
        return lo <= self.hi

    def joined(self, other: _Interval) -> _Interval:
        if self.hi is None or other.hi is None:
            return _Interval(self.lo, None)
        if (other.hi, other.inclusive) > (self.hi, self.inclusive):
            return _Interval(self.lo, other.hi, other.inclusive)
        return self


@dataclass(frozen=True)
class _Range:
    intervals: tuple[_Interval, ...]  # merged, in order
    limit: Version | None  # affected only below it (the highest ``limit``); None: no bound

    def hit(self, version: Version) -> _Interval | None:
        """The merged interval holding ``version``, if the range affects it."""
        if self.limit is not None and version >= self.limit:
            return None
        return next((i for i in self.intervals if i.contains(version)), None)

    def affects(self, version: Version) -> bool:
        return self.hit(version) is not None

    def fix_for(self, version: Version) -> Version | None:
        """The ``fixed`` that ends the affected stretch holding ``version``."""
        interval = self.hit(version)
        return None if interval is None or interval.inclusive else interval.hi

    def fixes_above(self, version: Version) -> list[Version]:
        ends = (i.hi for i in self.intervals if not i.inclusive and i.hi is not None)
        return [end for end in ends if end > version]


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
                # the fix that ends the affected stretch, in each range that affects it
                fixes.extend(f for r in hits if (f := r.fix_for(parsed)) is not None)
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

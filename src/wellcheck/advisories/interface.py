"""The advisory-source seam: one small interface, one file per implementation.

A source answers "which advisories affect these (name, version) pairs?" and
says which pairs it could not consult (``SkippedCheck``); it never raises for
network trouble.  Names are canonical (PEP 503) on the way in and out.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from wellcheck.models import Severity, SkippedCheck

Pair = tuple[str, str]  # (canonical name, version)


@dataclass(frozen=True)
class Advisory:
    """One OSV record as it applies to one installed (name, version)."""

    id: str
    aliases: tuple[str, ...] = ()
    summary: str = ""  # one line: OSV summary, or the first line of details
    details: str = ""  # shortened details
    severity: Severity = Severity.UNKNOWN
    score: float | None = None  # CVSS v3 base score, else the v4 score, when a vector is given
    fixed: str | None = None  # smallest fixed version above the installed one
    malicious: bool = False  # MAL- record: a known malicious package
    url: str | None = None
    published: str | None = None
    modified: str | None = None
    withdrawn: str | None = None


@dataclass(frozen=True)
class SourceResult:
    advisories: Mapping[Pair, Sequence[Advisory]] = field(default_factory=dict)
    skipped: tuple[SkippedCheck, ...] = ()


class AdvisorySource(abc.ABC):
    name: str  # used as SkippedCheck.source: "osv-offline", "osv-api", "pip-audit"

    @abc.abstractmethod
    def query(self, packages: Sequence[Pair]) -> SourceResult:
        """Advisories for each pair; pairs that could not be consulted are skipped.

        Pairs without advisories may be absent from ``advisories``.
        """

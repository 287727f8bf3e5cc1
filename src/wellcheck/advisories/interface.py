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


@dataclass(frozen=True)
class PurlResult:
    """What a source says about packages of any ecosystem, by purl (with its version)."""

    advisories: Mapping[str, Sequence[Advisory]] = field(default_factory=dict)
    skipped: Mapping[str, str] = field(default_factory=dict)  # purl -> why it failed
    not_covered: Mapping[str, str] = field(default_factory=dict)  # purl -> why it cannot


class AdvisorySource(abc.ABC):
    name: str  # used as SkippedCheck.source: "osv-offline", "osv-api", "pip-audit"

    @abc.abstractmethod
    def query(self, packages: Sequence[Pair]) -> SourceResult:
        """Advisories for each pair; pairs that could not be consulted are skipped.

        Pairs without advisories may be absent from ``advisories``.
        """

    def query_purls(self, purls: Sequence[str]) -> PurlResult:
        """Advisories for packages a distribution bundles (``pkg:cargo/...@1.0``).

        A purl the source could not consult is ``skipped`` (the scan is incomplete); one
        it holds no advisories for by design (another ecosystem than it covers) is
        ``not_covered``.  This default answers ``pkg:pypi`` purls through ``query`` and
        says every other is not covered: a PyPI-only source.
        """
        from wellcheck.inventory.sbom_fields import pypi_purl

        pairs: dict[str, Pair] = {}
        not_covered: dict[str, str] = {}
        for purl in purls:
            parsed = pypi_purl(purl)
            if parsed is not None and parsed[1]:
                pairs[purl] = parsed
            else:
                not_covered[purl] = f"the {self.name} source holds PyPI advisories only"
        result = self.query(sorted(set(pairs.values()))) if pairs else SourceResult()
        failed = {(s.package, s.version): s.reason for s in result.skipped}
        whole = next((s.reason for s in result.skipped if s.package is None), None)
        if whole is not None:  # the source as a whole failed: none of them was checked
            failed = dict.fromkeys(pairs.values(), whole)
        return PurlResult(
            advisories={
                p: result.advisories[pair] for p, pair in pairs.items() if pair in result.advisories
            },
            skipped={p: failed[pair] for p, pair in pairs.items() if pair in failed},
            not_covered=not_covered,
        )

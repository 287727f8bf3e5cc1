"""Typosquat signal: does a name imitate a popular PyPI project?

``check_name`` answers for one name; ``TyposquatCheck`` turns the inventory's
components into findings.  The popular list and its index are loaded lazily
once per process.  A list that cannot be loaded makes the check "not checked"
(SkippedCheck source "popular-names"), never "nothing detected".
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import canonicalize_name

from wellcheck.checks import Check, CheckContext, CheckResult
from wellcheck.models import Component, ComponentKind, Finding, Severity, SkippedCheck
from wellcheck.signals.popular import PopularList, PopularListError, load_popular
from wellcheck.signals.typo_allowlist import Allowlist, load_allowlist
from wellcheck.signals.typo_index import Match, TypoIndex, squash

SOURCE = "popular-names"
THRESHOLD = 0.6  # a score at or above this makes a suspect

# How much each transformation says about intent, before rank, length and place.
WEIGHTS: dict[str, float] = {
    "lookalike": 0.95,
    "swap": 0.85,
    "doubled-letter": 0.8,
    "dropped-letter": 0.8,
    "keyboard": 0.75,
    "insertion": 0.7,
    "deletion": 0.7,
    "substitution": 0.7,
    "plural": 0.7,
    "singular": 0.7,
    "trailing-digit": 0.65,
    "affix": 0.66,
    "separator": 0.65,
    "reordered-words": 0.65,
    "combination": 0.6,
    "typo-with-suffix": 0.7,
}
# Where a one-character edit happens: legitimate near-names mostly differ at the
# ends (a "c"/"a"/"g" prefix, a version digit, a suffix letter); typos anywhere.
PLACE_FACTORS: dict[str, float] = {"inside": 1.0, "start": 0.9, "end": 0.9, "digit": 0.6}
RANK_FACTORS: tuple[tuple[int, float], ...] = ((100, 1.0), (1000, 0.9), (5000, 0.85))
RANK_FACTOR_REST = 0.8
LENGTH_FACTORS: dict[int, float] = {1: 0.6, 2: 0.6, 3: 0.6, 4: 0.6, 5: 0.9, 6: 0.9}
KNOWN_WORD_FACTOR = 0.8  # the changed word is a real word other popular names use
# Affixes: adding or swapping a word ("python3-", "-py") is the classic squat;
# a dropped affix or a bare version number is what legitimate forks do too.
AFFIX_FACTORS: dict[str, float] = {
    "added": 1.0,
    "swapped": 1.0,
    "added-digit": 0.95,
    "dropped": 0.85,
    "dropped-digit": 0.95,
}
COMBINATION_TOP = 50  # both halves of a combination must rank at least this high
REMEDIATION = (
    "Check that {name!r} is the project you meant to install; if you meant {target!r}, "
    "replace it and rotate any credentials the environment held."
)


@dataclass(frozen=True)
class TyposquatVerdict:
    name: str  # canonical
    suspect: bool
    target: str | None = None  # the imitated project
    transformation: str | None = None
    target_rank: int | None = None
    score: float = 0.0
    rank: int | None = None  # the name's own rank in the list, if any
    other: str | None = None  # second project of a combination


def rank_factor(rank: int) -> float:
    """A squat of a top-100 name weighs more than one of a name ranked 4,000th."""
    for limit, factor in RANK_FACTORS:
        if rank <= limit:
            return factor
    return RANK_FACTOR_REST


def length_factor(target: str) -> float:
    """One character on a short name is weak evidence: short names sit close together."""
    return LENGTH_FACTORS.get(len(squash(target)), 1.0)


def score_match(match: Match, names: Sequence[str], rank_of: Mapping[str, int]) -> float:
    base = WEIGHTS[match.transformation]
    if match.transformation == "combination":
        second = rank_of.get(match.detail, len(names))
        fits = max(match.target + 1, second) <= COMBINATION_TOP
        return round(base * (1.0 if fits else 0.8), 3)
    score = base * rank_factor(match.target + 1)
    if match.transformation == "affix":
        score *= AFFIX_FACTORS[match.place]
    elif match.place:
        score *= PLACE_FACTORS[match.place] * length_factor(names[match.target])
    return round(score, 3)


class TyposquatDetector:
    """The index over one popular list, plus the allowlist of legitimate near-names."""

    def __init__(
        self,
        popular: PopularList,
        allowlist: Allowlist | None = None,
        index: TypoIndex | None = None,
    ) -> None:
        self.popular = popular
        self.index = index if index is not None else TypoIndex(popular.names)
        self.allowlist = allowlist if allowlist is not None else load_allowlist()

    def score(self, name: str, match: Match, limit: int) -> float:
        """The match's score; an edit that turns a typo into a word popular names use
        (``faiss-gpu`` beside ``faiss-cpu``) counts less."""
        score = score_match(match, self.index.names, self.index.rank_of)
        target = self.index.names[match.target]
        if (
            match.place in PLACE_FACTORS
            and match.transformation not in ("plural", "singular")
            and self.index.known_word(name, target, limit)
        ):
            score = round(score * KNOWN_WORD_FACTOR, 3)
        return score

    def check(self, name: str, *, top: int | None = None) -> TyposquatVerdict:
        """The verdict for ``name``; ``top`` limits which ranks count as popular."""
        canonical = canonicalize_name(name)
        own_rank = self.index.rank_of.get(canonical)
        limit = len(self.index.names) if top is None else max(0, top)
        if own_rank is not None and own_rank <= limit:
            return TyposquatVerdict(canonical, False, rank=own_rank)
        best: tuple[float, int, Match] | None = None
        for match in self.index.matches(canonical, limit):
            target = self.index.names[match.target]
            if self.allowlist.allows(canonical, target):
                continue
            key = (self.score(canonical, match, limit), -match.target, match)
            if best is None or key[:2] > best[:2]:
                best = key
        if best is None:
            return TyposquatVerdict(canonical, False, rank=own_rank)
        score, _, match = best
        return TyposquatVerdict(
            canonical,
            score >= THRESHOLD,
            self.index.names[match.target],
            match.transformation,
            match.target + 1,
            score,
            own_rank,
            match.detail or None,
        )


@functools.cache
def default_detector() -> TyposquatDetector:
    """The detector over the user's (or the bundled) popular list, built once."""
    return TyposquatDetector(load_popular())


def check_name(name: str, *, top: int | None = None) -> TyposquatVerdict:
    """Is ``name`` a suspected typosquat of one of the ``top`` most popular projects?

    Raises PopularListError when the popular list cannot be loaded.
    """
    return default_detector().check(name, top=top)


def severity_for(score: float) -> Severity:
    if score >= 0.85:
        return Severity.HIGH
    if score >= 0.7:
        return Severity.MEDIUM
    return Severity.LOW


def confidence_for(score: float) -> str:
    if score >= 0.85:
        return "high"
    return "medium" if score >= 0.7 else "low"


def finding_for(component: Component, verdict: TyposquatVerdict) -> Finding:
    own = f"rank {verdict.rank}" if verdict.rank else "not among the popular projects"
    via = verdict.transformation or ""
    if verdict.other:
        via = f"{via} with {verdict.other!r}"
    evidence = (
        f"{component.name!r} ({own}) looks like {verdict.target!r} "
        f"(rank {verdict.target_rank}) by {via}; score {verdict.score:.2f}"
    )
    rule = f"WC-TYPO-{(verdict.transformation or 'unknown').upper()}"
    return Finding(
        kind="typosquat",
        rule=rule,
        package=component.name,
        version=component.version,
        severity=severity_for(verdict.score),
        title=f"possible typosquat of {verdict.target}",
        location=component.display_location,
        confidence=confidence_for(verdict.score),
        evidence=evidence,
        remediation=REMEDIATION.format(name=component.name, target=verdict.target),
    )


class TyposquatCheck(Check):
    """Flags components whose names imitate popular projects (offline)."""

    name = "typosquat"

    def __init__(
        self,
        *,
        top: int | None = None,
        popular_path: Path | None = None,
        allow: Iterable[str] = (),
    ) -> None:
        self.top = top
        self.popular_path = popular_path
        self.allow = tuple(allow)

    def detector(self) -> TyposquatDetector:
        if self.popular_path is not None:
            allowlist = load_allowlist(extra=self.allow)
            return TyposquatDetector(load_popular(self.popular_path), allowlist)
        base = default_detector()
        if not self.allow:
            return base
        return TyposquatDetector(base.popular, load_allowlist(extra=self.allow), base.index)

    def run(self, components: Sequence[Component], context: CheckContext) -> CheckResult:
        try:
            detector = self.detector()
        except PopularListError as exc:
            return CheckResult(skipped=(SkippedCheck(SOURCE, str(exc)),))
        findings: list[Finding] = []
        for component in components:
            if component.kind is ComponentKind.UNCLAIMED:
                continue
            verdict = detector.check(component.name, top=self.top)
            if verdict.suspect:
                findings.append(finding_for(component, verdict))
        return CheckResult(findings=tuple(findings))

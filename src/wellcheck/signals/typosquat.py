"""Typosquat signal: does a name imitate a popular PyPI project?

``check_name`` answers for one name; ``TyposquatCheck`` turns the inventory's
components into findings.  The popular list and its index are loaded lazily
once per process.  A list that cannot be loaded makes the check "not checked"
(SkippedCheck source "popular-names"), never "nothing detected".

How a name is scored (every rule is general; the only per-name entries are the
documented allowlist of legitimate near-names):

* ``typo_index`` finds every popular name (rank <= --top) the name reaches by one
  transformation (one edit, look-alike, separators, affixes, reordered words,
  combinations) and ``typo_distance`` adds names two edits away, for long names
  and the DISTANCE2_TOP most popular targets only.
* The match's score is the transformation's weight (WEIGHTS: how much it says
  about intent) times a target-popularity prior (``rank_factor``: 1.0 for the top
  100, then 0.1 less per tenfold rank, so a squat of a top-100 name weighs more),
  times factors for where a one-character edit happens, the target's length,
  the kind of affix, the two-edit cost, and whether the changed word is one that
  popular names use.  The best-scoring match is the verdict.
* Suspect prior: a name that is itself among the popular projects (ranked, but
  below --top) is an established project, so its score is multiplied by
  OWN_RANK_FACTOR; a name nobody downloads gets no such discount.
* THRESHOLD was chosen from the trade-off curve that bench/typosquat_quality.py
  prints (recall against false positives, with and without the suspect prior).
  Scores below 0.7 are reported as low-severity, low-confidence findings.
"""

from __future__ import annotations

import functools
import math
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
THRESHOLD = 0.5  # a score at or above this makes a suspect
# A name that is itself among the popular projects (ranked, but below --top) is an
# established project: its score is scaled down, so it needs much stronger evidence
# (a raw score of THRESHOLD / OWN_RANK_FACTOR) than a name nobody downloads.
OWN_RANK_FACTOR = 0.65

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
    "two-edits": 0.7,
}
# Where a one-character edit happens: legitimate near-names mostly differ at the
# ends (a "c"/"a"/"g" prefix, a version digit, a suffix letter); typos anywhere.
PLACE_FACTORS: dict[str, float] = {"inside": 1.0, "start": 0.9, "end": 0.9, "digit": 0.6}
# Target popularity prior: 1.0 for the top 100, then 0.1 less per tenfold rank.
RANK_FULL = 100
RANK_SLOPE = 0.1
RANK_FLOOR = 0.75
# Two-edit matches: the weighted cost (typo_distance.edit_cost) says how typo-like.
TWO_EDIT_COST_FACTORS: tuple[tuple[float, float], ...] = ((1.0, 1.0), (1.5, 0.9))
TWO_EDIT_COST_REST = 0.8
LENGTH_FACTORS: dict[int, float] = {1: 0.6, 2: 0.6, 3: 0.6, 4: 0.6, 5: 0.9, 6: 0.9}
KNOWN_WORD_FACTOR = 0.7  # the changed word is a real word other popular names use
# Affixes: adding or swapping a word ("python3-", "-py") is the classic squat;
# a dropped affix or a bare version number is what legitimate forks do too.
AFFIX_FACTORS: dict[str, float] = {
    "added": 1.0,
    "swapped": 0.95,
    "added-digit": 0.95,
    "dropped": 0.75,
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
    """A squat of a top-100 name weighs more than one of a name ranked 4,000th (log scale)."""
    if rank <= RANK_FULL:
        return 1.0
    return max(RANK_FLOOR, 1.0 - RANK_SLOPE * math.log10(rank / RANK_FULL))


def two_edit_factor(cost: float) -> float:
    for limit, factor in TWO_EDIT_COST_FACTORS:
        if cost <= limit:
            return factor
    return TWO_EDIT_COST_REST


def length_factor(target: str, transformation: str) -> float:
    """One character on a short name is weak evidence: short names sit close together.

    A swap keeps every letter, so it is less often a different real word: it gets
    half the penalty.
    """
    factor = LENGTH_FACTORS.get(len(squash(target)), 1.0)
    return (1.0 + factor) / 2 if transformation == "swap" else factor


def score_match(match: Match, names: Sequence[str], rank_of: Mapping[str, int]) -> float:
    base = WEIGHTS[match.transformation]
    if match.transformation == "combination":
        second = rank_of.get(match.detail, len(names))
        fits = max(match.target + 1, second) <= COMBINATION_TOP
        return round(base * (1.0 if fits else 0.8), 3)
    score = base * rank_factor(match.target + 1)
    if match.transformation == "two-edits":
        score *= two_edit_factor(match.cost)
    elif match.transformation == "affix":
        score *= AFFIX_FACTORS[match.place]
    elif match.place:
        score *= PLACE_FACTORS[match.place] * length_factor(
            names[match.target], match.transformation
        )
    return round(score, 3)


class TyposquatDetector:
    """The index over one popular list, plus the allowlist of legitimate near-names."""

    def __init__(
        self,
        popular: PopularList,
        allowlist: Allowlist | None = None,
        index: TypoIndex | None = None,
        own_rank_factor: float = OWN_RANK_FACTOR,
    ) -> None:
        self.popular = popular
        self.index = index if index is not None else TypoIndex(popular.names)
        self.allowlist = allowlist if allowlist is not None else load_allowlist()
        self.own_rank_factor = own_rank_factor  # 1.0 judges ranked names like unknown ones

    def score(self, name: str, match: Match, limit: int) -> float:
        """The match's score; an edit that turns a typo into a word popular names use
        (``faiss-gpu`` beside ``faiss-cpu``), or two edits that leave a name made of
        such words (``zip-files`` beside ``aiofiles``), count less."""
        score = score_match(match, self.index.names, self.index.rank_of)
        target = self.index.names[match.target]
        if match.place in PLACE_FACTORS and match.transformation not in ("plural", "singular"):
            known = self.index.known_word(name, target, limit)
        else:
            known = match.transformation == "two-edits" and self.index.all_known_words(name, limit)
        if known:
            score = round(score * KNOWN_WORD_FACTOR, 3)
        return score

    def check(self, name: str, *, top: int | None = None) -> TyposquatVerdict:
        """The verdict for ``name``; ``top`` limits which ranks count as popular."""
        canonical = canonicalize_name(name)
        own_rank = self.index.rank_of.get(canonical)
        limit = len(self.index.names) if top is None else max(0, top)
        if own_rank is not None and own_rank <= limit:
            return TyposquatVerdict(canonical, False, rank=own_rank)
        # the two-edit search is skipped when its best score could not make a suspect
        bound = WEIGHTS["two-edits"] * (1.0 if own_rank is None else self.own_rank_factor)
        if bound >= THRESHOLD and self.index.all_known_words(canonical, limit):
            bound *= KNOWN_WORD_FACTOR
        two_edits = bound >= THRESHOLD
        best: tuple[float, int, Match] | None = None
        for match in self.index.matches(canonical, limit, two_edits):
            target = self.index.names[match.target]
            if self.allowlist.allows(canonical, target):
                continue
            key = (self.score(canonical, match, limit), -match.target, match)
            if best is None or key[:2] > best[:2]:
                best = key
        if best is None:
            return TyposquatVerdict(canonical, False, rank=own_rank)
        score, _, match = best
        if own_rank is not None:
            score = round(score * self.own_rank_factor, 3)
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

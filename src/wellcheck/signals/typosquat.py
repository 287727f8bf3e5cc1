"""Typosquat signal: does a name imitate a popular PyPI project?

``check_name`` answers for one name; ``TyposquatCheck`` turns the inventory's
components into findings.  The popular list and its index are loaded lazily
once per process.  A list that cannot be loaded makes the check "not checked"
(SkippedCheck source "popular-names"), never "nothing detected".

How a name is scored (every rule is general; the only per-name entries are the
documented allowlist of legitimate near-names):

* A name ranked within --top is popular: never a suspect.  Every other name,
  including one ranked below --top, is judged by its shape alone: the suspect's
  own download rank plays no part in its score.
* ``typo_index`` finds every popular name (rank <= --top) the name reaches by one
  transformation (one edit, look-alike, separators, affixes, reordered words,
  combinations) and ``typo_distance`` adds names two edits away (long names, the
  DISTANCE2_TOP most popular targets only).
* The match's score is the transformation's weight (WEIGHTS: how much it says
  about intent) times a target-popularity prior (``rank_factor``: 1.0 for the
  top 100, then RANK_SLOPE less per tenfold rank, down to RANK_FLOOR, so squats
  of top-100 names weigh most and a target ranked 3,000th weighs ~0.6), times
  factors for where a one-character edit happens, the target's length (short
  names collide naturally), the kind of affix, the two-edit cost and place, and
  whether the changed word is one that popular names use.  Two edits that keep
  the start and the end of the name are typos; two edits at an end are how
  legitimate variants are named (``pytest-cover``, ``deprecat``); two plain
  edits, neither a keyboard or look-alike slip, count fully only against top-500
  targets.  A combination of two popular names counts fully only when both are
  among the COMBINATION_TOP, and even then stays below THRESHOLD on its own
  (``pytest-rich``, ``pydantic-numpy``: plugins are named so).  The
  best-scoring match is the verdict.
* The factors were set from the distributions bench/typosquat_quality.py prints
  (which rule produces the false positives on ranks 5,001-15,000 against the top
  5,000, which the labelled squats), and THRESHOLD from its trade-off table: the
  lowest threshold (in steps of 0.01) that keeps that false-positive rate at or
  below 0.3%.  The labelled set informed the factors too, so its recall figures
  are in-sample.  Scores below 0.7 are reported as low-severity, low-confidence
  findings.
* In a scan the installed distribution can say more than its name
  (``typo_evidence``): a near-name scoring at least CORROBORATION_FLOOR that
  claims the target's repository, installs the target's import package or ships
  a start-up file is reported as WC-TYPO-BORROWED-IDENTITY, high; a suspect with
  such evidence becomes high too.  bench/typosquat_corroboration.py measures how
  often legitimate near-names carry that evidence; the floor keeps the
  findings on ranks 5,001-15,000 within the name-only budget (0.3%).  With
  ``--pypi``, a near-name PyPI does not know is critical (pypi_meta).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import canonicalize_name

from wellcheck.checks import Check, CheckContext, CheckResult, component_finding
from wellcheck.models import Component, ComponentKind, Finding, Severity, SkippedCheck
from wellcheck.signals.popular import PopularList, PopularListError, load_popular
from wellcheck.signals.typo_allowlist import Allowlist, load_allowlist
from wellcheck.signals.typo_evidence import corroboration
from wellcheck.signals.typo_index import DIGITS, Match, TypoIndex, squash

SOURCE = "popular-names"
THRESHOLD = 0.62  # a score at or above this makes a suspect

# How much each transformation says about intent, before rank, length and place.
WEIGHTS: dict[str, float] = {
    "lookalike": 0.95,
    "swap": 0.95,
    "doubled-letter": 0.85,
    "dropped-letter": 0.85,
    "keyboard": 0.8,
    "insertion": 0.75,
    "deletion": 0.75,
    "substitution": 0.75,
    "plural": 0.75,
    "singular": 0.75,
    "separator": 0.75,
    "typo-with-suffix": 0.75,
    "two-edits": 0.8,
    "affix": 0.7,
    "reordered-words": 0.7,
    "trailing-digit": 0.65,
    "combination": 0.6,
}
# Where a one-character edit happens: legitimate near-names mostly differ at the
# ends (a "c"/"a"/"g" prefix, a version digit, a suffix letter); typos anywhere.
PLACE_FACTORS: dict[str, float] = {"inside": 1.0, "start": 0.85, "end": 0.9, "digit": 0.6}
# Target popularity prior: 1.0 for the top 100, then RANK_SLOPE less per tenfold rank.
RANK_FULL = 100
RANK_SLOPE = 0.25
RANK_FLOOR = 0.4
# Two-edit matches: the weighted cost (typo_distance.edit_cost) says how typo-like;
# edits that touch the first two letters or the last one say "variant", not "typo".
TWO_EDIT_COST_FACTORS: tuple[tuple[float, float], ...] = ((1.5, 1.0), (2.0, 0.95))
TWO_EDIT_COST_REST = 0.9
TWO_EDIT_KEPT_START = 2  # letters the query shares with the target's start ...
TWO_EDIT_KEPT_END = 1  # ... and with its end (version number aside)
TWO_EDIT_AT_END_FACTOR = 0.8
# Two plain edits (no keyboard or look-alike slip) only count fully on top-500 targets.
TWO_PLAIN_EDITS_COST = 1.5  # a cost above this means neither edit was a slip
TWO_PLAIN_EDITS_TOP = 500
TWO_PLAIN_EDITS_FACTOR = 0.7
# One character on a short name is weak evidence: short names sit close together.
LENGTH_FACTORS: dict[int, float] = {1: 0.6, 2: 0.6, 3: 0.6, 4: 0.6, 5: 0.8, 6: 0.85, 7: 0.95}
KNOWN_WORD_FACTOR = 0.7  # the changed word is a real word other popular names use
# Affixes: adding or swapping a word ("python3-", "-py") is the classic squat;
# a dropped affix or a bare version number is what legitimate forks do too.
AFFIX_FACTORS: dict[str, float] = {
    "added": 1.0,
    "swapped": 1.0,
    "added-digit": 0.95,
    "dropped": 0.75,
    "dropped-digit": 0.9,
}
# A near-name scoring below THRESHOLD but at least this much is reported when the
# installed distribution corroborates it (typo_evidence: borrowed repository,
# shadowed import package, start-up hook).
CORROBORATION_FLOOR = 0.55
COMBINATION_TOP = 50  # both halves of a combination must rank at least this high
COMBINATION_OTHER_FACTOR = 0.7  # ... else the combination counts this much
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


def _common_prefix(a: str, b: str) -> int:
    size = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        size += 1
    return size


def two_edit_factor(query: str, target: str, rank: int, cost: float) -> float:
    """Cheap (slip) edits inside the name weigh most; edits at either end less, and
    two plain edits of a target ranked below TWO_PLAIN_EDITS_TOP much less.

    ``query`` and ``target`` are squashed; the target's version number is set
    aside when comparing ends (``beautifilsoup`` keeps the end of ``beautifulsoup4``).
    """
    factor = TWO_EDIT_COST_REST
    for limit, value in TWO_EDIT_COST_FACTORS:
        if cost <= limit:
            factor = value
            break
    if cost > TWO_PLAIN_EDITS_COST and rank > TWO_PLAIN_EDITS_TOP:
        factor *= TWO_PLAIN_EDITS_FACTOR
    core = target.rstrip(DIGITS)
    kept_start = _common_prefix(query, core)
    kept_end = _common_prefix(query[::-1], core[::-1])
    if kept_start < TWO_EDIT_KEPT_START or kept_end < TWO_EDIT_KEPT_END:
        factor *= TWO_EDIT_AT_END_FACTOR
    return factor


def length_factor(target: str, transformation: str) -> float:
    """One character on a short name is weak evidence: short names sit close together.

    A swap keeps every letter, so it is less often a different real word: it gets
    half the penalty.
    """
    factor = LENGTH_FACTORS.get(len(squash(target)), 1.0)
    return (1.0 + factor) / 2 if transformation == "swap" else factor


def score_match(name: str, match: Match, names: Sequence[str], rank_of: Mapping[str, int]) -> float:
    """The score of ``match`` for the canonical ``name`` (before the known-word factor)."""
    base = WEIGHTS[match.transformation]
    if match.transformation == "combination":
        second = rank_of.get(match.detail, len(names))
        fits = max(match.target + 1, second) <= COMBINATION_TOP
        return round(base * (1.0 if fits else COMBINATION_OTHER_FACTOR), 3)
    score = base * rank_factor(match.target + 1)
    if match.transformation == "two-edits":
        target = squash(names[match.target])
        score *= two_edit_factor(squash(name), target, match.target + 1, match.cost)
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
    ) -> None:
        self.popular = popular
        self.index = index if index is not None else TypoIndex(popular.names)
        self.allowlist = allowlist if allowlist is not None else load_allowlist()

    def score(self, name: str, match: Match, limit: int) -> float:
        """The match's score; an edit that turns a typo into a word popular names use
        (``faiss-gpu`` beside ``faiss-cpu``), or two edits that leave a name made of
        such words (``zip-files`` beside ``aiofiles``), count less."""
        score = score_match(name, match, self.index.names, self.index.rank_of)
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
        bound = WEIGHTS["two-edits"]
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


def finding_for(
    component: Component, verdict: TyposquatVerdict, evidence: tuple[str, ...] = ()
) -> Finding:
    """The finding for a suspect name, or for a near-name that ``evidence`` corroborates.

    Corroborated findings are high severity whatever the name's score: the
    distribution claims the target's identity, not only its spelling.
    """
    own = f"rank {verdict.rank}" if verdict.rank else "not among the popular projects"
    via = verdict.transformation or ""
    if verdict.other:
        via = f"{via} with {verdict.other!r}"
    text = (
        f"{component.name!r} ({own}) looks like {verdict.target!r} "
        f"(rank {verdict.target_rank}) by {via}; score {verdict.score:.2f}"
    )
    severity, confidence = severity_for(verdict.score), confidence_for(verdict.score)
    rule = f"WC-TYPO-{(verdict.transformation or 'unknown').upper()}"
    if evidence:
        text = f"{text}; and {'; '.join(evidence)}"
        severity, confidence = Severity.HIGH, "high"
        if not verdict.suspect:
            rule = "WC-TYPO-BORROWED-IDENTITY"
    return component_finding(
        component,
        "typosquat",
        rule,
        severity,
        f"possible typosquat of {verdict.target}",
        confidence=confidence,
        evidence=text,
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
            if verdict.target is None:
                continue
            near = verdict.suspect or verdict.score >= CORROBORATION_FLOOR
            evidence = corroboration(component, verdict.target) if near else ()
            if verdict.suspect or evidence:
                findings.append(finding_for(component, verdict, evidence))
        return CheckResult(findings=tuple(findings))

"""Name variants and the index that finds which popular names a name imitates.

No pairwise distance: every popular name is indexed once under the keys a
squat would share with it (its separator-free form, its one-deletion
neighbourhood, its look-alike skeleton, its affix-free cores, its sorted
words).  A query generates the same keys for the candidate, looks them up and
classifies the few hits with a direct comparison; multi-word candidates are
also split into popular names (``requests-pandas``) and checked for a misspelt
first word (``matplitlib-terminal``).  Scoring lives in ``typosquat``.  All strings here are PEP 503
canonical names (lower case, ``-`` as the only separator).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from wellcheck.signals.typo_distance import DISTANCE2_TOP, HALF, TwoEditIndex, edit_cost

SEPARATOR = "-"
DIGITS = "0123456789"
# Look-alike spellings, longest first: each pair maps to the same skeleton.  The
# ASCII confusables that homoglyph generators such as dnstwist agree on.
LOOKALIKES: tuple[tuple[str, str], ...] = (
    ("rn", "m"),
    ("nn", "m"),
    ("vv", "w"),
    ("cl", "d"),
    ("0", "o"),
    ("1", "l"),
    ("i", "l"),
    ("5", "s"),
    ("q", "g"),
    ("n", "m"),
    ("v", "u"),
)
LOOKALIKE_CHARS = {
    frozenset(pair)
    for pair in (
        ("0", "o"),
        ("1", "l"),
        ("1", "i"),
        ("i", "l"),
        ("5", "s"),
        ("q", "g"),
        ("m", "n"),
        ("u", "v"),
    )
}
_ROWS = ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm")
_STAGGER = (0.0, 0.5, 0.75, 1.25)  # how far each keyboard row is shifted right
_POS = {ch: (r, c + _STAGGER[r]) for r, row in enumerate(_ROWS) for c, ch in enumerate(row)}
PREFIXES = ("python3-", "python-", "python", "py3-", "py3", "py-", "py", "lib-", "lib")
SUFFIXES = (
    "-python3",
    "-python",
    "python",
    "-py3",
    "-py",
    "py",
    "-lib",
    "lib",
    "-dev",
    "-sdk",
)


def squash(name: str) -> str:
    """The name without separators (``setup-tools`` -> ``setuptools``)."""
    return name.replace(SEPARATOR, "")


def skeleton(squashed: str) -> str:
    for seq, repl in LOOKALIKES:
        squashed = squashed.replace(seq, repl)
    return squashed


def deletions(word: str) -> Iterator[str]:
    for i in range(len(word)):
        yield word[:i] + word[i + 1 :]


def keyboard_neighbours(a: str, b: str) -> bool:
    pa, pb = _POS.get(a), _POS.get(b)
    if pa is None or pb is None:
        return False
    return abs(pa[0] - pb[0]) <= 1 and abs(pa[1] - pb[1]) <= 1.0


def slip(a: str, b: str) -> bool:
    """Is writing ``a`` for ``b`` a typing or reading slip (neighbour key, look-alike)?"""
    return frozenset((a, b)) in LOOKALIKE_CHARS or keyboard_neighbours(a, b)


WORD_AFFIX = 1  # cores() flags: a word affix was removed ("python-", "-py", "-dev")
DIGIT_AFFIX = 2  # a version number was removed ("2", "3")


def cores(name: str) -> dict[str, int]:
    """The squashed name with at most one known prefix and one known suffix removed.

    Maps each core to how it was reached (WORD_AFFIX, DIGIT_AFFIX bits), so a bare
    version number can weigh less than a word and two different version numbers
    (``iso8601``, ``pyiso8583``) are not taken for one name.
    """
    found: dict[str, int] = {}
    full = squash(name)
    heads = [(name, 0)] + [(name[len(p) :], WORD_AFFIX) for p in PREFIXES if name.startswith(p)]
    dated = name.lstrip(DIGITS + SEPARATOR)  # a leading year or version ("2022-requests")
    if dated != name and name[0].isdigit():
        heads.append((dated, DIGIT_AFFIX))
    for head, flags in heads:
        tails = [(head, flags)]
        for suffix in SUFFIXES:
            if head.endswith(suffix):
                tails.append((head[: -len(suffix)], flags | WORD_AFFIX))
        for tail, tail_flags in list(tails):
            stripped = tail.rstrip("0123456789")
            if stripped != tail:
                tails.append((stripped, tail_flags | DIGIT_AFFIX))
        for tail, tail_flags in tails:
            core = squash(tail)
            if len(core) < 3 or core == full:
                continue
            seen = found.get(core)
            if seen is None or (seen & DIGIT_AFFIX and not tail_flags & DIGIT_AFFIX):
                found[core] = tail_flags
    return found


def words(name: str) -> tuple[str, ...]:
    return tuple(w for w in name.split(SEPARATOR) if w)


def _where(i: int, size: int) -> str:
    if i == 0:
        return "start"
    return "end" if i >= size - 1 else "inside"


def classify_edit(q: str, p: str) -> tuple[str, str] | None:
    """The single edit taking squashed ``p`` to squashed ``q`` and where it happens.

    Returns ``(transformation, place)`` with place "start", "inside", "end" or
    "digit" (the edit changes a digit, as version-like names do), or None.
    """
    lq, lp = len(q), len(p)
    if lq == lp + 1:
        for i in range(lq):
            if q[:i] + q[i + 1 :] == p:
                return _inserted(q, i)
        return None
    if lq == lp - 1:
        for i in range(lp):
            if p[:i] + p[i + 1 :] == q:
                return _deleted(p, i)
        return None
    if lq != lp:
        return None
    diff = [i for i in range(lq) if q[i] != p[i]]
    if len(diff) == 1:
        i = diff[0]
        a, b = q[i], p[i]
        if frozenset((a, b)) in LOOKALIKE_CHARS:
            return "lookalike", _where(i, lq)
        if a.isdigit() or b.isdigit():
            return ("trailing-digit" if i == lq - 1 else "substitution"), "digit"
        kind = "keyboard" if keyboard_neighbours(a, b) else "substitution"
        return kind, _where(i, lq)
    if len(diff) == 2 and diff[1] == diff[0] + 1:
        i, j = diff
        if q[i] == p[j] and q[j] == p[i]:
            return "swap", _where(i, lq - 1)
    return None


def _inserted(q: str, i: int) -> tuple[str, str]:
    size = len(q)
    if i == size - 1 and q[i] == "s":
        return "plural", "end"
    if q[i].isdigit():
        return ("trailing-digit" if i == size - 1 else "insertion"), "digit"
    if (i > 0 and q[i - 1] == q[i]) or (i + 1 < size and q[i + 1] == q[i]):
        return "doubled-letter", _where(i, size)
    return "insertion", _where(i, size)


def _deleted(p: str, i: int) -> tuple[str, str]:
    size = len(p)
    if i == size - 1 and p[i] == "s":
        return "singular", "end"
    if p[i].isdigit():
        return ("trailing-digit" if i == size - 1 else "deletion"), "digit"
    if (i > 0 and p[i - 1] == p[i]) or (i + 1 < size and p[i + 1] == p[i]):
        return "dropped-letter", _where(i, size)
    return "deletion", _where(i, size)


@dataclass(frozen=True)
class Match:
    target: int  # index into the name table (rank - 1)
    transformation: str
    place: str = ""  # where a one-character edit happens: start, inside, end, digit
    detail: str = ""  # the second project of a combination
    cost: float = 0.0  # weighted cost of a two-edit match (typo_distance.edit_cost)


class TypoIndex:
    """Variant maps over ranked canonical names (``names[i]`` has rank ``i + 1``)."""

    def __init__(self, names: Sequence[str]) -> None:
        self.names = tuple(names)
        self.squashed = tuple(squash(name) for name in self.names)
        self.rank_of: dict[str, int] = {}
        self.by_squash: dict[str, int] = {}
        # one-deletion neighbourhoods: key -> index, or a list when several share it
        self.by_deletion: dict[str, int | list[int]] = {}
        self.by_skeleton: dict[str, list[int]] = {}
        self.by_core: dict[str, list[tuple[int, int]]] = {}
        self.by_words: dict[tuple[str, ...], list[int]] = {}
        self.word_rank: dict[str, int] = {}  # best rank of a name using the word
        by_deletion = self.by_deletion
        for index, name in enumerate(self.names):
            if not name or name in self.rank_of:
                continue
            self.rank_of[name] = index + 1
            sq = self.squashed[index]
            self.by_squash.setdefault(sq, index)
            for key in {sq, *deletions(sq)}:
                seen = by_deletion.get(key)
                if seen is None:
                    by_deletion[key] = index
                elif isinstance(seen, int):
                    by_deletion[key] = [seen, index]
                else:
                    seen.append(index)
            self.by_skeleton.setdefault(skeleton(sq), []).append(index)
            for core, flags in cores(name).items():
                self.by_core.setdefault(core, []).append((index, flags))
            ws = words(name)
            for word in ws:
                self.word_rank.setdefault(word, index + 1)
            if len(ws) > 1:
                self.by_words.setdefault(tuple(sorted(ws)), []).append(index)

    @functools.cached_property
    def two_edit(self) -> TwoEditIndex:
        """The two-edit index over the DISTANCE2_TOP most popular names, built on first use."""
        return TwoEditIndex(self.squashed, DISTANCE2_TOP)

    def near(self, key: str) -> Sequence[int]:
        """Indexes of the names whose one-deletion neighbourhood holds ``key``."""
        found = self.by_deletion.get(key)
        if found is None:
            return ()
        return (found,) if isinstance(found, int) else found

    def known_word(self, name: str, target: str, top: int) -> bool:
        """Is the word in which ``name`` differs from ``target`` used by a popular name?

        Legitimate near-names are composed of real words (``faiss-gpu`` beside
        ``faiss-cpu``, ``websocket`` inside ``websocket-client``); typos are not.
        """
        mine, theirs = words(name), words(target)
        if len(mine) != len(theirs):
            return False
        changed = [w for w, t in zip(mine, theirs, strict=True) if w != t]
        return len(changed) == 1 and self.word_rank.get(changed[0], top + 1) <= top

    def all_known_words(self, name: str, top: int) -> bool:
        """Is ``name`` two or more words, each used by a popular name (``zip-files``)?"""
        mine = words(name)
        return len(mine) > 1 and all(self.word_rank.get(w, top + 1) <= top for w in mine)

    def matches(self, name: str, top: int, two_edits: bool = True) -> list[Match]:
        """Every popular name (rank <= top) that ``name`` reaches by one transformation.

        ``two_edits=False`` skips the (costlier) two-edit search.
        """
        out: list[Match] = []
        sq = squash(name)
        exact = self.by_squash.get(sq)
        if exact is not None and exact < top and self.names[exact] != name:
            out.append(Match(exact, "separator"))
        seen: set[int] = set()
        by_deletion = self.by_deletion
        for key in (sq, *deletions(sq)):
            found = by_deletion.get(key)
            if found is None:
                continue
            for target in (found,) if isinstance(found, int) else found:
                if target < top and target not in seen:
                    edit = classify_edit(sq, self.squashed[target])
                    if edit is not None:
                        seen.add(target)
                        out.append(Match(target, edit[0], edit[1]))
        if two_edits:
            out.extend(self._two_edits(sq, top, seen))
        for target in self.by_skeleton.get(skeleton(sq), ()):
            if target < top and self.squashed[target] != sq:
                out.append(Match(target, "lookalike"))
        out.extend(self._affix_matches(name, sq, top))
        ws = words(name)
        if len(ws) > 1:
            out.extend(self._typo_with_suffix(ws, top))
            for target in self.by_words.get(tuple(sorted(ws)), ()):
                if target < top and self.names[target] != name:
                    out.append(Match(target, "reordered-words"))
            out.extend(self._combinations(ws, top))
        return out

    def _two_edits(self, sq: str, top: int, seen: set[int]) -> Iterator[Match]:
        """Popular names exactly two edits from ``sq`` (long names, top targets only)."""
        for target in self.two_edit.candidates(sq, top):
            if target in seen:
                continue
            full = self.squashed[target]
            edits, cost = edit_cost(sq, full, slip)
            core = full.rstrip(DIGITS)
            if edits > 2 and core != full:
                # up to two edits from the name without its version number
                # (beautifulsoup4): the dropped number adds to the cost, not the edits
                edits, cost = edit_cost(sq, core, slip)
                edits, cost = max(edits, 2), cost + HALF
            if edits == 2:
                yield Match(target, "two-edits", cost=cost)

    def _affix_matches(self, name: str, sq: str, top: int) -> Iterator[Match]:
        """Affixes added (``pytorch``), dropped (``urllib``) or swapped (``python3-x``).

        The place says which, with "-digit" when only a version number differs.
        """
        mine = cores(name)
        for core, flags in mine.items():
            target = self.by_squash.get(core)
            if target is not None and target < top:
                yield Match(target, "affix", "added-digit" if flags == DIGIT_AFFIX else "added")
        for target, flags in self.by_core.get(sq, ()):
            if target < top:
                place = "dropped-digit" if flags == DIGIT_AFFIX else "dropped"
                yield Match(target, "affix", place)
        for core, flags in mine.items():
            for target, their_flags in self.by_core.get(core, ()):
                both_numbered = flags & their_flags & DIGIT_AFFIX
                if target < top and self.squashed[target] != sq and not both_numbered:
                    yield Match(target, "affix", "swapped")

    def _typo_with_suffix(self, ws: tuple[str, ...], top: int) -> Iterator[Match]:
        """``matplitlib-terminal``: a misspelt popular name followed by other words."""
        head = ws[0]
        if len(head) < 6 or self.word_rank.get(head, top + 1) <= top:
            return
        for key in (head, *deletions(head)):
            for target in self.near(key):
                name = self.names[target]
                if target < top and SEPARATOR not in name:
                    edit = classify_edit(head, name)
                    if edit is not None and edit[1] != "digit":
                        yield Match(target, "typo-with-suffix", edit[1])

    def _combinations(self, ws: tuple[str, ...], top: int) -> Iterator[Match]:
        for cut in range(1, len(ws)):
            left = self.rank_of.get(SEPARATOR.join(ws[:cut]))
            right = self.rank_of.get(SEPARATOR.join(ws[cut:]))
            if left is None or right is None or left > top or right > top:
                continue
            first, second = sorted((left, right))
            yield Match(first - 1, "combination", detail=self.names[second - 1])

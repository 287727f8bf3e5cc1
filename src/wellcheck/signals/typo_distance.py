"""Two-edit matches against the most popular names, found by an index.

A squat two edits away from its target (``tensorfioi``, ``beautifulsoop``)
is caught only for names of DISTANCE2_MIN_LENGTH to DISTANCE2_MAX_LENGTH
characters (two edits must leave most of the name intact; longer queries have
neighbourhoods too big to search quickly) and only against the DISTANCE2_TOP
most popular projects (the ones worth imitating twice over).  A target is also
reached without its trailing version number (``beautifulsoup4``); the dropped
number then adds HALF to the cost.

The index is the symmetric-deletion one (as in SymSpell): every target is
stored under each string reached by deleting at most two of its characters; a
query generates the same strings for itself, and any shared key marks a
candidate within two edits, confirmed by ``edit_cost``.  No pairwise scan.

``edit_cost`` is a restricted Damerau-Levenshtein distance whose costs follow
how typos happen: a keyboard-neighbour or look-alike substitution and an
adjacent swap cost HALF, other edits cost 1.  All strings are squashed
canonical names (no separators).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

DISTANCE2_MIN_LENGTH = 8
DISTANCE2_MAX_LENGTH = 16
DISTANCE2_TOP = 1000
HALF = 0.5


def deletions_upto2(word: str) -> set[str]:
    """``word`` and every string reached by deleting one or two of its characters."""
    once = [word[:i] + word[i + 1 :] for i in range(len(word))]
    out = {w[:j] + w[j + 1 :] for i, w in enumerate(once) for j in range(i, len(w))}
    out.update(once)
    out.add(word)
    return out


def edit_cost(a: str, b: str, cheap: Callable[[str, str], bool]) -> tuple[int, float]:
    """(edit distance, weighted cost) taking ``b`` to ``a`` (restricted Damerau).

    The distance is the fewest edits; the cost is that of the cheapest way to make
    those few edits: ``cheap(x, y)`` says whether substituting ``y`` by ``x`` is a
    typing or reading slip (keyboard neighbours, look-alikes); those and adjacent
    swaps cost HALF, other edits 1.
    """
    cols = len(b) + 1
    # each cell holds (edits, cost); tuples compare edits first, then cost
    prev2: list[tuple[int, float]] = []
    prev = [(j, float(j)) for j in range(cols)]
    for i in range(1, len(a) + 1):
        row = [(i, float(i))]
        x = a[i - 1]
        for j in range(1, cols):
            y = b[j - 1]
            edits, cost = prev[j - 1]
            step = 0.0 if x == y else HALF if cheap(x, y) else 1.0
            best = (edits + (x != y), cost + step)
            edits, cost = prev[j]
            best = min(best, (edits + 1, cost + 1.0))
            edits, cost = row[j - 1]
            best = min(best, (edits + 1, cost + 1.0))
            if i > 1 and j > 1 and x == b[j - 2] and a[i - 2] == y and x != y:
                edits, cost = prev2[j - 2]
                best = min(best, (edits + 1, cost + HALF))
            row.append(best)
        prev2, prev = prev, row
    return prev[-1]


class TwoEditIndex:
    """Deletion neighbourhoods (up to two deletions) of the top squashed names."""

    def __init__(self, squashed: Sequence[str], top: int = DISTANCE2_TOP) -> None:
        self.squashed = squashed
        by_key: dict[str, list[int]] = {}
        for index, word in enumerate(squashed[:top]):
            keys: set[str] = set()
            # a target is also reached without its version number (beautifulsoup4)
            for form in {word, word.rstrip("0123456789")}:
                if len(form) >= DISTANCE2_MIN_LENGTH:
                    keys |= deletions_upto2(form)
            for key in keys:
                by_key.setdefault(key, []).append(index)
        # tuples, which the garbage collector stops tracking, keep its passes cheap
        self.by_key: dict[str, tuple[int, ...]] = {k: tuple(v) for k, v in by_key.items()}

    def candidates(self, word: str, top: int) -> list[int]:
        """Targets (index < top) whose neighbourhood shares a key with ``word``'s."""
        if not DISTANCE2_MIN_LENGTH <= len(word) <= DISTANCE2_MAX_LENGTH:
            return []
        shared = self.by_key.keys() & deletions_upto2(word)
        found = {target for key in shared for target in self.by_key[key] if target < top}
        return sorted(found)

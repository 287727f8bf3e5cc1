"""Two-edit matches against the most popular names, found by an index.

A squat two edits away from its target (``tensorfioi``, ``beautifulsoop``)
is caught only for long names (DISTANCE2_MIN_LENGTH characters or more, so
that two edits still leave most of the name intact) and only against the
DISTANCE2_TOP most popular projects (the ones worth imitating twice over).

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
DISTANCE2_MAX_LENGTH = 16  # longer queries: neighbourhoods too big to be worth it
DISTANCE2_TOP = 1000
MAX_EDITS = 2
HALF = 0.5


def deletions_upto2(word: str) -> set[str]:
    """``word`` and every string reached by deleting one or two of its characters."""
    once = [word[:i] + word[i + 1 :] for i in range(len(word))]
    out = {w[:j] + w[j + 1 :] for i, w in enumerate(once) for j in range(i, len(w))}
    out.update(once)
    out.add(word)
    return out


def edit_cost(a: str, b: str, cheap: Callable[[str, str], bool]) -> tuple[int, float]:
    """(number of edits, weighted cost) taking ``b`` to ``a`` (restricted Damerau).

    ``cheap(x, y)`` says whether substituting ``y`` by ``x`` is a typing or
    reading slip (keyboard neighbours, look-alikes); those and adjacent swaps
    cost HALF.
    """
    rows = len(a) + 1
    cols = len(b) + 1
    count = [[0] * cols for _ in range(rows)]
    cost = [[0.0] * cols for _ in range(rows)]
    for i in range(rows):
        count[i][0], cost[i][0] = i, float(i)
    for j in range(cols):
        count[0][j], cost[0][j] = j, float(j)
    for i in range(1, rows):
        for j in range(1, cols):
            x, y = a[i - 1], b[j - 1]
            if x == y:
                options = [(cost[i - 1][j - 1], count[i - 1][j - 1])]
            else:
                step = HALF if cheap(x, y) else 1.0
                options = [(cost[i - 1][j - 1] + step, count[i - 1][j - 1] + 1)]
            options.append((cost[i - 1][j] + 1.0, count[i - 1][j] + 1))
            options.append((cost[i][j - 1] + 1.0, count[i][j - 1] + 1))
            if i > 1 and j > 1 and x == b[j - 2] and a[i - 2] == y and x != y:
                options.append((cost[i - 2][j - 2] + HALF, count[i - 2][j - 2] + 1))
            best = min(options)
            cost[i][j], count[i][j] = best
    return count[-1][-1], cost[-1][-1]


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

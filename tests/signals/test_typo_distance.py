"""Two-edit index: neighbourhoods, the typo-weighted edit cost, and completeness."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from wellcheck.signals.typo_distance import (
    DISTANCE2_MIN_LENGTH,
    TwoEditIndex,
    deletions_upto2,
    edit_cost,
)
from wellcheck.signals.typo_index import slip


def osa(a: str, b: str) -> int:
    """Plain restricted Damerau-Levenshtein distance, for reference."""
    d = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            d[i][j] = min(
                d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1])
            )
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[-1][-1]


def test_deletion_neighbourhood_holds_every_one_and_two_deletion() -> None:
    keys = deletions_upto2("abcd")
    assert keys == {"abcd", "bcd", "acd", "abd", "abc", "cd", "bd", "bc", "ad", "ac", "ab"}


def test_typing_slips_cost_half_and_plain_edits_cost_one() -> None:
    assert edit_cost("tensorfioi", "tensorflow", slip) == (2, 1.5)  # i/l look-alike, w->i
    assert edit_cost("reqeusts", "requests", slip) == (1, 0.5)  # adjacent swap
    assert edit_cost("requestsaa", "requests", slip) == (2, 2.0)  # two insertions
    assert edit_cost("requests", "requests", slip) == (0, 0.0)


WORDS = st.text(alphabet="abcde", min_size=DISTANCE2_MIN_LENGTH, max_size=10)


@settings(max_examples=300, deadline=None)
@given(target=WORDS, query=WORDS)
def test_index_finds_every_target_within_two_edits(target: str, query: str) -> None:
    index = TwoEditIndex([target])
    found = 0 in index.candidates(query, 1)
    if osa(query, target) <= 2:
        assert found
    assert edit_cost(query, target, lambda x, y: False)[0] == osa(query, target)


def test_only_the_top_targets_are_candidates() -> None:
    index = TwoEditIndex(["tensorflow", "matplotlib"], top=1)
    assert index.candidates("tensorfioi", 2) == [0]
    assert index.candidates("matplitlii", 2) == []  # matplotlib is not among the top 1
    assert index.candidates("tensorfioi", 0) == []  # --top below the target's rank

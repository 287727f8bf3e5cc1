"""OSV range evaluation: table-driven positives and negatives, plus properties."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from osvdata import record
from packaging.version import Version

from wellcheck.advisories.matching import fixes_above, match_record

INTRO, FIX, LA, LIM = "introduced", "fixed", "last_affected", "limit"
PYSPARK = [{INTRO: "0"}, {FIX: "3.1.1"}, {INTRO: "3.2.0"}, {FIX: "3.2.2"}]  # then one more pair

# (case, events, installed version, affected?, fix offered)
RANGES: list[tuple[str, list[dict[str, str]], str, bool, str | None]] = [
    ("below fix", [{INTRO: "0"}, {FIX: "2.31.0"}], "2.25.1", True, "2.31.0"),
    ("at fix", [{INTRO: "0"}, {FIX: "2.31.0"}], "2.31.0", False, None),
    ("above fix", [{INTRO: "0"}, {FIX: "2.31.0"}], "2.32.0", False, None),
    ("at introduced", [{INTRO: "2.3.0"}, {FIX: "2.31.0"}], "2.3.0", True, "2.31.0"),
    ("before introduced", [{INTRO: "2.3.0"}, {FIX: "2.31.0"}], "2.2.1", False, None),
    (
        "events out of order",
        [{FIX: "1.26.17"}, {INTRO: "2.0.0"}, {FIX: "2.0.6"}, {INTRO: "0"}],
        "1.26.4",
        True,
        "1.26.17",
    ),
    (
        "second interval",
        [{INTRO: "2.0.0"}, {FIX: "2.0.6"}, {INTRO: "0"}, {FIX: "1.26.17"}],
        "2.0.3",
        True,
        "2.0.6",
    ),
    (
        "between intervals",
        [{INTRO: "2.0.0"}, {FIX: "2.0.6"}, {INTRO: "0"}, {FIX: "1.26.17"}],
        "1.26.17",
        False,
        None,
    ),
    ("last_affected inclusive", [{INTRO: "1.0"}, {LA: "1.4"}], "1.4", True, None),
    ("after last_affected", [{INTRO: "1.0"}, {LA: "1.4"}], "1.4.1", False, None),
    ("open ended", [{INTRO: "1.0"}], "99.0", True, None),
    ("limit caps the range", [{INTRO: "0"}, {LIM: "3.0"}], "3.1", False, None),
    ("under the limit", [{INTRO: "0"}, {LIM: "3.0"}], "2.9", True, None),
    ("pre-release below fix", [{INTRO: "0"}, {FIX: "2.0.0"}], "2.0.0rc1", True, "2.0.0"),
    ("post-release of fix", [{INTRO: "0"}, {FIX: "2.0.0"}], "2.0.0.post1", False, None),
    ("normalised spelling", [{INTRO: "0"}, {FIX: "5.4"}], "5.3.1", True, "5.4"),
    (
        "calendar versions",
        [{INTRO: "2017.11.5"}, {FIX: "2022.12.7"}],
        "2020.12.5",
        True,
        "2022.12.7",
    ),
    (
        "invalid fix dropped errs to affected",
        [{INTRO: "0"}, {FIX: "2019-09-12"}],
        "1.0",
        True,
        None,
    ),
    (
        "two fixes: smallest above",
        [{INTRO: "0"}, {FIX: "1.5"}, {INTRO: "1.6"}, {FIX: "1.9"}],
        "1.7",
        True,
        "1.9",
    ),
    # issue 12: several limits widen the range (below ANY limit, the schema's BeforeLimits)
    (
        "below the higher of two limits",
        [{INTRO: "0"}, {LIM: "2.0"}, {LIM: "3.0"}],
        "2.5",
        True,
        None,
    ),
    ("above both limits", [{INTRO: "0"}, {LIM: "3.0"}, {LIM: "2.0"}], "3.0", False, None),
    ("limit * is infinity", [{INTRO: "1.0"}, {LIM: "2.0"}, {LIM: "*"}], "7.0", True, None),
    ("limit above a fix", [{INTRO: "0"}, {FIX: "1.5"}, {LIM: "3.0"}], "2.0", False, None),
    # issue 12: introduced and fixed on one version: each pair is an interval, the union counts
    (
        "PYSEC-2022-42972 shape: at the shared version",
        [{INTRO: "0.13.0"}, {FIX: "0.14.0rc1"}, {INTRO: "0.12.2"}, {FIX: "0.13.0"}],
        "0.13.0",
        True,
        "0.14.0rc1",
    ),
    (
        "PYSEC-2022-42972 shape: below it, the fix ends the whole stretch",
        [{INTRO: "0.13.0"}, {FIX: "0.14.0rc1"}, {INTRO: "0.12.2"}, {FIX: "0.13.0"}],
        "0.12.6",
        True,
        "0.14.0rc1",
    ),
    (
        "PYSEC-2023-72 shape: inside the pair that starts at a fix",
        [*PYSPARK, {INTRO: "3.1.1"}, {FIX: "3.2.0"}],
        "3.2.0",
        True,
        "3.2.2",
    ),
    (
        "PYSEC-2022-236 shape: a real gap stays clean",
        [*PYSPARK, {INTRO: "3.1.1"}, {FIX: "3.1.3"}],
        "3.1.3",
        False,
        None,
    ),
    (
        "introduced and fixed alone on one version: empty",
        [{INTRO: "1.0"}, {FIX: "1.0"}],
        "1.0",
        False,
        None,
    ),
    (
        "an empty pair below a real one",
        [{INTRO: "1.0"}, {FIX: "1.0"}, {INTRO: "2.0"}, {FIX: "3.0"}],
        "1.5",
        False,
        None,
    ),
    ("last_affected on the introduced version", [{INTRO: "1.0"}, {LA: "1.0"}], "1.0", True, None),
]


@pytest.mark.parametrize(
    ("events", "version", "affected", "fixed"), [c[1:] for c in RANGES], ids=[c[0] for c in RANGES]
)
def test_ecosystem_ranges(
    events: list[dict[str, str]], version: str, affected: bool, fixed: str | None
) -> None:
    verdict = match_record(record("PYSEC-1", "pkg", events), "pkg", version)
    assert (verdict.affected, verdict.fixed) == (affected, fixed)


def _with(affected: list[dict[str, Any]]) -> dict[str, Any]:
    return {"id": "X-1", "affected": affected}


PKG = {"ecosystem": "PyPI", "name": "Jinja2"}
CASES: list[tuple[str, dict[str, Any], str, str, bool]] = [
    (
        "name compared canonically",
        _with([{"package": PKG, "versions": ["2.11.2"]}]),
        "jinja2",
        "2.11.2",
        True,
    ),
    ("other package", _with([{"package": PKG, "versions": ["2.11.2"]}]), "jinja", "2.11.2", False),
    (
        "other ecosystem ignored",
        _with([{"package": {"ecosystem": "npm", "name": "jinja2"}, "versions": ["2.11.2"]}]),
        "jinja2",
        "2.11.2",
        False,
    ),
    (
        "ecosystem must be exact",
        _with([{"package": {"ecosystem": "pypi", "name": "jinja2"}, "versions": ["2.11.2"]}]),
        "jinja2",
        "2.11.2",
        False,
    ),
    (
        "versions list by PEP 440 equality",
        _with([{"package": PKG, "versions": ["2.11.2.0"]}]),
        "jinja2",
        "2.11.2",
        True,
    ),
    (
        "versions list miss",
        _with([{"package": PKG, "versions": ["2.11.1"]}]),
        "jinja2",
        "2.11.2",
        False,
    ),
    (
        "non-PEP 440 installed, string match",
        _with([{"package": PKG, "versions": ["weird-1"]}]),
        "jinja2",
        "weird-1",
        True,
    ),
    (
        "GIT range ignored",
        _with(
            [
                {
                    "package": PKG,
                    "ranges": [{"type": "GIT", "events": [{INTRO: "0"}, {FIX: "abc123"}]}],
                }
            ]
        ),
        "jinja2",
        "2.11.2",
        False,
    ),
    (
        "SEMVER range evaluated",
        _with(
            [
                {
                    "package": PKG,
                    "ranges": [{"type": "SEMVER", "events": [{INTRO: "0"}, {FIX: "3.0.0"}]}],
                }
            ]
        ),
        "jinja2",
        "2.11.2",
        True,
    ),
    (
        "garbage affected entries",
        _with(["x", {"package": None}, {"package": PKG, "ranges": 7}]),
        "jinja2",
        "2.11.2",
        False,
    ),
    ("no affected at all", {"id": "X-2"}, "jinja2", "2.11.2", False),
]


@pytest.mark.parametrize(
    ("rec", "name", "version", "affected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_packages_and_version_lists(
    rec: dict[str, Any], name: str, version: str, affected: bool
) -> None:
    assert match_record(rec, name, version).affected is affected


def test_version_list_match_still_offers_the_fix_from_ranges() -> None:
    rec = _with(
        [
            {
                "package": PKG,
                "ranges": [
                    {"type": "GIT", "events": [{INTRO: "0"}, {FIX: "abc"}]},
                    {"type": "ECOSYSTEM", "events": [{INTRO: "3.0"}, {FIX: "3.1.3"}]},
                ],
                "versions": ["2.11.2"],
            }
        ]
    )
    verdict = match_record(rec, "jinja2", "2.11.2")
    assert verdict.affected and verdict.fixed == "3.1.3"
    assert fixes_above(rec, "jinja2", "2.11.2") == "3.1.3"


def test_unparseable_installed_version_with_ranges_is_undecidable_not_clean() -> None:
    verdict = match_record(
        record("X", "pkg", [{INTRO: "0"}, {FIX: "2.0"}]), "pkg", "not a version!"
    )
    assert not verdict.affected
    assert "not PEP 440" in verdict.undecidable


versions = st.builds(
    lambda parts: ".".join(map(str, parts)),
    st.lists(st.integers(min_value=0, max_value=30), min_size=1, max_size=4),
)
event_kinds = st.sampled_from([INTRO, FIX, LA, LIM])
junk = st.one_of(st.text(max_size=8), st.integers(), st.none(), st.lists(st.integers()))


@given(st.lists(st.tuples(event_kinds, versions), max_size=8), versions)
def test_any_events_in_any_order_never_crash_and_fix_is_above(
    events: list[tuple[str, str]], installed: str
) -> None:
    rec = record("P", "pkg", [{kind: v} for kind, v in events])
    verdict = match_record(rec, "pkg", installed)
    if verdict.fixed is not None:
        assert verdict.affected
        assert Version(verdict.fixed) > Version(installed)


@given(versions, versions, versions)
def test_single_interval_agrees_with_comparison(lo: str, hi: str, installed: str) -> None:
    assume(Version(lo) < Version(hi))
    rec = record("P", "pkg", [{FIX: hi}, {INTRO: lo}])
    expected = Version(lo) <= Version(installed) < Version(hi)
    assert match_record(rec, "pkg", installed).affected is expected


@given(st.dictionaries(st.text(max_size=10), junk, max_size=5), st.text(max_size=12))
def test_hostile_record_shapes_never_crash(rec: dict[str, Any], installed: str) -> None:
    rec = {"id": "J", "affected": [{"package": PKG, **rec}, rec]}
    match_record(rec, "jinja2", installed)


@st.composite
def listed_pairs(draw: st.DrawFn) -> tuple[list[tuple[int, int]], list[dict[str, str]]]:
    """Non-overlapping [lo, hi) pairs (touching allowed), their events in any order."""
    bounds = sorted(draw(st.sets(st.integers(min_value=1, max_value=40), min_size=2, max_size=9)))
    steps = list(itertools.pairwise(bounds))
    pairs = [step for step in steps if draw(st.booleans())]
    events = [e for lo, hi in pairs for e in ({INTRO: f"{lo}.0"}, {FIX: f"{hi}.0"})]
    return pairs, draw(st.permutations(events))


@given(listed_pairs(), st.integers(min_value=0, max_value=41))
def test_a_range_means_the_union_of_its_pairs(
    drawn: tuple[list[tuple[int, int]], list[dict[str, str]]], installed: int
) -> None:
    """Issue 12: whatever the order of the events and wherever pairs touch, a version is
    affected exactly when one listed pair holds it, and the fix offered ends its stretch."""
    pairs, events = drawn
    verdict = match_record(record("P", "pkg", events), "pkg", f"{installed}.0")
    holding = [(lo, hi) for lo, hi in pairs if lo <= installed < hi]
    assert verdict.affected is bool(holding)
    if holding:
        end = holding[0][1]
        while any(lo == end for lo, _ in pairs):  # touching pairs are one stretch
            end = next(hi for lo, hi in pairs if lo == end)
        assert verdict.fixed == f"{end}.0"

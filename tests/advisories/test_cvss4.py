"""CVSS v4.0 scoring against the scores FIRST publishes."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wellcheck.advisories.cvss import cvss4_level
from wellcheck.advisories.cvss4 import MACROVECTORS, cvss4_score, macrovector, parse_vector
from wellcheck.advisories.records import severity_of
from wellcheck.models import Severity

# Vectors and scores from FIRST's "CVSS v4.0 Examples" (https://www.first.org/cvss/v4.0/examples),
# the same scores the FIRST calculator (https://www.first.org/cvss/calculator/4-0) shows.
FIRST_EXAMPLES = [
    # CVE-2022-41741
    ("CVSS:4.0/AV:L/AC:L/AT:P/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 7.3),
    # CVE-2020-3549, base and with Threat E:U
    ("CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:P/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 7.7),
    ("CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:P/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U", 5.2),
    # CVE-2023-3089, base and with Environmental metrics
    ("CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:H/VI:L/VA:L/SC:N/SI:N/SA:N", 8.3),
    (
        "CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:H/VI:L/VA:L/SC:N/SI:N/SA:N"
        "/CR:H/IR:L/AR:L/MAV:N/MAC:H/MVC:H/MVI:L/MVA:L",
        8.1,
    ),
    # CVE-2021-44714
    ("CVSS:4.0/AV:L/AC:L/AT:N/PR:N/UI:A/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N", 4.6),
    # CVE-2022-21830
    ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:A/VC:N/VI:N/VA:N/SC:L/SI:L/SA:N", 5.1),
    # CVE-2022-22186
    ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:L/SI:L/SA:N", 6.9),
    # CVE-2023-21989
    ("CVSS:4.0/AV:L/AC:L/AT:N/PR:H/UI:N/VC:N/VI:N/VA:N/SC:H/SI:N/SA:N", 5.9),
    # CVE-2020-3947
    ("CVSS:4.0/AV:L/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H", 9.4),
    # CVE-2023-30560 (Supplemental metrics S and V never change the score)
    ("CVSS:4.0/AV:P/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:H/SA:N/S:P/V:D", 8.3),
    # CVE-2014-0160
    ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N/E:A", 8.7),
    # CVE-2021-44228: the top of the scale
    ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/E:A", 10.0),
    # further examples from the same page
    ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:A", 9.3),
    ("CVSS:4.0/AV:A/AC:L/AT:N/PR:N/UI:N/VC:N/VI:L/VA:N/SC:H/SI:N/SA:H", 6.4),
    ("CVSS:4.0/AV:L/AC:L/AT:N/PR:H/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/R:I", 9.3),
    ("CVSS:4.0/AV:L/AC:L/AT:P/PR:H/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/R:I", 8.7),
    ("CVSS:4.0/AV:P/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H", 8.6),
    ("CVSS:4.0/AV:L/AC:L/AT:N/PR:H/UI:N/VC:H/VI:H/VA:N/SC:N/SI:N/SA:N", 8.3),
    ("CVSS:4.0/AV:L/AC:L/AT:N/PR:H/UI:N/VC:H/VI:H/VA:N/SC:N/SI:N/SA:N/E:U", 5.6),
    ("CVSS:4.0/AV:N/AC:L/AT:N/PR:H/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N", 6.9),
    ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:L/SA:N", 6.9),
    # full Environmental vectors (MSI:S = safety impact), metrics not in spec order
    (
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/MAV:A/MAC:H/MAT:N"
        "/MPR:L/MUI:N/MVC:L/MVI:H/MVA:H/MSC:L/MSI:S/MSA:S/CR:L/IR:H/AR:H/E:P",
        7.4,
    ),
    ("CVSS:4.0/AV:A/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:N/SC:N/SI:N/SA:N/MSI:S/S:P", 9.7),
]
NO_IMPACT = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N"
TOP = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H"


@pytest.mark.parametrize(("vector", "score"), FIRST_EXAMPLES)
def test_scores_match_first_examples(vector: str, score: float) -> None:
    assert cvss4_score(vector) == score


def test_the_ends_of_the_scale() -> None:
    assert cvss4_score(TOP) == 10.0
    assert cvss4_score(NO_IMPACT) == 0.0
    # Environmental metrics that remove every impact also give 0.0
    removed = "/MVC:N/MVI:N/MVA:N/MSC:N/MSI:N/MSA:N"
    assert cvss4_score(TOP + removed) == 0.0
    assert cvss4_level(NO_IMPACT) is Severity.INFO


def test_the_macrovector_table_is_complete() -> None:
    assert len(MACROVECTORS) == 270
    assert (MACROVECTORS["000000"], MACROVECTORS["212221"]) == (10.0, 0.1)
    assert MACROVECTORS["001100"] == 9.3 and MACROVECTORS["102021"] == 5.4
    assert macrovector(parse_vector(TOP) or {}) == "000100"


@pytest.mark.parametrize(
    "vector",
    [
        "",
        "CVSS:4.0",
        "CVSS:4.0/",
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        "AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H",  # no prefix
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H",  # SA missing
        TOP.replace("AV:N", "AV:X"),  # a Base metric cannot be Not Defined
        TOP.replace("VC:H", "VC:h"),  # values are case-sensitive
        TOP + "/",
        TOP + "/AV:L",  # duplicate
        TOP + "/E:Q",  # invalid Threat value
        TOP + "/ZZ:A",  # unknown metric
        TOP + "/MSC:S",  # Safety exists only for MSI/MSA
        TOP.replace("/", "//", 1),
        TOP.replace("AC:L", "AC=L"),
    ],
)
def test_malformed_vectors_are_rejected(vector: str) -> None:
    assert cvss4_score(vector) is None
    assert cvss4_level(vector) is Severity.UNKNOWN


def test_order_of_metrics_and_surrounding_space_do_not_matter() -> None:
    head, *parts = FIRST_EXAMPLES[4][0].split("/")
    random.Random(4).shuffle(parts)
    assert cvss4_score("  " + "/".join([head, *parts]) + "\n") == 8.1


_METRIC = st.sampled_from
BASE = st.tuples(
    _METRIC("NALP"), _METRIC("LH"), _METRIC("NP"), _METRIC("NLH"), _METRIC("NPA"),
    *[_METRIC("HLN")] * 6,
)  # fmt: skip


@given(BASE, _METRIC("XAPU"), _METRIC("XHML"), _METRIC(["X", "S", "H", "L", "N"]))
def test_every_valid_vector_scores_on_the_scale(
    base: tuple[str, ...], e: str, cr: str, msi: str
) -> None:
    names = ("AV", "AC", "AT", "PR", "UI", "VC", "VI", "VA", "SC", "SI", "SA")
    vector = "CVSS:4.0/" + "/".join(f"{n}:{v}" for n, v in zip(names, base, strict=True))
    score = cvss4_score(f"{vector}/E:{e}/CR:{cr}/MSI:{msi}")
    assert score is not None and 0.0 <= score <= 10.0
    assert round(score, 1) == score
    assert cvss4_level(vector) is not Severity.UNKNOWN


def test_records_with_only_a_v4_vector_get_its_score_and_level() -> None:
    heartbleed = FIRST_EXAMPLES[11][0]
    rec = {"id": "GHSA-v4", "severity": [{"type": "CVSS_V4", "score": heartbleed}]}
    assert severity_of(rec) == (Severity.HIGH, 8.7)
    # a v3 score, when present, stays the record's score (as before v4 was scored)
    both = [
        *rec["severity"],
        {"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N"},
    ]
    assert severity_of({"id": "GHSA-both", "severity": both}) == (Severity.MEDIUM, 5.3)
    bad = {"id": "GHSA-bad", "severity": [{"type": "CVSS_V4", "score": "CVSS:4.0/AV:N"}]}
    assert severity_of(bad) == (Severity.UNKNOWN, None)


def test_a_score_on_a_rounding_tie_rounds_up_as_first_does() -> None:
    """FIRST's calculator adds 1e-6 before rounding (its 2024-11-01 fix); 8.6, not 8.5."""
    vector = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:H/VI:L/VA:N/SC:H/SI:H/SA:H"
    assert cvss4_score(vector) == 8.6

from __future__ import annotations

import pytest

from wellcheck.advisories.cvss import cvss3_base_score, level_from_score
from wellcheck.advisories.records import severity_of
from wellcheck.models import Severity

# scores as published by NVD / the FIRST calculator
V3 = [
    ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8),
    ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0),
    ("CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:C/C:H/I:N/A:N", 6.1),
    ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1),
    ("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 7.8),
    ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", 7.5),
    ("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:N", 8.1),
    ("CVSS:3.1/AV:A/AC:H/PR:H/UI:N/S:U/C:H/I:N/A:N", 4.2),
    ("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N", 5.3),
    ("CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N", 1.6),
    ("CVSS:3.1/AV:N/AC:L/PR:H/UI:R/S:C/C:L/I:L/A:N", 4.8),
    ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0.0),
]


@pytest.mark.parametrize(("vector", "score"), V3)
def test_cvss3_base_score(vector: str, score: float) -> None:
    assert cvss3_base_score(vector) == score


@pytest.mark.parametrize(
    "vector", ["", "CVSS:3.1/AV:N", "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"]
)
def test_malformed_vectors_give_no_score(vector: str) -> None:
    assert cvss3_base_score(vector) is None


@pytest.mark.parametrize(
    ("score", "level"),
    [
        (0.0, Severity.INFO),
        (0.1, Severity.LOW),
        (3.9, Severity.LOW),
        (4.0, Severity.MEDIUM),
        (6.9, Severity.MEDIUM),
        (7.0, Severity.HIGH),
        (8.9, Severity.HIGH),
        (9.0, Severity.CRITICAL),
    ],
)
def test_levels_follow_the_qualitative_scale(score: float, level: Severity) -> None:
    assert level_from_score(score) is level


def test_database_severity_wins_over_the_vector_but_the_score_is_kept() -> None:
    rec = {
        "id": "GHSA-x",
        "database_specific": {"severity": "MODERATE"},
        "severity": [{"type": "CVSS_V3", "score": V3[0][0]}],
    }
    assert severity_of(rec) == (Severity.MEDIUM, 9.8)


def test_no_severity_information_is_unknown() -> None:
    assert severity_of({"id": "PYSEC-1"}) == (Severity.UNKNOWN, None)
    assert severity_of({"id": "P", "severity": [{"type": "Ubuntu", "score": "high"}]}) == (
        Severity.UNKNOWN,
        None,
    )

"""advisories/records.py: the title a finding gets from an OSV record."""

from __future__ import annotations

import pytest

from wellcheck.advisories.records import summary_of

LONG = (
    "In the Python urllib3 library before 1.26.5, a crafted URL with many at-signs in its "
    "authority makes the authority regular expression backtrack catastrophically, which "
    "can be used for denial of service. Users should upgrade to 1.26.5 or later."
)


@pytest.mark.parametrize(
    ("record", "title"),
    [
        ({"id": "GHSA-1", "summary": "A summary", "details": "Details."}, "A summary"),
        # PYSEC records have no summary: the first sentence of the details
        (
            {"id": "PYSEC-1", "details": "Requests leaks headers. An attacker can read them."},
            "Requests leaks headers.",
        ),
        (
            {
                "id": "PYSEC-2",
                "details": "### Impact\n\nWith a proxy, e.g. Squid, it leaks.\nMore.",
            },
            "With a proxy, e.g. Squid, it leaks.",
        ),
        ({"id": "PYSEC-3", "details": "Fixed in 2.0. Upgrade."}, "Fixed in 2.0."),
        (
            {"id": "PYSEC-4", "details": "The U.S. build of 1.2.3 is affected. Next."},
            "The U.S. build of 1.2.3 is affected.",
        ),
        ({"id": "PYSEC-5", "details": "no sentence end here"}, "no sentence end here"),
        # a first sentence longer than 160 characters is still cut, with an ellipsis
        ({"id": "PYSEC-6", "details": LONG}, LONG[:159].rstrip() + "\u2026"),
        ({"id": "PYSEC-7", "details": "  "}, "PYSEC-7"),
    ],
)
def test_a_title_is_the_summary_else_the_first_sentence(record: dict[str, str], title: str) -> None:
    assert summary_of(record) == title

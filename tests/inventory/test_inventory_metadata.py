"""METADATA/PKG-INFO parsing: lenient raw step, validating extraction with warnings."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from wellcheck.inventory.metadata import (
    MAX_VALUE,
    parse_metadata,
    people,
    requires_from_egg,
)
from wellcheck.models import Person

REQUESTS = b"""Metadata-Version: 2.1
Name: requests
Version: 2.25.1
Summary: Python HTTP
  for Humans.
Home-page: https://requests.readthedocs.io
Author: Kenneth Reitz
Author-email: me@kennethreitz.org
License: Apache 2.0
Classifier: License :: OSI Approved :: Apache Software License
Classifier: Programming Language :: Python :: 3
Project-URL: Source, https://github.com/psf/requests
Requires-Python: >=2.7
Requires-Dist: idna (<3,>=2.5)
Requires-Dist: PySocks (!=1.5.7,>=1.5.6) ; extra == 'socks'

Long description with Name: not-a-header
"""


def test_well_formed_metadata_gives_every_field() -> None:
    md = parse_metadata(REQUESTS)
    assert (md.name, md.version, md.version_is_pep440) == ("requests", "2.25.1", True)
    assert md.summary == "Python HTTP for Humans."
    assert md.licenses == ("Apache 2.0", "License :: OSI Approved :: Apache Software License")
    assert md.authors == (Person("Kenneth Reitz", "me@kennethreitz.org"),)
    assert md.project_urls == (
        ("Homepage", "https://requests.readthedocs.io"),
        ("Source", "https://github.com/psf/requests"),
    )
    assert md.requires_dist == (
        "idna (<3,>=2.5)",
        "PySocks (!=1.5.7,>=1.5.6) ; extra == 'socks'",
    )
    assert md.requires_python == ">=2.7"
    assert md.warnings == ()


def test_license_expression_and_long_license_text() -> None:
    md = parse_metadata(
        b"Name: x\nVersion: 1\nLicense-Expression: MIT OR Apache-2.0\n"
        b"License: Copyright (c) 2020 Someone\n        Permission is hereby granted...\n"
        b"License: UNKNOWN\n"
    )
    assert md.license_expression == "MIT OR Apache-2.0"
    assert md.licenses == ("Copyright (c) 2020 Someone",)


def test_missing_name_and_version_are_warnings() -> None:
    md = parse_metadata(b"Summary: nothing else\n")
    assert md.name is None and md.version is None
    assert any("no Name" in w for w in md.warnings)
    assert any("no Version" in w for w in md.warnings)


def test_non_pep440_version_is_kept_verbatim() -> None:
    md = parse_metadata(b"Name: oldpkg\nVersion: 2004d\n")
    assert md.version == "2004d"
    assert md.version_is_pep440 is False
    assert any("not PEP 440" in w for w in md.warnings)


def test_binary_junk_gives_warnings_not_errors() -> None:
    md = parse_metadata(b"Name: junk\x00\xff\xfe\nVersion: 1.0\n\x89PNG\r\n\x1a\n\x00\x00")
    assert md.version == "1.0"
    assert any("binary junk" in w for w in md.warnings)


def test_invalid_utf8_is_replaced_with_a_warning() -> None:
    md = parse_metadata(b"Name: caf\xe9\nVersion: 1.0\n")
    assert md.name is not None and md.name.startswith("caf")
    assert any("not valid UTF-8" in w for w in md.warnings)


def test_huge_header_is_truncated() -> None:
    md = parse_metadata(b"Name: big\nVersion: 1.0\nSummary: " + b"A" * (MAX_VALUE * 2) + b"\n")
    assert md.name == "big"
    assert len(md.summary) == MAX_VALUE
    assert any("truncated" in w for w in md.warnings)


def test_author_email_lists_become_people() -> None:
    assert people("Jane", "Jane Doe <jane@example.org>, bob@example.org") == (
        Person("Jane", None),
        Person("Jane Doe", "jane@example.org"),
        Person(None, "bob@example.org"),
    )
    assert people(None, '"Ann" <ann@example.org>') == (Person("Ann", "ann@example.org"),)
    assert people("Foo", "foo at bar") == (Person("Foo", None), Person("foo at bar", None))
    assert people(None, None) == ()


def test_requires_txt_sections_become_markers() -> None:
    text = 'six>=1.5\n\n[security]\npyOpenSSL>=0.14\n\n[:python_version < "3"]\nenum34\n'
    assert requires_from_egg(text) == (
        "six>=1.5",
        'pyOpenSSL>=0.14; extra == "security"',
        'enum34; python_version < "3"',
    )


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=4096))
def test_parser_never_raises_on_arbitrary_bytes(data: bytes) -> None:
    md = parse_metadata(data)
    assert isinstance(md.warnings, tuple)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["Name", "Version", "Author-email", "Project-URL", "License", "X"]),
            st.text(max_size=200),
        ),
        max_size=12,
    )
)
def test_parser_never_raises_on_arbitrary_headers(headers: list[tuple[str, str]]) -> None:
    data = "".join(f"{k}: {v}\n" for k, v in headers).encode("utf-8", "surrogatepass")
    parse_metadata(data)

"""RECORD parsing and placement: lenient, total, and never escaping the tree."""

from __future__ import annotations

import base64
import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wellcheck.signals.record import (
    hex_to_urlsafe_b64,
    is_script_path,
    parse_record,
    place,
    urlsafe_b64_to_hex,
)


def test_rows_are_parsed_and_bad_rows_reported_without_hiding_good_ones() -> None:
    digest = base64.urlsafe_b64encode(hashlib.sha256(b"x").digest()).rstrip(b"=").decode()
    record = (
        f"six.py,sha256={digest},1\n"
        '"odd, name.py",sha256=' + digest + ",1\n"
        "six-1.16.0.dist-info/RECORD,,\n"
        "bad.py,md5=XrY7u+Ae7tCTyyK7j1rNww,1\n"
        "worse.py,sha256=@@@,1\n"
        "size.py,,notanumber\n"
        "\n"
    )
    parsed = parse_record(record.encode())
    paths = [e.path for e in parsed.entries]
    assert paths == ["six.py", "odd, name.py", "six-1.16.0.dist-info/RECORD", "bad.py", "worse.py"]
    assert parsed.entries[0].digest == hashlib.sha256(b"x").hexdigest()
    assert parsed.entries[0].size == 1
    assert parsed.entries[2].digest is None
    assert parsed.entries[3].digest is None  # md5 is not trusted: listed, not verified
    assert [p.split(":")[0] for p in parsed.problems] == ["line 4", "line 5", "line 6"]


def test_a_bom_is_tolerated_and_non_utf8_is_an_error() -> None:
    assert parse_record(b"\xef\xbb\xbfsix.py,,\n").entries[0].path == "six.py"
    with pytest.raises(UnicodeDecodeError):
        parse_record(b"\xff\xfe six.py,,\n")


@given(st.binary(min_size=1, max_size=64))
def test_digest_encoding_round_trips(raw: bytes) -> None:
    hexdigest = raw.hex()
    assert urlsafe_b64_to_hex(hex_to_urlsafe_b64(hexdigest)) == hexdigest


@given(st.text(max_size=200))
def test_parsing_arbitrary_text_never_raises(text: str) -> None:
    parse_record(text.encode())


PLACEMENTS = [
    # (site root, RECORD path, tree path, inside the site root)
    ("", "six.py", "six.py", True),
    ("a/site-packages", "pkg/./mod.py", "a/site-packages/pkg/mod.py", True),
    ("a/site-packages", "../../bin/tool", "bin/tool", False),
    ("", "../../bin/tool", None, False),
    ("a/site-packages", "/etc/passwd", None, False),
    ("a/site-packages", "C:/x.py", None, False),
    ("a/site-packages", "pkg\\mod.py", None, False),
    ("a/site-packages", "../site-packages/pkg.py", "a/site-packages/pkg.py", False),
]


@pytest.mark.parametrize(("site", "path", "tree_path", "inside"), PLACEMENTS)
def test_record_paths_are_placed_inside_the_tree_or_nowhere(
    site: str, path: str, tree_path: str | None, inside: bool
) -> None:
    placement = place(site, path)
    assert (placement.tree_path, placement.inside_site) == (tree_path, inside)


@given(st.text(alphabet="ab./\\:", max_size=30))
def test_placement_never_leaves_the_tree(path: str) -> None:
    placement = place("lib/site-packages", path)
    if placement.tree_path is not None:
        parts = placement.tree_path.split("/")
        assert ".." not in parts and "" not in parts and "." not in parts
        if placement.inside_site:
            assert placement.tree_path.startswith("lib/site-packages/")


def test_console_scripts_are_recognised() -> None:
    assert is_script_path("../../bin/flask")
    assert is_script_path("../../../Scripts/flask.exe")
    assert not is_script_path("flask/bin/helper")
    assert not is_script_path("../../share/man/flask.1")


@pytest.mark.parametrize(
    "field", ["sha256=abc!!!", "sha256=YWJj", "sha256=+/+/", "sha384=" + "A" * 43, "sha256="]
)
def test_garbled_or_truncated_digests_are_problems_not_mismatches(field: str) -> None:
    parsed = parse_record(f"pkg/mod.py,{field},3\n".encode())
    assert parsed.entries[0].digest is None
    assert len(parsed.problems) == 1

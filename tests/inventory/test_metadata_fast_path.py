"""The plain-header fast path gives exactly what ``email.parser`` (compat32) gives."""

from __future__ import annotations

import email.parser
from email.policy import compat32

from hypothesis import given, settings
from hypothesis import strategies as st

from wellcheck.inventory.metadata import _plain_headers, parse_metadata


def email_items(text: str) -> list[tuple[str, str]]:
    message = email.parser.Parser(policy=compat32).parsestr(text, headersonly=True)
    return [(str(k), str(v)) for k, v in message.items()]


CASES = [
    "Name: a\nVersion: 1\n",
    "Name: a\nVersion: 1",  # no final line end
    "Summary:\n  continued\n\tand tabbed\n",
    "Summary:   \n",
    "License: MIT\n  \n  more text\n",
    "Name:a\nFrom: someone\n",
    "X-Odd~Name!: v: with colon\n",
    "Description: é unicode ✓\n",
]
NOT_PLAIN = [
    "Name: a\r\nVersion: 1\r\n",  # CR line ends
    " continuation first\nName: a\n",
    "Name: a\nnot a header line\nVersion: 1\n",
    "From someone Mon Jan 1\nName: a\n",  # envelope line
    ": no name\nName: a\n",
    "Name: a\n\nVersion: 1\n",  # blank line (the body starts)
    "Bad Name: x\n",
]


def test_plain_blocks_match_the_email_package() -> None:
    for text in CASES:
        assert _plain_headers(text) == email_items(text), text


def test_unusual_blocks_are_left_to_the_email_package() -> None:
    for text in NOT_PLAIN:
        assert _plain_headers(text) is None, text


line = st.one_of(
    st.from_regex(r"[A-Za-z][A-Za-z0-9-]{0,12}:[ \t]?[ -~é✓]{0,20}", fullmatch=True),
    st.from_regex(r"[ \t][ -~é]{0,20}", fullmatch=True),
    st.sampled_from(["", "From x", ":x", "no colon", "a b: c", "Name:", "Name: \t"]),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(line, max_size=8), st.booleans())
def test_fast_path_agrees_with_email_on_generated_blocks(lines: list[str], final: bool) -> None:
    text = "\n".join(lines) + ("\n" if final else "")
    fast = _plain_headers(text)
    if fast is not None:
        assert fast == email_items(text)


def test_parse_metadata_is_unchanged_for_a_folded_block() -> None:
    md = parse_metadata(b"Name: x\nVersion: 1\nSummary: one\n  two\nLicense: A\n  B\n\nbody\n")
    assert (md.name, md.version, md.summary, md.licenses) == ("x", "1", "one two", ("A",))
    assert md.warnings == ()

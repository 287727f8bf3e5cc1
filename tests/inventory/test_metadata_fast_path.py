"""The plain-header fast path gives exactly what ``email.parser`` (compat32) gives."""

from __future__ import annotations

import email.parser
import email.utils
from email.policy import compat32

from hypothesis import given, settings
from hypothesis import strategies as st

from wellcheck.inventory.metadata import _plain_addresses, _plain_headers, parse_metadata


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
    "Name: a\r\nSummary: b\r\n  c\r\nVersion: 1\r\n",  # CRLF line ends
    "Name: a\r\nVersion: 1\r",  # cut before the blank CRLF line
]
NOT_PLAIN = [
    "Name: a\rVersion: 1\r",  # CR line ends
    "Name: a\r\nVersion: 1\n",  # mixed line ends
    "Name: a\r\r\nVersion: 1\r\n",
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
@given(st.lists(line, max_size=8), st.sampled_from(["\n", "\r\n", "\r"]), st.booleans())
def test_fast_path_agrees_with_email_on_generated_blocks(
    lines: list[str], newline: str, final: bool
) -> None:
    text = newline.join(lines) + (newline if final else "")
    fast = _plain_headers(text)
    if fast is not None:
        assert fast == email_items(text)


def test_parse_metadata_is_unchanged_for_a_folded_block() -> None:
    md = parse_metadata(b"Name: x\nVersion: 1\nSummary: one\n  two\nLicense: A\n  B\n\nbody\n")
    assert (md.name, md.version, md.summary, md.licenses) == ("x", "1", "one two", ("A",))
    assert md.warnings == ()


ADDRESSES = [
    "me@kennethreitz.org",
    "Pallets <contact@palletsprojects.com>",
    "Sebastián Ramírez <tiangolo@gmail.com>",
    "a@x.org, b@y.org",
    "Zac Hatfield-Dodds <zac@zhd.dev>, 1755071+adriangb@users.noreply.github.com",
    "first.last@sub.example.co.uk",
    '"Ahmed R. TAHRI" <tahri.ahmed@proton.me>',
    '"Guido van Rossum, Jukka Lehtosalo, Łukasz Langa" <levkivskyi@gmail.com>, x@y.org',
]
NOT_PLAIN_ADDRESSES = [
    '"escaped \\" quote" <a@x.org>',
    "J. Smith <j@x.org>",
    "a@x.org,",
    "Name <a@x.org> (comment)",
    "Name  Two <a@x.org>",
]


def test_plain_address_lists_match_the_email_package() -> None:
    for text in ADDRESSES:
        assert _plain_addresses(text) == email.utils.getaddresses([text]), text
    for text in NOT_PLAIN_ADDRESSES:
        assert _plain_addresses(text) is None, text


address_piece = st.one_of(
    st.from_regex(r"[a-z0-9+._-]{1,6}@[a-z0-9.-]{1,8}", fullmatch=True),
    st.from_regex(r"[A-Za-zé' ]{1,10} <[a-z0-9.]{1,5}@[a-z.]{1,6}>", fullmatch=True),
    st.from_regex(r'"[A-Za-z., ()<>]{0,10}" <[a-z0-9.]{1,5}@[a-z.]{1,6}>', fullmatch=True),
    st.sampled_from([", ", ",", " ", '"', "(x)", "<", ">", "@", ".", "\t", "\\"]),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(address_piece, min_size=1, max_size=5))
def test_plain_addresses_agree_with_email_on_generated_lists(pieces: list[str]) -> None:
    text = "".join(pieces)
    fast = _plain_addresses(text)
    if fast is not None:
        assert fast == email.utils.getaddresses([text])

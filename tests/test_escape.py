"""wellcheck.escape: attacker-controlled text shown, never obeyed, in each output format.

Markdown is checked by rendering it with a real CommonMark renderer (markdown-it-py,
raw HTML on, as GitHub's renderer is before its sanitiser): what comes out must be
exactly the text that went in, as text.
"""

from __future__ import annotations

import html
import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wellcheck.escape import (
    http_url,
    json_safe,
    md_code,
    md_link,
    md_text,
    one_line,
    sarif_message,
    sarif_text,
    visible,
    xml_safe,
)

markdown_it = pytest.importorskip("markdown_it", reason="markdown-it-py comes with rich")
RENDERER = markdown_it.MarkdownIt("commonmark").enable("table")

# characters that are syntax somewhere in Markdown, terminals or SARIF, and invisible ones
TRICKY = list("ab1 .#>+-=*_~`[]()!<>|&\\:/{}w@\t\n\r\x00\x1b\x7f\x85\x9b\u00a0\u2028")
TRICKY += ["\u202e", "\u2066", "\u200b", "\u200d", "\ufeff", "\ufe0f", "\U000e0041", "é", "中"]
texts = st.text(alphabet=st.sampled_from(TRICKY), max_size=40) | st.text(max_size=40)
UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("requests 2.25.1", "requests 2.25.1"),
        ("\x1b[2K\rPASS", "\\x1b[2K\\rPASS"),
        ("a\nb\tc", "a\\nb\\tc"),
        ("\x9b31m", "\\x9b31m"),  # the one-byte CSI of C1
        ("\x1b]8;;https://e.example\x1b\\link", "\\x1b]8;;https://e.example\\x1b\\link"),
        ("abc\u202edef\u2066", "abc\\u202edef\\u2066"),
        ("zero\u200bwidth\u2060", "zero\\u200bwidth\\u2060"),
        ("tag\U000e0041", "tag\\U000e0041"),
        ("hangul\u3164filler", "hangul\\u3164filler"),
        ("lone\udc80", "lone\\udc80"),
        ("naïve 中文 ✓", "naïve 中文 ✓"),  # printable text stays as it is
    ],
)
def test_visible_escapes_what_a_terminal_would_act_on(text: str, shown: str) -> None:
    assert visible(text) == shown


@given(texts)
def test_visible_is_one_line_of_safe_characters(text: str) -> None:
    shown = visible(text)
    assert not UNSAFE.search(shown)
    assert len(shown.splitlines()) <= 1
    shown.encode("utf-8")  # no lone surrogate left: writable to any UTF-8 stream


@given(st.recursive(texts, lambda inner: st.lists(inner) | st.dictionaries(texts, inner)))
def test_json_safe_keeps_the_values_and_escapes_the_rest(value: object) -> None:
    for indent in (None, 2):
        document = json_safe(json.dumps(value, ensure_ascii=False, indent=indent))
        assert json.loads(document) == value
        assert [ch for ch in UNSAFE.findall(document) if ch != "\n"] == []


def paragraph(markdown: str) -> str:
    """The inner HTML of the one paragraph ``markdown`` renders to ('' for none)."""
    rendered = RENDERER.render(markdown)
    if not rendered:
        return ""
    assert rendered.startswith("<p>") and rendered.endswith("</p>\n"), rendered
    return rendered[3:-5]


@given(texts)
def test_markdown_text_renders_as_exactly_the_text(text: str) -> None:
    inner = paragraph(md_text(text))
    assert "<" not in inner  # no element at all: no link, image, emphasis, code, HTML
    assert html.unescape(inner) == one_line(text)


@given(texts)
def test_markdown_code_renders_as_one_code_span_of_the_text(text: str) -> None:
    inner = paragraph(md_code(text))
    match = re.fullmatch(r"<code>(.*)</code>", inner, re.S)
    assert match, inner
    assert html.unescape(match.group(1)) == (one_line(text) or " ")


@given(texts, texts)
def test_table_cells_stay_cells(first: str, second: str) -> None:
    table = (
        "| a | b | c |\n|---|---|---|\n"
        f"| {md_text(first)} | {md_code(second, in_table=True)} | {md_text(second)} |\n"
    )
    rendered = RENDERER.render(table)
    assert rendered.count("<td>") + rendered.count("<td ") == 3
    assert "<a " not in rendered and "<img" not in rendered


def test_gfm_autolinks_and_block_starts_are_broken() -> None:
    assert md_text("see https://evil.example or WWW.evil.example") == (
        "see https\\://evil.example or WWW\\.evil.example"
    )
    assert md_text("# not a heading") == "\\# not a heading"
    assert md_text("1. not a list") == "1\\. not a list"
    assert md_text("- not a list") == "\\- not a list"
    assert md_text("1.0") == "1.0"


@pytest.mark.parametrize(
    ("url", "target"),
    [
        ("https://osv.dev/vulnerability/PYSEC-1", "https://osv.dev/vulnerability/PYSEC-1"),
        ('https://e.example/a b)(c)|"<x>', "https://e.example/a%20b%29%28c%29%7C%22%3Cx%3E"),
        ("javascript:alert(1)", None),
        ("data:text/html,<b>", None),
        ("//evil.example/x", None),
        ("https://[::1", None),
        ("", None),
    ],
)
def test_links_only_to_http_urls_and_as_one_token(url: str, target: str | None) -> None:
    assert http_url(url) == target
    link = md_link("label", url)
    assert link == (f"[label]({target})" if target else "label")


def test_sarif_plain_text_has_no_embedded_link_and_messages_no_placeholder() -> None:
    assert sarif_text("see [here](https://evil.example)") == "see [here] (https://evil.example)"
    assert sarif_message("use {0} and [x](1)") == "use {{0}} and [x] (1)"
    assert sarif_text("\x1b[8mhidden") == "\\x1b[8mhidden"


def test_xml_safe_writes_references_a_parser_reads_back() -> None:
    import xml.etree.ElementTree as ET

    document = xml_safe('<a b="x\ry\u202e">t\u2066\x85\n</a>')
    assert document == '<a b="x&#xD;y&#x202E;">t&#x2066;&#x85;\n</a>'
    element = ET.fromstring(document)
    assert (element.get("b"), element.text) == ("x\ry\u202e", "t\u2066\x85\n")

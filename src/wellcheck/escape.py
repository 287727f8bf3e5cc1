"""Attacker-controlled text made harmless for each output format.

Every string that comes from an artifact (member names, METADATA fields, paths,
warnings), an advisory, a PyPI answer or a report given to ``merge`` is
attacker-controlled.  A report must show such text, never obey it:

- :func:`visible` (terminal, table, stderr, plain text): every character a
  terminal would act on or not show is written as an escape sequence, so
  ``"\\x1b[2K\\rPASS"`` prints as the ten characters ``\\x1b[2K\\rPASS`` on one
  line.  That is what ``str.isprintable`` refuses (C0 and C1 controls, DEL,
  format characters such as the bidi overrides and isolates U+202A-U+202E and
  U+2066-U+2069, zero-width characters, line and paragraph separators, spaces
  other than U+0020, surrogates, private-use and unassigned code points), plus
  the Default_Ignorable_Code_Point characters that Python counts as printable
  (Unicode DerivedCoreProperties: U+034F, the Hangul fillers, U+17B4/5,
  Mongolian selectors, the variation selectors).
- :func:`md_text`, :func:`md_code`, :func:`md_link` (GitHub Flavored Markdown):
  :func:`visible`, whitespace runs folded to one space, and every character
  that could start HTML, a link, an image, emphasis, a code span or a table
  cell backslash-escaped; autolinks (``https://``, ``www.``) are broken; links
  are made only to http(s) URLs, percent-encoded.
- :func:`sarif_text` (SARIF plain text): :func:`visible` with embedded-link syntax
  (SARIF 2.1.0 section 3.11.6, ``[text](target)``) broken; :func:`sarif_message`
  (``message.text``) also doubles braces (section 3.11.5: ``{`` and ``}`` SHALL be
  written ``{{`` and ``}}``, or a viewer takes ``{0}`` for a placeholder).
- :func:`json_safe` (JSON text): ``json.dumps`` escapes C0 controls but leaves
  DEL, C1 controls, bidi and zero-width characters and lone surrogates raw; they
  are rewritten as ``\\uXXXX`` escapes, which decode to the same string, so
  ``cat report.json`` is as safe as the table.  :func:`xml_safe` does the same with
  character references for XML.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from urllib.parse import quote, urlsplit

__all__ = [
    "VisibleFormatter",
    "http_url",
    "json_safe",
    "md_code",
    "md_link",
    "md_text",
    "one_line",
    "sarif_message",
    "sarif_text",
    "visible",
    "xml_safe",
]

# Default_Ignorable_Code_Point characters that str.isprintable() accepts (Unicode 15.1,
# DerivedCoreProperties.txt); the other default-ignorables are Cf or Cn, refused already
_IGNORABLE = re.compile(
    "[\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u3164\ufe00-\ufe0f\uffa0\U000e0100-\U000e01ef]"
)
_RUN = re.compile(r"[^\x20-\x7e]+")  # runs of anything else: they may need escapes
_RUN_IN_DOCUMENT = re.compile(r"[^\n\x20-\x7e]+")  # a serialiser's own newlines are kept
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}
_WHITESPACE = re.compile(r"[\t\n\r\f\v ]+")


def _unsafe(ch: str) -> bool:
    return not ch.isprintable() or _IGNORABLE.match(ch) is not None


def _rewrite(text: str, pattern: re.Pattern[str], escape: Callable[[str], str]) -> str:
    """``text`` with each unsafe character of a ``pattern`` run replaced by ``escape(ch)``."""

    def run(match: re.Match[str]) -> str:
        chars = match.group()
        if chars.isprintable() and not _IGNORABLE.search(chars):
            return chars  # printable text (names in any script): one check per run
        return "".join(escape(ch) if _unsafe(ch) else ch for ch in chars)

    return pattern.sub(run, text)


def _escape(ch: str) -> str:
    if ch in _NAMED:
        return _NAMED[ch]
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def visible(text: str) -> str:
    """``text`` with every control, format or invisible character written as an escape."""
    if text.isascii() and text.isprintable():
        return text
    return _rewrite(text, _RUN, _escape)


def one_line(text: str) -> str:
    """Free text (a title, a reason) on one visible line: whitespace runs become a space."""
    return visible(_WHITESPACE.sub(" ", text).strip())


# --- JSON -------------------------------------------------------------------------------------


def _json_escape(ch: str) -> str:
    code = ord(ch)
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def json_safe(document: str) -> str:
    """JSON text from ``json.dumps(..., ensure_ascii=False)`` with unsafe characters escaped.

    Outside strings json.dumps writes only ASCII (and escapes newlines inside them), so
    every rewritten character is inside a string and the document decodes to the same
    values.
    """
    if document.isascii():  # only DEL can be left raw; O(1) for str
        return document.replace("\x7f", "\\u007f") if "\x7f" in document else document
    return _rewrite(document, _RUN_IN_DOCUMENT, _json_escape)


# --- XML ---------------------------------------------------------------------------------------

# XML 1.0 Char (section 2.2): what a character reference may name
_XML_CHAR = re.compile("[\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_escape(ch: str) -> str:
    if _XML_CHAR.match(ch):
        return f"&#x{ord(ch):X};"  # the same character for any XML parser, inert in a terminal
    return _escape(ch)  # no XML document may hold it, not even as a reference


def xml_safe(document: str) -> str:
    """XML text with unsafe characters written as character references.

    Used on serialiser output, whose markup is ASCII: every rewritten character is in
    text or an attribute value, where a reference means the same character.
    """
    if document.isascii() and "\x7f" not in document:
        return document
    return _rewrite(document, _RUN_IN_DOCUMENT, _xml_escape)


# --- Markdown (GitHub Flavored Markdown) ------------------------------------------------------

# backslash-escaped (CommonMark 2.4: any ASCII punctuation may be): HTML and autolinks (< >),
# entities (&), links and images ([ ] !), emphasis and strikethrough (* _ ~), code spans (`),
# table cells (|), and the backslash itself
_MD_SPECIAL = re.compile(r"([\\`*_~\[\]<>|&!])")
# a line that would start a block: heading, quote, list item, thematic break, setext line
_MD_BLOCK_START = re.compile(r"^(?:[#>]|[+=-](?=\s|$|[+=-])|\d{1,9}[.)](?=\s|$))")
# GFM extended autolinks (spec 6.9) need no syntax: break "scheme://" and "www."
_MD_SCHEME = re.compile(r"://")
_MD_WWW = re.compile(r"(?i)\b(www)\.")


def md_text(text: str) -> str:
    """Text for Markdown, inline or in a table cell: shown as written, never interpreted."""
    escaped = _MD_SPECIAL.sub(r"\\\1", one_line(text))
    escaped = _MD_WWW.sub(r"\1\\.", _MD_SCHEME.sub(r"\\://", escaped))
    return _MD_BLOCK_START.sub(_escape_block_start, escaped, count=1)


def _escape_block_start(match: re.Match[str]) -> str:
    """``# x`` -> ``\\# x``; ``1. x`` -> ``1\\. x`` (the delimiter follows the digits)."""
    marker = match.group()
    if marker[0].isdigit():
        return f"{marker[:-1]}\\{marker[-1]}"
    return "\\" + marker


def md_code(text: str, *, in_table: bool = False) -> str:
    """``text`` as a code span (literal: nothing inside is interpreted).

    The fence is one backtick longer than any run inside (CommonMark 6.1); in a
    table, pipes are still cell separators and are escaped (GFM 4.10).
    """
    content = one_line(text) or " "
    runs = [len(run) for run in re.findall(r"`+", content)]
    fence = "`" * (max(runs, default=0) + 1)
    if content.startswith("`") or content.endswith("`"):
        content = f" {content} "
    if in_table:
        content = content.replace("|", "\\|")
    return f"{fence}{content}{fence}"


def http_url(url: str | None) -> str | None:
    """``url`` when it is an absolute http(s) URL, percent-encoded to be one token; else None."""
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    # spaces, quotes, brackets, parentheses, pipes, backslashes and anything not ASCII
    # printable are encoded; '%' is kept so existing escapes stay as they are
    return quote(url, safe="/?:@&=+$,;-_.!~*#%")


def md_link(label: str, url: str | None) -> str:
    """A Markdown link to an http(s) URL; the bare label (escaped) for any other URL."""
    target = http_url(url)
    text = md_text(label)
    return f"[{text}]({target})" if target else text


# --- SARIF ------------------------------------------------------------------------------------

_SARIF_LINK = re.compile(r"\]\(")


def sarif_text(text: str) -> str:
    """SARIF plain text (a description, ``help.text``): visible, no embedded link."""
    return _SARIF_LINK.sub("] (", visible(text))


def sarif_message(text: str) -> str:
    """A SARIF ``message.text``: :func:`sarif_text` with braces doubled (not placeholders)."""
    return sarif_text(text.replace("{", "{{").replace("}", "}}"))


# --- logging ----------------------------------------------------------------------------------


class VisibleFormatter(logging.Formatter):
    """Log lines on stderr with the message made :func:`visible` (tracebacks untouched)."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        return visible(super().formatMessage(record))

"""Terminal columns for the table report: display width, fitting, padding, wrapping.

The text given here is already :func:`wellcheck.escape.visible` (no controls, no
zero-width format characters).  East Asian wide and fullwidth characters take two
columns (Unicode UAX #11), combining marks none, anything else one.
"""

from __future__ import annotations

import textwrap
import unicodedata

ELLIPSIS = "\u2026"


def width(text: str) -> int:
    """Columns ``text`` takes on a terminal."""
    if text.isascii():
        return len(text)
    return sum(_char_width(ch) for ch in text)


def _char_width(ch: str) -> int:
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def fit(text: str, columns: int) -> str:
    """``text`` cut to ``columns`` (its last column an ellipsis when it was cut)."""
    if width(text) <= columns:
        return text
    if columns <= 0:
        return ""
    kept: list[str] = []
    used = 0
    for ch in text:
        step = _char_width(ch)
        if used + step > columns - 1:
            break
        kept.append(ch)
        used += step
    return "".join(kept).rstrip() + ELLIPSIS


def pad(text: str, columns: int) -> str:
    """``text`` padded with spaces to ``columns``."""
    return text + " " * max(0, columns - width(text))


def wrap(text: str, columns: int, first: str, indent: str) -> list[str]:
    """``first`` + ``text`` as lines of at most ``columns``; the next lines start with ``indent``.

    Words longer than a line (paths, digests) are broken, never left to overflow.  Wide
    characters count as one column here (``textwrap``): such a line may run a little over.
    """
    columns = max(columns, len(first) + 10, len(indent) + 10)
    return textwrap.wrap(
        text,
        columns,
        initial_indent=first,
        subsequent_indent=indent,
        break_long_words=True,
        break_on_hyphens=False,
    ) or [first.rstrip()]

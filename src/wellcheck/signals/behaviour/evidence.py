"""Evidence text from attacker-controlled code: ASCII-safe, escaped and short.

Everything quoted from an artifact goes through ``escape``: non-ASCII and
control characters become ``repr``-style escapes (``\\x1b``, ``\\u202e``), so
a snippet can neither move a terminal's cursor, hide text behind bidirectional
controls, nor break a report's line structure.
"""

from __future__ import annotations

MAX_SNIPPET = 100
MAX_TEXT = 60


def escape(text: str, limit: int = MAX_SNIPPET) -> str:
    """``text`` cut to ``limit`` characters and escaped like ``repr`` (without quotes)."""
    cut = text[:limit]
    escaped = cut.encode("ascii", "backslashreplace").decode("ascii")
    out = []
    for char in escaped:
        code = ord(char)
        if code < 0x20 or code == 0x7F:
            out.append(f"\\x{code:02x}")
        else:
            out.append(char)
    result = "".join(out)
    return result + "..." if len(text) > limit else result


def snippet(lines: list[str], line: int) -> str:
    """The stripped source line ``line`` (1-based), escaped and short."""
    if 1 <= line <= len(lines):
        return escape(lines[line - 1].strip())
    return ""


def shown(value: str | bytes) -> str:
    """A folded literal (a destination, a command) as evidence."""
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    return escape(text, MAX_TEXT)

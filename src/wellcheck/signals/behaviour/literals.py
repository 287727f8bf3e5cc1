"""What string literals say: indicator categories, flow tags, long high-entropy blobs.

Every string or bytes literal the walk meets (and every value a concatenation,
f-string or decoder chain folds to) is matched against ``indicators.PATTERNS``
once; each category found becomes an INDICATOR fact and a ``ind:<category>`` tag
on the value, so a rule can tell "a Discord webhook URL is the destination of
this request" from "the file mentions Discord somewhere".
"""

from __future__ import annotations

import ast
import math
import re
from collections import Counter
from typing import TYPE_CHECKING

from wellcheck.signals.behaviour.evidence import shown
from wellcheck.signals.behaviour.facts import Kind, Tag
from wellcheck.signals.behaviour.indicators import (
    SECRET_CATEGORIES,
    SINK_CATEGORIES,
    Category,
    categories,
)

if TYPE_CHECKING:
    from wellcheck.signals.behaviour.visitor import Walker

LONG_LITERAL = 1024  # characters: below this no literal is "very long"
HIGH_ENTROPY = 5.0  # bits per character (base64 text is ~6, English prose ~4.5, hex 4)
MAX_SPACING = 0.03  # share of whitespace: prose and code have 15% or more, base64 blobs ~1%
ENTROPY_SAMPLE = 64 * 1024
PAYLOAD_LITERAL = 16  # literals at least this long may be embedded data (Tag.LITERAL)
_NAME_LIKE = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")  # an encoding, a key, a module path
_EMPTY: frozenset[str] = frozenset()


def tag(category: Category) -> str:
    return f"ind:{category.value}"


def tags_for(found: dict[Category, str]) -> frozenset[str]:
    out = {tag(c) for c in found}
    if any(c in SECRET_CATEGORIES for c in found):
        out.add(Tag.SECRET)
    if any(c in SINK_CATEGORIES for c in found):
        out.add(Tag.SINK)
    if Category.RECON_IP in found:
        out.add(Tag.RECON)
    return frozenset(out)


def entropy(text: str | bytes) -> float:
    """Shannon entropy in bits per symbol of (a sample of) ``text``."""
    sample = text[:ENTROPY_SAMPLE]
    if not sample:
        return 0.0
    counts = Counter(sample)
    total = len(sample)
    return -sum(n / total * math.log2(n / total) for n in counts.values())


def _payload_like(value: str | bytes) -> bool:
    """Long enough to hold a payload and not a plain name (``'raw_unicode_escape'``)."""
    if len(value) < PAYLOAD_LITERAL:
        return False
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    return len(text) >= 2 * PAYLOAD_LITERAL or not _NAME_LIKE.fullmatch(text)


def _dense(value: str | bytes) -> bool:
    sample = value[:ENTROPY_SAMPLE]
    spaces = (
        sample.count(" ") + sample.count("\n")
        if isinstance(sample, str)
        else (sample.count(b" ") + sample.count(b"\n"))
    )
    return spaces <= MAX_SPACING * len(sample)


class LiteralScanner:
    def __init__(self, walker: Walker) -> None:
        self.walker = walker

    def constant(self, node: ast.Constant) -> frozenset[str]:
        value = node.value
        if not isinstance(value, str | bytes):
            return _EMPTY
        tags = self._scan(value, node)
        if _payload_like(value):
            tags |= {Tag.LITERAL}
        if len(value) >= LONG_LITERAL and _dense(value):
            score = entropy(value)
            if score >= HIGH_ENTROPY:
                detail = f"{len(value)} characters, {score:.1f} bits per character"
                self.walker.fact(Kind.ENTROPY, detail, node, text=shown(value))
        return tags

    def folded(self, node: ast.expr) -> frozenset[str]:
        """A concatenation or f-string: its folded value, scanned as a literal."""
        value = self.walker.fold(node)
        if not isinstance(value, str | bytes):
            return _EMPTY
        return self._scan(value, node) | (
            {Tag.LITERAL} if len(value) >= PAYLOAD_LITERAL else _EMPTY
        )

    def secret_name(self, key: ast.expr) -> frozenset[str]:
        """``os.environ[KEY]`` / ``os.getenv(KEY)``: a secret when KEY names one."""
        name = self.walker.fold(key)
        if not isinstance(name, str):
            return self.walker.expr(key)
        found = categories(name)
        return tags_for(found) if found else _EMPTY

    def _scan(self, value: str | bytes, node: ast.expr) -> frozenset[str]:
        text = value.decode("latin-1") if isinstance(value, bytes) else value
        found = categories(text)
        for category, match in found.items():
            self.walker.fact(Kind.INDICATOR, category.value, node, text=shown(match))
        return tags_for(found) if found else _EMPTY

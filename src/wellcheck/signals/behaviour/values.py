"""Small helpers the call handlers share: value tags and argument lookup."""

from __future__ import annotations

import ast

from wellcheck.signals.behaviour.evidence import shown
from wellcheck.signals.behaviour.fold import Folded

CLIENT = "client"  # tag: an object whose methods talk to the network
WRITER = "writer"  # tag: a file opened for writing
EMPTY: frozenset[str] = frozenset()


def first(node: ast.Call, *keywords: str) -> ast.expr | None:
    """The first positional argument, else the first of ``keywords`` given."""
    if node.args and not isinstance(node.args[0], ast.Starred):
        return node.args[0]
    return next((kw.value for kw in node.keywords if kw.arg in keywords), None)


def text_of(value: Folded | None) -> str:
    return shown(value) if isinstance(value, str | bytes) else ""

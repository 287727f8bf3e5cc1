"""Inventory: every installed Python distribution inside a Tree."""

from __future__ import annotations

from wellcheck.artifact.base import Tree
from wellcheck.models import Component


def collect(tree: Tree, *, artifact_python: str | None = None) -> list[Component]:
    """Return the components installed in ``tree`` (chain/layer already filled in)."""
    raise NotImplementedError("being written")

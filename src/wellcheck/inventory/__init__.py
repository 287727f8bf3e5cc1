"""Inventory: every installed Python distribution inside a Tree.

A source distribution's tree (:class:`~wellcheck.artifact.sdist.SdistTree`) gives one
``SDIST`` component instead (:mod:`.sdist`).

``collect`` walks the entry names once (:mod:`.layout`), reads only the
metadata files it needs (:mod:`.distributions`, :mod:`.vendored`), and lists
importable code at each site root that no distribution claims.
"""

from __future__ import annotations

from dataclasses import replace

from packaging.utils import canonicalize_name

from wellcheck.artifact.base import Tree
from wellcheck.artifact.sdist import SdistTree
from wellcheck.inventory import reading
from wellcheck.inventory.distributions import Found, read_distribution
from wellcheck.inventory.layout import (
    VENDOR_DIRS,
    Child,
    Layout,
    Owner,
    find_layout,
    site_children,
)
from wellcheck.inventory.sdist import sdist_component
from wellcheck.inventory.vendored import vendored_components
from wellcheck.models import Component, ComponentKind

__all__ = ["collect"]

_SKIP_CHILDREN = frozenset({"__pycache__", "bin"})
_SKIP_SUFFIXES = (".dist-info", ".egg-info", ".data", ".egg", ".pth")


def collect(tree: Tree, *, artifact_python: str | None = None) -> list[Component]:
    """Return the components installed in ``tree`` (chain/layer already filled in).

    Sorted by location; a metadata directory is reported once however many of
    its files the tree lists.  Broken metadata gives a component with warnings.
    """
    if isinstance(tree, SdistTree):  # one component: what pip would build (inventory/sdist.py)
        return [sdist_component(tree, artifact_python)]
    entries = tree.entries()
    layout = find_layout(entries)
    found = [read_distribution(tree, meta, artifact_python) for meta in layout.metadirs.values()]
    claims = _claims_by_root(found)

    def owner_name(owner: Owner) -> str:
        return claims.get(owner.root, {}).get(owner.name) or canonicalize_name(owner.name)

    components: list[Component] = []
    known: set[tuple[str, str]] = set()
    for item in found:
        component = item.component
        if item.owner is not None:
            component = _with_owner(component, owner_name(item.owner))
            known.add((component.site_root, component.name))
        components.append(component)
    components += vendored_components(tree, layout, owner_name, known, artifact_python)
    components += _unclaimed(tree, layout, claims, artifact_python)
    components.sort(key=lambda c: (c.location, c.name, c.kind.value))
    return components


def _claims_by_root(found: list[Found]) -> dict[str, dict[str, str]]:
    """site root -> import name -> canonical name of the distribution claiming it."""
    claims: dict[str, dict[str, str]] = {}
    for item in sorted(found, key=lambda f: f.component.location):
        if item.owner is not None:
            continue
        at_root = claims.setdefault(item.component.site_root, {})
        for name in sorted(item.claims):
            at_root.setdefault(name, item.component.name)
    return claims


def _with_owner(component: Component, owner: str) -> Component:
    return replace(component, kind=ComponentKind.VENDORED, vendored_by=owner)


def _unclaimed(
    tree: Tree, layout: Layout, claims: dict[str, dict[str, str]], artifact_python: str | None
) -> list[Component]:
    found: list[Component] = []
    for root, children in site_children(tree.entries(), layout.site_roots).items():
        claimed = claims.get(root, {})
        for name, child in children.items():
            module = _module_of(name, child)
            if module is None or module in claimed:
                continue
            found.append(
                Component(
                    name=canonicalize_name(module),
                    version="",
                    kind=ComponentKind.UNCLAIMED,
                    location=child.path,
                    display_name=module,
                    chain=tree.chain,
                    layer=child.entry.layer if child.entry else None,
                    site_root=root,
                    python_version=reading.python_from_path(root) or artifact_python,
                )
            )
    return found


def _module_of(name: str, child: Child) -> str | None:
    """The import name a site-root child provides, or None when it is not code."""
    if name in _SKIP_CHILDREN or name in VENDOR_DIRS or name.endswith(_SKIP_SUFFIXES):
        return None
    if child.is_dir:
        return name if child.has_code and name.isidentifier() else None
    return reading.module_name(name)

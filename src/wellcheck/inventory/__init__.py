"""Inventory: every installed Python distribution inside a Tree.

A source distribution's tree (:class:`~wellcheck.artifact.sdist.SdistTree`) gives one
``SDIST`` component (:mod:`.sdist`), and the distributions installed in it: an archive
pip would build as an sdist is also what it holds (see :func:`_installed_in_sdist`).

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
from wellcheck.inventory.sdist import own_egg_info, sdist_component
from wellcheck.inventory.syspath import TreeRole, path_dirs
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
    if isinstance(tree, SdistTree):  # what pip would build (inventory/sdist.py), and more
        sdist = sdist_component(tree, artifact_python)
        return [sdist, *_installed_in_sdist(tree, artifact_python)]
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


def _installed_in_sdist(tree: SdistTree, artifact_python: str | None) -> list[Component]:
    """The distributions installed where a runtime would import them, in an archive
    that is also an sdist.

    pip decides by content that a zip or tar is an sdist (``pyproject.toml``,
    ``setup.py`` or ``PKG-INFO`` where it would build); the Lambda service unpacks the
    same zip at ``/var/task`` (a layer at ``/opt``) and imports what is installed
    there.  A function zip with a ``pyproject.toml`` at its root, or a layer zip with
    ``python/pyproject.toml``, is both, and was inventoried as the sdist only: every
    package installed beside it, a known-malicious one included, went unchecked.  So
    what is installed in a ``sys.path`` directory of the archive read as a bundle
    (:func:`~wellcheck.inventory.syspath.path_dirs`) is a component too; not the
    sdist's own ``*.egg-info`` (its PKG-INFO is the SDIST component), nor metadata an
    sdist carries elsewhere (test data such as ``tests/data/x-1.0.dist-info``), nor
    unclaimed modules (``setup.py`` would be one; the SDIST component lists the files).
    """
    own = own_egg_info(tree)
    on_path = {d.path for d in path_dirs(tree.entries(), TreeRole.BUNDLE)}
    return [
        c
        for c in collect(tree.inner, artifact_python=artifact_python)
        if c.site_root in on_path
        and c.kind is not ComponentKind.UNCLAIMED
        and not (c.kind is ComponentKind.EGG_INFO and c.location == own)
    ]


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

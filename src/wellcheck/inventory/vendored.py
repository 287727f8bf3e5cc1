"""Copies of distributions vendored inside other packages, when a version is knowable.

Sources, in order of trust: ``*.dist-info`` inside a vendor directory (read as
ordinary distributions elsewhere), ``vendor.txt``/``vendored.txt`` pins
(pip, setuptools, pkg_resources), and a ``__version__ = "..."`` assignment in a
vendored module or package (``botocore/vendored/six.py``,
``botocore/vendored/requests/__init__.py``).  A copy without a knowable version
is not reported.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from packaging.utils import canonicalize_name

from wellcheck.artifact.base import Entry, Tree
from wellcheck.inventory import reading
from wellcheck.inventory.layout import Layout, Owner
from wellcheck.inventory.metadata import is_pep440_version
from wellcheck.models import Component, ComponentKind

_IMPORT_NAMES = {"setuptools": ("pkg_resources",)}  # pins whose code has another name
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*==\s*([^\s;#]+)")


def vendored_components(
    tree: Tree,
    layout: Layout,
    owner_name: Callable[[Owner], str],
    known: set[tuple[str, str]],
    artifact_python: str | None,
) -> list[Component]:
    """Vendored copies from pin lists and ``__version__``; ``known`` holds
    (vendor dir, canonical name) pairs already reported from dist-info."""
    entries = tree.entries()
    found: list[Component] = []
    covered: set[str] = set()
    for list_path, owner in sorted(layout.vendor_lists.items()):
        warnings: list[str] = []
        text = reading.read_text(tree, list_path, warnings)
        vendor_dir = list_path.rpartition("/")[0]
        for line in reading.lines(text or ""):
            match = _PIN.match(line)
            if not match:
                continue
            display, version = match.group(1), match.group(2)
            name = canonicalize_name(display)
            if (vendor_dir, name) in known:
                continue
            known.add((vendor_dir, name))
            location = _module_location(entries, vendor_dir, display) or list_path
            covered.add(location)
            entry = entries.get(list_path)
            found.append(
                _component(
                    tree,
                    (name, display, version),
                    location,
                    vendor_dir,
                    vendored_by=owner_name(owner),
                    layer=entry.layer if entry else None,
                    python=reading.python_from_path(location) or artifact_python,
                    warnings=tuple(warnings),
                )
            )
    for location, module in sorted(layout.vendor_modules.items()):
        vendor_dir = location.rpartition("/")[0]
        display = location.rpartition("/")[2].removesuffix(".py")
        name = canonicalize_name(display)
        if location in covered or (vendor_dir, name) in known or module.owner is None:
            continue
        for path in module.files:
            warnings = []
            got = reading.read_head(tree, path, reading.MAX_VERSION_SCAN, warnings)
            version = reading.dunder_version(got[0]) if got else None
            if version:
                known.add((vendor_dir, name))
                entry = entries.get(path)
                found.append(
                    _component(
                        tree,
                        (name, display, version),
                        location,
                        vendor_dir,
                        vendored_by=owner_name(module.owner),
                        layer=entry.layer if entry else None,
                        python=reading.python_from_path(location) or artifact_python,
                    )
                )
                break
    return found


def _module_location(entries: Mapping[str, Entry], vendor_dir: str, display: str) -> str | None:
    """Where the pinned project's code sits in the vendor directory, if it does."""
    lowered = display.lower()
    names = (lowered, lowered.replace("-", "_").replace(".", "_"), *_IMPORT_NAMES.get(lowered, ()))
    for candidate in dict.fromkeys(names):
        package = f"{vendor_dir}/{candidate}"
        if f"{package}/__init__.py" in entries:
            return package
        if f"{package}.py" in entries:
            return f"{package}.py"
    return None


def _component(
    tree: Tree,
    identity: tuple[str, str, str],
    location: str,
    vendor_dir: str,
    *,
    vendored_by: str,
    layer: str | None,
    python: str | None,
    warnings: tuple[str, ...] = (),
) -> Component:
    name, display, version = identity
    return Component(
        name=name,
        version=version,
        kind=ComponentKind.VENDORED,
        location=location,
        display_name=display,
        version_is_pep440=is_pep440_version(version),
        chain=tree.chain,
        layer=layer,
        site_root=vendor_dir,
        python_version=python,
        vendored_by=vendored_by,
        warnings=warnings,
    )

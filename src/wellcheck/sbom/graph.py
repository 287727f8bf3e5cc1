"""The dependency graph shared by every SBOM format (no SBOM library imported here).

Nodes are the components of one or more inventories, in a deterministic order,
each with a stable, unique reference.  Edges come from Requires-Dist, with
markers evaluated for the component's (or the artifact's) Python, ``extra``
markers false, resolved against what is present in the same site root (then
the same tree); unresolvable requirements are simply not edges.  A vendored
copy hangs off the distribution that vendors it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from packaging.markers import InvalidMarker, Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from wellcheck.models import ArtifactInfo, Component, ComponentKind
from wellcheck.sbom.sanitize import clean

if TYPE_CHECKING:
    from wellcheck.pipeline import Inventory

# Serverless runtimes are Linux/CPython; when the artifact does not say which
# Python it targets, a marker counts as true if it holds for any of these.
_CANDIDATE_PYTHONS = ("3.8", "3.9", "3.10", "3.11", "3.12", "3.13", "3.14")
_CANDIDATE_MACHINES = ("x86_64", "aarch64")
_BASE_ENVIRONMENT = {
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
    "os_name": "posix",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "platform_release": "",
    "platform_version": "",
    "extra": "",
}


@dataclass(frozen=True)
class Node:
    ref: str  # unique, stable reference (bom-ref / SPDXID seed)
    component: Component
    artifact: int  # index of the inventory the component belongs to


@dataclass(frozen=True)
class Graph:
    artifact_refs: tuple[str, ...]  # one per inventory, in input order
    artifact_names: tuple[str, ...]  # display names (basename of the path)
    nodes: tuple[Node, ...]  # every component, deterministic order
    depends_on: Mapping[str, tuple[str, ...]]  # ref -> refs it requires (sorted)
    vendors: Mapping[str, tuple[str, ...]]  # ref -> refs of the copies it vendors (sorted)
    top_level: Mapping[str, tuple[str, ...]]  # artifact ref -> refs nothing else reaches

    def children(self, ref: str) -> tuple[str, ...]:
        """Everything ``ref`` points at: requirements and vendored copies."""
        return tuple(sorted({*self.depends_on.get(ref, ()), *self.vendors.get(ref, ())}))


def bundled_ref(node_ref: str, index: int) -> str:
    """The reference of the ``index``-th package ``node_ref``'s component bundles."""
    return f"{node_ref}:bundled:{index}"


def artifact_name(info: ArtifactInfo) -> str:
    """The file (or directory) name of the artifact, as the user would recognise it."""
    raw = info.path.replace("\\", "/").rstrip("/")
    return PurePosixPath(raw).name or raw or "artifact"


def sort_key(component: Component) -> tuple[str, str, str, str]:
    return (component.display_location, component.name, component.version, component.kind.value)


def build_graph(inventories: Sequence[Inventory]) -> Graph:
    # the preview: the artifact's sha256 may still be computed in the background
    names = _unique([artifact_name(inv.artifact_preview) for inv in inventories])
    artifact_refs = tuple(clean(f"artifact:{name}") for name in names)
    multiple = len(inventories) > 1
    nodes: list[Node] = []
    taken: set[str] = set(artifact_refs)
    for index, inv in enumerate(inventories):
        prefix = f"{names[index]}!" if multiple else ""
        for component in sorted(inv.components, key=sort_key):
            ref = _component_ref(component, prefix)
            base, n = ref, 2
            while ref in taken:
                ref, n = f"{base}|{n}", n + 1
            taken.add(ref)
            nodes.append(Node(ref, component, index))
    depends_on: dict[str, tuple[str, ...]] = {}
    vendors: dict[str, tuple[str, ...]] = {}
    top_level: dict[str, tuple[str, ...]] = {}
    for index, inv in enumerate(inventories):
        own = [node for node in nodes if node.artifact == index]
        deps, vend = _edges(own, inv.artifact_preview.python_version)
        depends_on.update(deps)
        vendors.update(vend)
        top_level[artifact_refs[index]] = _top_level(own, deps, vend)
    return Graph(artifact_refs, tuple(names), tuple(nodes), depends_on, vendors, top_level)


def _component_ref(component: Component, prefix: str) -> str:
    ident = component.purl or f"unclaimed:{component.name}"
    return clean(f"{ident}|{prefix}{component.display_location}")


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out: list[str] = []
    for name in names:
        count = seen.get(name, 0) + 1
        seen[name] = count
        out.append(name if count == 1 else f"{name}#{count}")
    return out


def _edges(
    nodes: Sequence[Node], artifact_python: str | None
) -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
    by_site: dict[tuple[tuple[str, ...], str, str], list[str]] = defaultdict(list)
    by_tree: dict[tuple[tuple[str, ...], str], list[str]] = defaultdict(list)
    for node in nodes:
        c = node.component
        if c.kind in (ComponentKind.VENDORED, ComponentKind.UNCLAIMED):
            continue  # neither is importable under its distribution name
        by_site[(c.chain, c.site_root, c.name)].append(node.ref)
        by_tree[(c.chain, c.name)].append(node.ref)

    def resolve(c: Component, name: str) -> list[str]:
        return by_site.get((c.chain, c.site_root, name)) or by_tree.get((c.chain, name)) or []

    depends_on: dict[str, tuple[str, ...]] = {}
    vendors: dict[str, set[str]] = defaultdict(set)
    for node in nodes:
        c = node.component
        if c.kind is ComponentKind.VENDORED and c.vendored_by:
            for parent in resolve(c, canonicalize_name(c.vendored_by)):
                vendors[parent].add(node.ref)
        if c.kind is ComponentKind.UNCLAIMED:
            continue
        python = c.python_version or artifact_python
        targets: set[str] = set()
        for name in _required_names(c.requires_dist, python):
            targets.update(ref for ref in resolve(c, name) if ref != node.ref)
        if targets:
            depends_on[node.ref] = tuple(sorted(targets))
    return depends_on, {ref: tuple(sorted(refs)) for ref, refs in vendors.items()}


def _required_names(requires_dist: Iterable[str], python: str | None) -> list[str]:
    names: list[str] = []
    for raw in requires_dist:
        parsed = _split_requirement(raw)
        if parsed is None:
            continue  # the inventory already warned about bad metadata
        name, marker = parsed
        if marker is None or _marker_holds(marker, python):
            names.append(name)
    return names


# "name[extras] (specifiers) ; marker" without a URL: the common case, read without
# the full PEP 508 parser (a few times faster); anything else goes to packaging.
_SIMPLE_REQUIREMENT = re.compile(
    r"^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[[^\]@;]*\])?[^@;\[\]]*(?:;(.*))?$",
    re.DOTALL,
)


@lru_cache(maxsize=16384)
def _split_requirement(raw: str) -> tuple[str, str | None] | None:
    """(canonical name, marker text or None); None when the requirement is invalid."""
    match = _SIMPLE_REQUIREMENT.match(raw)
    if match and (match.group(2) is None or match.group(2).strip()):
        marker = match.group(2)
        return canonicalize_name(match.group(1)), marker.strip() if marker else None
    try:
        req = Requirement(raw)
    except InvalidRequirement:
        return None
    return canonicalize_name(req.name), str(req.marker) if req.marker else None


@lru_cache(maxsize=8192)
def _marker_holds(marker: str, python: str | None) -> bool:
    try:
        parsed = Marker(marker)
    except InvalidMarker:
        return False  # an unreadable marker is no edge
    pythons = (python,) if python else _CANDIDATE_PYTHONS
    machines: tuple[str, ...] = _CANDIDATE_MACHINES
    if "python" not in marker and "implementation_version" not in marker:
        pythons = pythons[-1:]
    if "machine" not in marker:
        machines = machines[:1]
    for version in pythons:
        for machine in machines:
            env = {
                **_BASE_ENVIRONMENT,
                "python_version": version,
                "python_full_version": f"{version}.0",
                "implementation_version": f"{version}.0",
                "platform_machine": machine,
            }
            try:
                if parsed.evaluate(env):
                    return True
            except Exception:  # noqa: S112 - an unevaluable marker is no edge
                continue
    return False


def _top_level(
    nodes: Sequence[Node],
    depends_on: Mapping[str, tuple[str, ...]],
    vendors: Mapping[str, tuple[str, ...]],
) -> tuple[str, ...]:
    """Components nothing else requires, plus one entry per cycle nothing reaches."""
    children = {n.ref: {*depends_on.get(n.ref, ()), *vendors.get(n.ref, ())} for n in nodes}
    reached = {ref for refs in children.values() for ref in refs}
    roots = [n.ref for n in nodes if n.ref not in reached]
    seen: set[str] = set()

    def walk(start: str) -> None:
        stack = [start]
        while stack:
            ref = stack.pop()
            if ref not in seen:
                seen.add(ref)
                stack.extend(children.get(ref, ()))

    for ref in roots:
        walk(ref)
    for node in nodes:
        if node.ref not in seen:
            roots.append(node.ref)
            walk(node.ref)
    return tuple(sorted(roots))

"""Which files of a tree are code, which distribution each belongs to, and why it runs.

A distribution's files are what the inventory read from its RECORD or
``installed-files.txt`` (placed at its site root, as ``signals.integrity`` does),
else its ``top_level.txt`` directories.  Vendored copies, unclaimed modules and
sdists own everything under their location.  A code file no RECORD lists, inside a directory a
distribution installed into, belongs to the deepest such distribution (it will be
imported as part of it).  Start-up files (``.pth`` at a site root,
``sitecustomize``/``usercustomize`` modules) are found with ``signals.startup``'s
names; ``setup.py`` and an in-tree build backend of an sdist are install-time code.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from wellcheck.artifact.base import Entry, EntryKind, Tree
from wellcheck.errors import ArtifactError, HostileArtifactError
from wellcheck.models import Component, ComponentKind
from wellcheck.signals.behaviour.facts import Role
from wellcheck.signals.behaviour.jobs import Job
from wellcheck.signals.behaviour.sdist_roles import sdist_roles
from wellcheck.signals.record import place
from wellcheck.signals.startup import CUSTOMIZE_MODULES

SOURCE_SUFFIXES = (".py", ".pyw")


def _parent(path: str) -> str:
    """``posixpath.dirname`` for normalised tree paths, without its overhead."""
    cut = path.rfind("/")
    return path[:cut] if cut > 0 else ""


EXTENSION_SUFFIXES = (".so", ".pyd", ".dylib", ".dll")
MAX_SMALL = 1024 * 1024  # RECORD, WHEEL and pyproject.toml reads
MIN_BINARY = 64  # no native executable is smaller than its headers
_OWN_LOCATIONS = frozenset({ComponentKind.VENDORED, ComponentKind.UNCLAIMED, ComponentKind.SDIST})


@dataclass
class Plan:
    owners: list[Component]
    jobs: list[Job] = field(default_factory=list)
    pure: dict[int, bool] = field(default_factory=dict)
    sourceless: dict[int, list[str]] = field(default_factory=dict)  # importable .pyc, no .py
    sources: dict[int, int] = field(default_factory=dict)  # owner -> count of .py files


def plan_tree(tree: Tree, components: Sequence[Component], function_roots: Iterable[str]) -> Plan:
    entries = tree.entries()
    plan = Plan(list(components))
    exact: dict[str, int] = {}
    directories: dict[str, int] = {}
    locations: dict[str, int] = {}
    held = _held(entries, {c.location for c in components if c.kind in _OWN_LOCATIONS})
    for index, component in enumerate(components):
        files = _component_files(tree, component, entries, held)
        for path in files:
            exact.setdefault(path, index)
            parent = _parent(path)
            while parent and parent != component.site_root and parent not in directories:
                directories[parent] = index
                parent = _parent(parent)
        if component.kind in _OWN_LOCATIONS:
            locations[component.location] = index
        plan.pure[index] = _is_pure(tree, component, files)
    sites = {c.site_root for c in components}
    startup = startup_files(entries, sites, function_roots)
    sdist: dict[str, Role] = {}
    for component in components:
        if component.kind is ComponentKind.SDIST:
            root = _sdist_root(entries, component)
            prefix = f"{root}/" if root else ""
            tests = frozenset(
                p for p in entries if p.startswith(prefix) and _module_role(p, root) is Role.TEST
            )
            sdist.update(sdist_roles(tree, root, tests))
            sdist.update(dict.fromkeys(tests, Role.TEST))
    compiled = _compiled(entries)
    for path, entry in entries.items():
        if entry.kind is not EntryKind.FILE:
            continue
        owner = _owner(path, exact, directories, locations)
        role = startup.get(path) or sdist.get(path) or _module_role(path)
        if owner < 0 and role in (Role.MODULE, Role.TEST):
            continue
        _add_jobs(plan, path, entry, owner, role, entries, compiled)
    return plan


_TEST_DIRS = frozenset({"tests", "test", "testing", "unittests"})
_LAST_WORD = re.compile(r"[ _-]")


def _module_role(path: str, root: str | None = None) -> Role:
    """TEST for test modules (a test runner imports them, an application does not):
    in a directory named ``tests``, ``test``, ``testing`` or ``unittests``, or named as
    pytest and unittest discover them.  Inside an sdist (``root``: its directory, whose
    own name does not count), also below its top directory in one whose name ends in
    one of those words (``unit_tests``, ``integration-tests``, ``manual tests``); never
    a top-level one, which may be the package itself (``acme-api-test``)."""
    if root is not None:
        path = path[len(root) + 1 :] if root and path.startswith(f"{root}/") else path
    parts = path.split("/")
    name = parts[-1]
    if any(part in _TEST_DIRS for part in parts[:-1]):
        return Role.TEST
    if root is not None and any(
        _LAST_WORD.split(part.lower())[-1] in _TEST_DIRS for part in parts[1:-1]
    ):
        return Role.TEST
    if name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py":
        return Role.TEST
    return Role.MODULE


def _held(entries: Mapping[str, Entry], locations: set[str]) -> dict[str, list[str]]:
    """Files under each location (one pass over the tree, not one per location)."""
    held: dict[str, list[str]] = {location: [] for location in locations}
    if not locations:
        return held
    for path in entries:
        directory = path
        while True:
            if directory in held:
                held[directory].append(path)
            if not directory:
                break
            directory = _parent(directory)
    return held


def _compiled(entries: Mapping[str, Entry]) -> set[str]:
    """Source paths that have bytecode beside them (legacy or in __pycache__)."""
    found = set()
    for path in entries:
        if path.endswith(".pyc"):
            source = _source_of(path)
            if source is not None:
                found.add(source)
    return found


def _add_jobs(
    plan: Plan,
    path: str,
    entry: Entry,
    owner: int,
    role: Role,
    entries: Mapping[str, Entry],
    compiled: set[str],
) -> None:
    name = posixpath.basename(path)
    if name.endswith(".pth"):
        if role is Role.STARTUP:
            plan.jobs.append(Job(path, "pth", owner, Role.STARTUP, size=entry.size))
        return
    if name.endswith(SOURCE_SUFFIXES):
        plan.sources[owner] = plan.sources.get(owner, 0) + 1
        component = plan.owners[owner] if owner >= 0 else None
        plan.jobs.append(
            Job(
                path,
                "source",
                owner,
                role,
                _is_entry(path, component),
                has_bytecode=path in compiled,
                size=entry.size,
            )
        )
        return
    if name.endswith(".pyc"):
        source = _source_of(path)
        if source is None or source not in entries:
            if "/__pycache__/" not in f"/{path}":  # legacy location: importable without source
                plan.sourceless.setdefault(owner, []).append(path)
            return
        plan.jobs.append(Job(path, "pyc", owner, role, source=source))
        return
    if owner >= 0 and plan.pure.get(owner) and entry.size >= MIN_BINARY:
        plan.jobs.append(Job(path, "head", owner))


def _owner(
    path: str,
    exact: Mapping[str, int],
    directories: Mapping[str, int],
    locations: Mapping[str, int],
) -> int:
    """The deepest vendored/unclaimed/sdist location holding ``path`` wins; then the
    RECORD that lists it; then the deepest directory a distribution installed into."""
    directory = path
    while directory:
        if directory in locations:
            return locations[directory]
        directory = _parent(directory)
    if path in exact:
        return exact[path]
    directory = _parent(path)
    while directory:
        if directory in directories:
            return directories[directory]
        directory = _parent(directory)
    return -1


def _component_files(
    tree: Tree, component: Component, entries: Mapping[str, Entry], held: Mapping[str, list[str]]
) -> list[str]:
    if component.kind in _OWN_LOCATIONS:
        files = held.get(component.location, [])
        if component.kind is ComponentKind.SDIST and files == [component.location]:
            parent = posixpath.dirname(component.location)  # the location is PKG-INFO
            return [p for p in entries if not parent or p.startswith(f"{parent}/")]
        return files
    listed = [p for p in (_placed(component.site_root, f) for f in component.files) if p]
    if not listed:
        prefix = f"{component.site_root}/" if component.site_root else ""
        tops = {f"{prefix}{top}" for top in component.top_level if top}
        listed = [p for p in entries if p in tops or any(p.startswith(f"{t}/") for t in tops)]
    return listed


def _sdist_root(entries: Mapping[str, Entry], component: Component) -> str:
    """The directory holding the sdist's files (its location is that directory or
    its PKG-INFO)."""
    location = component.location
    return location if location in _dirs(entries, location) else posixpath.dirname(location)


def _dirs(entries: Mapping[str, Entry], location: str) -> set[str]:
    prefix = f"{location}/"
    return {location} if any(p.startswith(prefix) for p in entries) else set()


def _placed(site_root: str, record_path: str) -> str | None:
    placement = place(site_root, record_path)
    return placement.tree_path if placement.inside_site else None


def _is_pure(tree: Tree, component: Component, files: Sequence[str]) -> bool:
    """A WHEEL tagged ``*-any``; without WHEEL tags, no extension module among its files."""
    if component.kind is ComponentKind.DIST_INFO:
        try:
            wheel = tree.read_bytes(f"{component.location}/WHEEL", limit=MAX_SMALL).decode(
                "utf-8", "replace"
            )
        except HostileArtifactError:
            raise
        except ArtifactError:
            wheel = ""
        tags = [
            line.split(":", 1)[1].strip() for line in wheel.splitlines() if line.startswith("Tag:")
        ]
        if tags:  # the WHEEL says: a platform tag means native code is expected
            return all(tag.endswith("-any") for tag in tags)
    return not any(path.endswith(EXTENSION_SUFFIXES) or ".so." in path for path in files)


def _is_entry(path: str, component: Component | None) -> bool:
    """A top-level module or a package's ``__init__`` below the owner's root."""
    root = component.site_root if component is not None else _parent(path)
    relative = path[len(root) + 1 :] if root and path.startswith(f"{root}/") else path
    depth = relative.count("/")
    return depth == 0 or (depth == 1 and relative.endswith("/__init__.py"))


def _source_of(pyc: str) -> str | None:
    """``pkg/__pycache__/mod.cpython-312.pyc`` or ``pkg/mod.pyc`` -> ``pkg/mod.py``."""
    directory, name = posixpath.split(pyc)
    if not name.endswith(".pyc"):
        return None
    stem = name.split(".", 1)[0]
    if posixpath.basename(directory) == "__pycache__":
        return posixpath.join(_parent(directory), f"{stem}.py")
    return posixpath.join(directory, f"{stem}.py")


def startup_files(
    entries: Mapping[str, Entry], site_roots: Iterable[str], function_roots: Iterable[str]
) -> dict[str, Role]:
    """.pth files at the site roots and customize modules at any module root.

    Mirrors ``signals.startup.scan_startup``'s search (the one place to change when
    startup.py exposes its own listing of start-up files)."""
    sites = set(site_roots)
    module_roots = sites | set(function_roots)
    module_roots |= {
        posixpath.dirname(s) for s in sites if s.endswith("site-packages") and "/" in s
    }
    found: dict[str, Role] = {}
    for path in entries:
        directory, name = posixpath.split(path)
        if name.endswith(".pth") and directory in sites:
            found[path] = Role.STARTUP
            continue
        head = name.split(".", 1)[0]
        if (
            head in CUSTOMIZE_MODULES
            and name.endswith(SOURCE_SUFFIXES)
            and directory in module_roots
        ):
            found[path] = Role.STARTUP
        elif name == "__init__.py" and posixpath.basename(directory) in CUSTOMIZE_MODULES:
            found.update({path: Role.STARTUP} if _parent(directory) in module_roots else {})
    return found

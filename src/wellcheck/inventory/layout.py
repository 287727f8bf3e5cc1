"""Where the distributions are: linear passes over a Tree's entry names.

Nothing here reads file contents.  :func:`find_layout` makes one pass over the
entry names to find metadata directories, vendored copies and site roots, and
:func:`site_children` one more pass restricted by prefix to list what sits
directly in each site root.  Both are O(entries) with cheap string tests first,
so a 30,000-entry tree costs a few milliseconds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from wellcheck.artifact.base import Entry, EntryKind
from wellcheck.inventory.reading import CODE_SUFFIXES
from wellcheck.models import ComponentKind

VENDOR_DIRS = frozenset({"_vendor", "vendored", "_vendored"})
VENDOR_LISTS = frozenset({"vendor.txt", "vendored.txt"})
VERSION_FILES = ("__init__.py", "__version__.py", "_version.py", "__about__.py")


@dataclass(frozen=True)
class Owner:
    """The package directory a vendored copy lives in: ``root/name/_vendor/...``."""

    root: str  # the site root the owning package sits in
    name: str  # its import name


@dataclass
class MetaDir:
    path: str  # *.dist-info / *.egg-info (dir or file) / *.egg (dir or zip file)
    kind: ComponentKind
    is_file: bool
    owner: Owner | None = None  # set when the metadata sits inside a package directory
    sboms: list[str] = field(default_factory=list)  # files in a dist-info's sboms/ (PEP 770)


@dataclass
class VendoredModule:
    location: str  # module file or package directory
    files: list[str] = field(default_factory=list)  # where a __version__ may be written
    owner: Owner | None = None


@dataclass
class Layout:
    metadirs: dict[str, MetaDir] = field(default_factory=dict)
    vendor_lists: dict[str, Owner] = field(default_factory=dict)  # vendor.txt path -> owner
    vendor_modules: dict[str, VendoredModule] = field(default_factory=dict)

    @property
    def site_roots(self) -> list[str]:
        roots = {_parent(m.path) for m in self.metadirs.values() if m.owner is None}
        return sorted(roots)


@dataclass
class Child:
    """Something directly inside a site root."""

    path: str
    is_dir: bool
    entry: Entry | None = None  # the file itself, or the package's first code file
    has_code: bool = False


def _parent(path: str) -> str:
    return path.rpartition("/")[0]


_MARKERS = ((".dist-info", ComponentKind.DIST_INFO), (".egg-info", ComponentKind.EGG_INFO))


def _meta_path(path: str) -> tuple[str, ComponentKind] | None:
    """The outermost metadata directory/file a path is in (or is), by string search."""
    best: tuple[str, ComponentKind] | None = None
    for marker, kind in (*_MARKERS, (".egg", ComponentKind.EGG)):
        start = path.find(marker)
        while start != -1:
            end = start + len(marker)
            if end == len(path) or path[end] == "/":
                if best is None or end < len(best[0]):
                    best = (path[:end], kind)
                break
            start = path.find(marker, end)
    return best


def _vendor_owner(parts: list[str], entries: Mapping[str, Entry]) -> tuple[int, Owner] | None:
    """The first vendor directory in ``parts`` that sits inside a real package.

    ``botocore/vendored/six.py`` is vendored (``botocore/__init__.py`` exists);
    ``app/vendored/requests-2.25.1.dist-info`` in a function zip whose ``app``
    is a plain folder is an ordinary install location, not a vendored copy.
    """
    for index in range(1, len(parts) - 1):
        if parts[index] in VENDOR_DIRS:
            package = "/".join(parts[:index])
            if f"{package}/__init__.py" in entries:
                return index, Owner("/".join(parts[: index - 1]), parts[index - 1])
            return None
    return None


def _package_owner(parts: list[str], entries: Mapping[str, Entry]) -> Owner | None:
    """The outermost package (a directory with ``__init__.py``) a metadata dir is inside.

    Metadata inside a package is a copy shipped by that package
    (``pip/_vendor/*.dist-info``, test eggs under ``pkg_resources/tests``),
    not an installed distribution of the site root.
    """
    for index in range(1, len(parts) + 1):
        if f"{'/'.join(parts[:index])}/__init__.py" in entries:
            return Owner("/".join(parts[: index - 1]), parts[index - 1])
    return None


def find_layout(entries: Mapping[str, Entry]) -> Layout:
    """One pass over the names: metadata directories/files and vendored copies."""
    layout = Layout()
    metadirs = layout.metadirs
    for path in entries:
        if ".dist-info" in path or ".egg" in path:
            found = _meta_path(path)
            if found is not None:
                if found[0] not in metadirs:
                    _note_meta(layout, found[0], found[1], entries)
                if "/sboms/" in path:
                    _note_sbom(metadirs.get(found[0]), path, entries)
                continue
        if "vendor" in path and entries[path].kind is EntryKind.FILE:
            parts = path.split("/")
            vendored = _vendor_owner(parts, entries)
            if vendored is not None:
                _note_vendored(layout, parts, *vendored)
    return layout


def _note_meta(
    layout: Layout, path: str, kind: ComponentKind, entries: Mapping[str, Entry]
) -> None:
    entry = entries.get(path)
    if entry is not None and entry.kind is EntryKind.SYMLINK:
        return
    is_file = entry is not None and entry.kind is EntryKind.FILE
    if is_file and kind is ComponentKind.DIST_INFO:
        return  # a file named *.dist-info is not metadata
    parts = path.split("/")
    owner = _package_owner(parts[:-1], entries)
    layout.metadirs[path] = MetaDir(path, kind, is_file, owner)


def _note_sbom(meta: MetaDir | None, path: str, entries: Mapping[str, Entry]) -> None:
    """A file directly in a dist-info's ``sboms/`` directory (PEP 770)."""
    if meta is None or meta.kind is not ComponentKind.DIST_INFO or meta.is_file:
        return
    name = path[len(meta.path) :]
    if name.startswith("/sboms/") and "/" not in name[7:] and entries[path].kind is EntryKind.FILE:
        meta.sboms.append(path)


def _note_vendored(layout: Layout, parts: list[str], at: int, owner: Owner) -> None:
    rest = parts[at + 1 :]
    base = "/".join(parts[: at + 1])
    if len(rest) == 1:
        if rest[0] in VENDOR_LISTS:
            layout.vendor_lists[f"{base}/{rest[0]}"] = owner
        elif rest[0].endswith(".py") and rest[0] != "__init__.py":
            location = f"{base}/{rest[0]}"
            layout.vendor_modules[location] = VendoredModule(location, [location], owner)
    elif len(rest) == 2 and rest[1] in VERSION_FILES:
        location = f"{base}/{rest[0]}"
        module = layout.vendor_modules.setdefault(location, VendoredModule(location, [], owner))
        module.files.append(f"{location}/{rest[1]}")
        module.files.sort(key=lambda p: not p.endswith("__init__.py"))


def site_children(entries: Mapping[str, Entry], roots: list[str]) -> dict[str, dict[str, Child]]:
    """What sits directly in each site root: root -> name -> Child."""
    found: dict[str, dict[str, Child]] = {root: {} for root in roots}
    if not roots:
        return found
    # Longest prefix first so a path is attributed to its innermost site root.
    prefixes = sorted(((f"{r}/" if r else "", found[r]) for r in roots), key=lambda p: -len(p[0]))
    containers = {r.rsplit("/", n)[0] for r in roots if r for n in range(1, r.count("/") + 2)}
    containers.update(roots)
    for path in entries:
        for prefix, children in prefixes:
            if not path.startswith(prefix):
                continue
            start = len(prefix)
            slash = path.find("/", start)
            if slash == -1:
                entry = entries[path]
                if entry.kind is EntryKind.FILE:
                    children.setdefault(path[start:], Child(path, False, entry))
                elif entry.kind is EntryKind.DIR:
                    children.setdefault(path[start:], Child(path, True))
                break
            name = path[start:slash]
            child = children.get(name)
            if child is None:
                child = children[name] = Child(path[:slash], True)
            elif child.has_code:
                break
            if path.endswith(CODE_SUFFIXES) and child.is_dir and slash > start:
                entry = entries[path]
                if entry.kind is EntryKind.FILE:
                    child.has_code, child.entry = True, entry
            break
    for children in found.values():
        for name in [n for n, c in children.items() if c.path in containers]:
            del children[name]
    return found

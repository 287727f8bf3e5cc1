"""Archives inside artifacts: a ``.whl``, ``.egg`` or ``.zip`` becomes another Tree.

Candidates are chosen by name and confirmed by content (zip magic).  In a directory
(a ``pip download`` wheelhouse), tar sdists named as pip would consider them are
opened too, and a zip or tar whose content is an sdist becomes a
:class:`~wellcheck.artifact.sdist.SdistTree` (see :mod:`wellcheck.artifact.sdist`).  Each
nested tree's ``chain`` lists the archive paths leading to it, outermost
first.  Archives deeper than ``limits.max_depth`` are listed in
``not_scanned`` with the reason, never dropped silently.  The image reader
reuses :func:`find_nested` for archives inside image trees:

    trees, not_scanned = find_nested(image_tree, limits, depth=0)
"""

from __future__ import annotations

from typing import NamedTuple

from wellcheck.artifact.base import EntryKind, Tree
from wellcheck.artifact.common import Budget
from wellcheck.artifact.limits import Limits
from wellcheck.artifact.overlay import OverlayTree
from wellcheck.errors import ArtifactError, HostileArtifactError

NESTED_SUFFIXES = (".whl", ".egg", ".zip")


class NestedArchives(NamedTuple):
    trees: list[Tree]  # every nested tree, recursively, parents before children
    not_scanned: list[str]  # "a/b.zip!c.whl: nesting deeper than 3"


def find_nested(
    tree: Tree, limits: Limits, depth: int = 0, budget: Budget | None = None
) -> NestedArchives:
    """Open every zip-like archive inside ``tree`` (at nesting ``depth``) and below.

    ``depth`` is the nesting level of ``tree`` itself: 0 for the artifact's own
    tree.  ``budget`` is shared with the artifact's reader so that the total
    bytes read stay bounded; a fresh one is made when omitted.  Hostile nested
    archives raise; corrupt ones are reported in ``not_scanned``.
    """
    budget = budget or Budget(limits)
    found = NestedArchives([], [])
    try:
        _walk(tree, limits, depth, budget, found)
    except BaseException:
        for nested in found.trees:
            nested.close()
        raise
    return found


def _walk(tree: Tree, limits: Limits, depth: int, budget: Budget, found: NestedArchives) -> None:
    from wellcheck.artifact.directory import DirectoryTree
    from wellcheck.artifact.sdist import is_sdist_name
    from wellcheck.artifact.zipreader import ZipTree

    entries = tree.entries()
    if isinstance(tree, ZipTree):
        candidates = tree.nested_candidates(NESTED_SUFFIXES)
    else:
        candidates = [p for p in entries if p[-4:].lower() in NESTED_SUFFIXES]
    if isinstance(tree, DirectoryTree):  # a wheelhouse: tar sdists too (artifact/sdist.py)
        candidates += [p for p in entries if is_sdist_name(p)]
    for path in sorted(candidates):
        if entries[path].kind is not EntryKind.FILE:
            continue
        display = "!".join((*tree.chain, path))
        if depth + 1 > limits.max_depth:
            found.not_scanned.append(f"{display}: nesting deeper than {limits.max_depth}")
            continue
        try:
            nested = _open_nested(tree, path, limits, budget)
        except HostileArtifactError:
            raise
        except ArtifactError as exc:
            found.not_scanned.append(f"{display}: {exc}")
            continue
        if nested is None:
            what = "a zip or tar archive" if is_sdist_name(path) else "a zip archive"
            found.not_scanned.append(f"{display}: not {what} (no zip signature)")
            continue
        found.trees.append(nested)
        _walk(nested, limits, depth + 1, budget, found)


def _open_nested(tree: Tree, path: str, limits: Limits, budget: Budget) -> Tree | None:
    from wellcheck.artifact.directory import DirectoryTree
    from wellcheck.artifact.sdist import as_sdist, is_sdist_name, open_sdist_file
    from wellcheck.artifact.zipreader import ZIP_MAGIC, open_zip_bytes, open_zip_file

    chain = (*tree.chain, path)
    label = "!".join(chain)
    if isinstance(tree, DirectoryTree) and is_sdist_name(path):
        return open_sdist_file(tree.local_path(path), limits, budget, chain, label)
    if isinstance(tree, OverlayTree):  # an image's file: read in place, never copied
        return _open_in_place(tree, path, limits, budget, chain, label)
    with tree.open(path) as fh:
        head = fh.read(4)
        if head not in ZIP_MAGIC:
            return None
        if isinstance(tree, DirectoryTree):
            local = tree.local_path(path)
        else:
            local = None
            data = head + fh.read()
    # pip installs a nested wheel and zipimport reads a zip or egg on sys.path: both
    # read every member as a regular file, symlink modes included
    if local is not None:
        return as_sdist(
            open_zip_file(local, limits, budget, chain, label, as_files=True), source=local
        )
    return as_sdist(open_zip_bytes(data, limits, budget, chain, label, as_files=True), source=data)


def _open_in_place(
    tree: Tree, path: str, limits: Limits, budget: Budget, chain: tuple[str, ...], label: str
) -> Tree | None:
    from wellcheck.artifact.zipreader import ZIP_MAGIC, ZipTree

    fh = tree.open(path)
    try:
        if fh.read(4) not in ZIP_MAGIC:
            fh.close()
            return None
        size = tree.entries()[path].size
        return ZipTree(
            fh, size, limits=limits, budget=budget, label=label, chain=chain, as_files=True
        )
    except BaseException:
        fh.close()
        raise


def tree_warnings(trees: list[Tree]) -> list[str]:
    """The warnings of zip and directory trees, each prefixed with its chain when nested."""
    found: list[str] = []
    for tree in trees:
        prefix = "!".join(tree.chain)
        for warning in getattr(tree, "warnings", ()):
            found.append(f"{prefix}: {warning}" if prefix else warning)
    return found

"""Start-up hooks: code Python runs before the application imports anything.

Discovery, for this check and for others (``signals/behaviour``)::

    listing = startup_files(tree, tree_role(artifact.kind, tree.chain), install_roots)
    for hook in listing.files:  # StartupFile: path, kind, source, executed, why
        ...

:func:`startup_files` lists every start-up file in the ``sys.path`` directories of a tree
(:mod:`wellcheck.inventory.syspath` says which those are for each kind of artifact) with
its :class:`HookKind` (``.pth``, ``sitecustomize``, ``usercustomize``, and CPython
3.15's ``.start`` files, PEP 829), ``source`` (the
regular file whose content runs, symlinks followed; None when nothing can be read) and
``executed``: whether the runtime runs it in that place.  A ``.pth`` is *processed* only in
a site directory (``site.addsitedir``), where its ``import`` lines run; hidden names
(starting with '.') are skipped by CPython 3.13+ and by the 3.8-3.12 security releases
since January 2024 (gh-113659), and read by every earlier release.  ``sitecustomize`` and
``usercustomize`` (a ``.py``, a sourceless ``.pyc``, an extension module or a package) are
imported by ``site.main`` from whatever is on ``sys.path`` at start-up
(``usercustomize`` only while the user site is enabled, the default outside venvs).
``listing.unreadable`` names hooks and directories behind links that leave the artifact.

Findings (kind "startup"):

* WC-PTH-EXEC (high): a ``.pth`` line some CPython 3.9-3.15 passes to ``exec``
  (:mod:`.pth` reads the file as each of them does), unless the file matches an entry of
  :mod:`.startup_allowlist` by name AND every line matches that entry's statements.  The
  same severity in a ``sys.path`` directory that is not a site directory, with medium
  confidence: such a directory is a site directory for another runtime or configuration
  (Lambda's bootstrap calls ``site.addsitedir`` on ``/var/task``; a framework, a build
  step copying the files into site-packages), and an ``import`` line has no purpose in a
  ``.pth`` that is not meant to run.
* WC-PTH-PATH (info): a path line of a processed ``.pth`` leaving its directory.
* WC-STARTUP-ENTRYPOINT (high): a ``.start`` file naming entry points (CPython 3.15+ calls
  them at start-up; read as :func:`.pth.read_start`); medium confidence outside a site
  directory, as for ``.pth`` files.
* WC-STARTUP-SITECUSTOMIZE (high): a ``sitecustomize``/``usercustomize`` module in a
  ``sys.path`` directory (medium confidence when that directory joins ``sys.path`` only
  after start-up: it runs where ``PYTHONPATH`` names it); info for a file whose whole code
  is a known distribution file (:mod:`.startup_allowlist`).
* A hook that cannot be read (a link leaving the artifact, a read error): not checked.
"""

from __future__ import annotations

import posixpath
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from wellcheck.artifact.base import Entry, EntryKind, Tree
from wellcheck.errors import ArtifactError, HostileArtifactError
from wellcheck.inventory.syspath import PathDir, TreeRole, path_dirs, pth_path_dirs, resolve
from wellcheck.models import Component, Finding, Severity, SkippedCheck
from wellcheck.signals.pth import first_entry_line, leaves_root, read_pth, read_start, runs_in
from wellcheck.signals.startup_allowlist import (
    MAX_CUSTOMIZE_SIZE,
    customize_allowed_by,
    pth_allowed_by,
    pth_entry,
)

MAX_PTH_SIZE = 1024 * 1024
CUSTOMIZE_MODULES = ("sitecustomize", "usercustomize")
MODULE_SUFFIXES = (".py", ".pyc", ".so", ".pyd")
SOURCE = "startup"  # the SkippedCheck source
_HIDDEN = (
    "its name starts with '.': CPython 3.13+ and the 3.8-3.12 security releases since "
    "January 2024 skip it (gh-113659), every earlier release runs it"
)
_START = "CPython 3.15+ (PEP 829) calls each entry point of a .start file in a site directory"


class HookKind(StrEnum):
    PTH = ".pth"
    START = ".start"
    SITECUSTOMIZE = "sitecustomize"
    USERCUSTOMIZE = "usercustomize"


@dataclass(frozen=True)
class StartupFile:
    path: str  # the .pth, the module file or the package directory, as the runtime names it
    kind: HookKind
    source: str | None  # the regular file whose content runs (a package's __init__)
    directory: PathDir
    executed: bool  # the runtime runs it from this directory (see the module doc)
    why: str


@dataclass(frozen=True)
class StartupListing:
    files: tuple[StartupFile, ...]
    unreadable: tuple[str, ...]  # "PATH: why" for hooks and directories not followed


def startup_files(
    tree: Tree,
    role: TreeRole,
    install_roots: Iterable[str] = (),
    opened: Collection[str] = (),
    python_path: Iterable[str] = (),
) -> StartupListing:
    """Every start-up file in the sys.path directories of ``tree`` (one pass over names).

    ``opened`` names the archives of ``tree`` that were opened as trees of their own (a
    standard-library zip on sys.path); any other such archive is listed as unreadable.
    ``python_path``: the PYTHONPATH an image sets (``ArtifactInfo.python_path``).
    """
    entries = tree.entries()
    whole = role is TreeRole.FILESYSTEM
    unreadable: list[str] = []
    dirs = path_dirs(entries, role, install_roots, python_path)
    by_real = _by_real(entries, dirs, {}, opened, unreadable)
    found = _hooks_in(entries, by_real, whole, unreadable)
    # directories the path lines of .pth files put on sys.path before sitecustomize is
    # imported: their hooks are found in a second pass (theirs replace a lesser reading)
    added = _by_real(entries, _path_line_dirs(tree, found, whole), by_real, opened, unreadable)
    if added:
        found = [hook for hook in found if hook.directory.real not in added]
        found += _hooks_in(entries, added, whole, unreadable)
    return StartupListing(tuple(_preferred(found)), tuple(sorted(set(unreadable))))


def _by_real(
    entries: Mapping[str, Entry],
    dirs: Iterable[PathDir],
    known: Mapping[str, PathDir],
    opened: Collection[str],
    unreadable: list[str],
) -> dict[str, PathDir]:
    """The directories of ``dirs`` by their real path, where each ranks above ``known``'s
    (one reading per real directory: the one that runs the most)."""
    by_real: dict[str, PathDir] = {}
    for directory in dirs:
        real = entries.get(directory.real) if directory.real is not None else None
        if directory.real is None:
            unreadable.append(f"{directory.path}: a link that leaves the artifact")
        elif real is not None and real.kind is EntryKind.FILE:
            if directory.path not in opened:
                unreadable.append(f"{directory.path}: an archive on sys.path, not opened")
        elif _rank(directory) > _rank(by_real.get(directory.real, known.get(directory.real))):
            by_real[directory.real] = directory
    return by_real


def _hooks_in(
    entries: Mapping[str, Entry], by_real: Mapping[str, PathDir], whole: bool, unreadable: list[str]
) -> list[StartupFile]:
    """Every start-up file in the directories of ``by_real`` (one pass over the names)."""
    found: list[StartupFile] = []
    for path, entry in entries.items():
        parent, _, name = path.rpartition("/")
        home = by_real.get(parent)
        if home is not None:
            kind = _hook_kind(name, entry)
            if kind is not None:
                shown = f"{home.path}/{name}" if home.path else name
                source = resolve(entries, path, whole)
                if source is None and entry.kind is EntryKind.SYMLINK:
                    unreadable.append(f"{shown}: a link that leaves the artifact")
                    continue
                found.append(_hook(shown, kind, _regular(entries, source), home))
        elif name.startswith("__init__.") and (package := _package_init(parent, name, by_real)):
            found.append(_hook(package[0], package[1], path, package[2]))
    return found


def _path_line_dirs(tree: Tree, found: Iterable[StartupFile], whole: bool) -> list[PathDir]:
    """The directories named by the path lines of the ``.pth`` files site.py processes
    at start-up (:func:`~wellcheck.inventory.syspath.pth_path_dirs`)."""
    dirs: list[PathDir] = []
    for hook in found:
        processed = hook.kind is HookKind.PTH and hook.executed and hook.directory.at_startup
        if not processed or hook.source is None:
            continue
        try:
            content = read_pth(tree.read_bytes(hook.source, limit=MAX_PTH_SIZE))
        except ArtifactError:
            continue  # scan_startup reads it again and says why it cannot
        lines = (line.text for line in content.paths)
        dirs += pth_path_dirs(tree.entries(), hook.directory, lines, hook.path, whole)
    return dirs


def _rank(directory: PathDir | None) -> int:
    return -1 if directory is None else 2 * directory.site + directory.at_startup


def _hook_kind(name: str, entry: Entry) -> HookKind | None:
    if entry.kind is EntryKind.DIR:
        return None
    if name.endswith(".pth"):
        return HookKind.PTH
    if name.endswith(".start"):
        return HookKind.START
    stem, dot, _ = name.partition(".")
    if stem in CUSTOMIZE_MODULES and dot and name.endswith(MODULE_SUFFIXES):
        return HookKind(stem)
    return None


def _regular(entries: Mapping[str, Entry], path: str | None) -> str | None:
    entry = entries.get(path) if path is not None else None
    return path if entry is not None and entry.kind is EntryKind.FILE else None


def _package_init(
    parent: str, name: str, by_real: Mapping[str, PathDir]
) -> tuple[str, HookKind, PathDir] | None:
    if not (name.startswith("__init__.") and name.endswith(MODULE_SUFFIXES)):
        return None
    where, _, package = parent.rpartition("/")
    directory = by_real.get(where)
    if package not in CUSTOMIZE_MODULES or directory is None:
        return None
    shown = f"{directory.path}/{package}" if directory.path else package
    return shown, HookKind(package), directory


def _hook(path: str, kind: HookKind, source: str | None, directory: PathDir) -> StartupFile:
    name = posixpath.basename(path)
    if kind is HookKind.START:
        executed = directory.site and not name.startswith(".")  # 3.15 skips hidden ones
        why = f"{directory.why}; {_START}" if executed else f"{directory.why}; not run there"
    elif kind is HookKind.PTH:
        executed = directory.site
        why = directory.why if executed else f"{directory.why}; not a site directory"
        if name.startswith("."):
            why = f"{why}; {_HIDDEN}"
    else:
        executed = directory.at_startup
        why = directory.why
        if not executed:
            why += "; imported at start-up only where PYTHONPATH names the directory"
    return StartupFile(path, kind, source, directory, executed, why)


def _preferred(found: list[StartupFile]) -> list[StartupFile]:
    """One entry per package (its __init__ the import system picks), sorted by path."""
    order = {".so": 0, ".pyd": 0, ".py": 1, ".pyc": 2}
    best: dict[str, StartupFile] = {}
    for hook in found:
        known = best.get(hook.path)
        if known is None or _suffix_rank(hook, order) < _suffix_rank(known, order):
            best[hook.path] = hook
    return sorted(best.values(), key=lambda h: h.path)


def _suffix_rank(hook: StartupFile, order: Mapping[str, int]) -> int:
    source = hook.source or ""
    return next((rank for suffix, rank in order.items() if source.endswith(suffix)), 3)


def scan_startup(
    tree: Tree,
    role: TreeRole,
    install_roots: Iterable[str] = (),
    owners: Mapping[str, Component] | None = None,
    opened: Collection[str] = (),
    python_path: Iterable[str] = (),
) -> tuple[list[Finding], list[SkippedCheck]]:
    """Findings for the start-up files of ``tree``; hooks that cannot be read are skipped.

    ``owners`` maps a tree path to the component whose RECORD lists it, so a finding
    names the distribution that installed the hook ("" when nothing claims it).
    """
    owners = owners or {}
    listing = startup_files(tree, role, install_roots, opened, python_path)
    findings: list[Finding] = []
    skipped = [
        SkippedCheck(SOURCE, f"start-up files not checked: {what}") for what in listing.unreadable
    ]
    unread = {what.split(": ", 1)[0] for what in tree.unread}
    for hook in listing.files:
        if hook.source is None:
            continue  # a link to nothing: the runtime finds nothing either
        try:
            if hook.kind is HookKind.PTH:
                findings.extend(_pth_findings(tree, hook, owners))
            elif hook.kind is HookKind.START:
                findings.extend(_start_findings(tree, hook, owners))
            else:
                findings.append(_customize_finding(tree, hook, owners))
        except HostileArtifactError:
            raise
        except ArtifactError as exc:
            if hook.source not in unread:  # else the scan already says "member not read"
                skipped.append(SkippedCheck(SOURCE, f"{hook.path} could not be read: {exc}"))
    return findings, skipped


def _pth_findings(tree: Tree, hook: StartupFile, owners: Mapping[str, Component]) -> list[Finding]:
    assert hook.source is not None
    content = read_pth(tree.read_bytes(hook.source, limit=MAX_PTH_SIZE))
    name = posixpath.basename(hook.path)
    found: list[Finding] = []
    lines = content.executable
    if lines and not pth_allowed_by(name, (line.text for line in lines)):
        known = pth_entry(name)
        title = f"{name} runs code at every Python start-up"
        if not hook.executed:
            title = f"{name} holds code that runs at start-up where its directory is a site dir"
        if known is not None:
            title += f" (named like the {known.origin} file, but its code is not that file's)"
        sure = hook.executed and known is None and not name.startswith(".")
        shown = "; ".join(
            f"line {line.line} ({runs_in(line)}): {line.text[:200]!r}" for line in lines[:3]
        )
        found.append(
            _finding(
                tree,
                hook,
                owners,
                rule="WC-PTH-EXEC",
                severity=Severity.HIGH,
                title=title,
                confidence="high" if sure else "medium",
                evidence=f"{len(lines)} executable line(s): {shown}. {hook.why}",
                remediation=(
                    "Find out which package installed this .pth file and why; remove it "
                    "(and the package) unless the code is understood and expected."
                ),
                line=lines[0].line,
            )
        )
    outside = [line for line in content.paths if leaves_root(line.text)]
    if outside and hook.executed:
        found.append(
            _finding(
                tree,
                hook,
                owners,
                rule="WC-PTH-PATH",
                severity=Severity.INFO,
                title=f"{name} adds directories outside the site root to sys.path",
                confidence="low",
                evidence="; ".join(line.text for line in outside[:5]),
                remediation="Check that the directories are expected on the runtime's sys.path.",
                line=outside[0].line,
            )
        )
    return found


def _start_findings(
    tree: Tree, hook: StartupFile, owners: Mapping[str, Component]
) -> list[Finding]:
    assert hook.source is not None
    name = posixpath.basename(hook.path)
    data = tree.read_bytes(hook.source, limit=MAX_PTH_SIZE)
    entry_points = read_start(data)
    if not entry_points or name.startswith("."):
        return []  # nothing to call; hidden: no release reads it
    title = f"{name} calls code at every Python 3.15+ start-up"
    if not hook.executed:
        title = f"{name} names code to call at start-up where its directory is a site dir"
    shown = ", ".join(repr(e[:200]) for e in entry_points[:3])
    return [
        _finding(
            tree,
            hook,
            owners,
            rule="WC-STARTUP-ENTRYPOINT",
            severity=Severity.HIGH,
            title=title,
            confidence="high" if hook.executed else "medium",
            evidence=f"{len(entry_points)} entry point(s): {shown}. {hook.why}",
            remediation=(
                "Find out which package installed this .start file and what the entry "
                "points run; remove it (and the package) unless that is expected."
            ),
            line=first_entry_line(data),
        )
    ]


def _customize_finding(tree: Tree, hook: StartupFile, owners: Mapping[str, Component]) -> Finding:
    assert hook.source is not None
    name = posixpath.basename(hook.path)
    known = None
    if hook.source.endswith(".py") and hook.path.endswith(".py"):
        with tree.open(hook.source) as fh:
            known = customize_allowed_by(name, fh.read(MAX_CUSTOMIZE_SIZE + 1))
    if known is not None:
        return _finding(
            tree,
            hook,
            owners,
            rule="WC-STARTUP-SITECUSTOMIZE",
            severity=Severity.INFO,
            title=f"{name} is {known}",
            confidence="high",
            evidence=f"{hook.path}: its whole code is the stock file. {hook.why}",
            remediation="None needed unless the image should not carry it.",
        )
    title = f"{name} is imported automatically at every Python start-up"
    if not hook.executed:
        title = f"{name} is imported at Python start-up wherever its directory is on PYTHONPATH"
    return _finding(
        tree,
        hook,
        owners,
        rule="WC-STARTUP-SITECUSTOMIZE",
        severity=Severity.HIGH,
        title=title,
        confidence="high" if hook.executed else "medium",
        evidence=f"{hook.path} sits on sys.path: {hook.why}",
        remediation=(
            "Deployment artifacts should not ship sitecustomize/usercustomize: find out what "
            "put it there and remove it."
        ),
    )


def _finding(
    tree: Tree,
    hook: StartupFile,
    owners: Mapping[str, Component],
    *,
    rule: str,
    severity: Severity,
    title: str,
    confidence: str,
    evidence: str,
    remediation: str,
    line: int | None = None,
) -> Finding:
    owner = owners.get(hook.path) or owners.get(hook.source or "")
    where = "!".join((*tree.chain, hook.path))
    return Finding(
        kind="startup",
        rule=rule,
        package=owner.name if owner else "",
        version=owner.version if owner else "",
        severity=severity,
        title=title,
        location=where,
        path=where,
        line=line,
        confidence=confidence,
        evidence=evidence,
        remediation=remediation,
    )

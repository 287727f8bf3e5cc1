"""Integrity: do the installed files still match what the installer wrote in RECORD?

Rules (kind "integrity" unless noted):

=========================  ========  ====================================================
rule                       severity  meaning
=========================  ========  ====================================================
WC-INTEG-MODIFIED          high      a file RECORD lists has another sha256 or size
WC-INTEG-UNRECORDED        medium    a file inside a directory the distribution installed
                                     (e.g. ``requests/``) that no RECORD at that site lists
WC-INTEG-MISSING           low       files RECORD lists are absent (one finding per
                                     distribution: build tools trim tests/docs routinely)
WC-INTEG-NO-RECORD         low       RECORD missing or unreadable: nothing was verified
                                     (info under ``dist-packages``: distro packages ship none)
WC-INTEG-BAD-RECORD        low       RECORD rows that cannot be used (garbled, weak hash)
WC-INTEG-OUTSIDE           info      RECORD paths leaving the site root (data files,
                                     headers): listed, never hashed
WC-PTH-EXEC / -PATH,       high /    start-up hooks in every sys.path directory of the tree,
WC-STARTUP-SITECUSTOMIZE,  info/high see ``wellcheck.signals.startup`` (kind "startup")
WC-STARTUP-ENTRYPOINT
=========================  ========  ====================================================

Benign, never reported: ``.pyc`` files and anything in ``__pycache__``; the installer's own
files in the ``.dist-info`` (INSTALLER, REQUESTED, direct_url.json, RECORD and its
signatures) and any unlisted file there; RECORD rows without a hash; console scripts
(``../../bin/NAME``: their shebang is rewritten at install).
"""

from __future__ import annotations

import posixpath
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from wellcheck.artifact.base import Entry, EntryKind, FileDigest, Tree
from wellcheck.artifact.common import follow_to_file
from wellcheck.artifact.limits import DEFAULT_LIMITS, Limits
from wellcheck.checks import Check, CheckContext, CheckResult
from wellcheck.errors import ArtifactError, HostileArtifactError
from wellcheck.inventory.reading import wheel_data_sites, wheel_install_path
from wellcheck.inventory.syspath import TreeRole, tree_role
from wellcheck.models import Component, ComponentKind, Finding, SkippedCheck
from wellcheck.signals.integrity_findings import FindingBuilder
from wellcheck.signals.integrity_hashing import (
    HashWorkers,
    default_workers,
    hash_tree_files,
    start_workers,
)
from wellcheck.signals.record import RecordEntry, is_script_path, parse_record, place
from wellcheck.signals.startup import scan_startup

MAX_RECORD_SIZE = 32 * 1024 * 1024
INSTALLER_FILES = frozenset(
    {"INSTALLER", "REQUESTED", "direct_url.json", "RECORD", "RECORD.jws", "RECORD.p7s"}
)
_METADATA_DIRS = (".dist-info", ".egg-info", ".data")
_UNVERIFIABLE_KINDS = frozenset({ComponentKind.EGG_INFO, ComponentKind.EGG})


@dataclass
class _Plan:
    """What one distribution's RECORD asks us to verify, and what we saw."""

    component: Component
    record: str = ""  # the RECORD file (tree path)
    lines: dict[str, int] = field(default_factory=dict)  # tree or RECORD path -> its line
    problem_lines: tuple[int, ...] = ()
    placed: list[str] = field(default_factory=list)  # every RECORD path inside the site
    to_hash: list[tuple[str, RecordEntry]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    modified: list[tuple[str, str]] = field(default_factory=list)  # (path, evidence)
    outside: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


class IntegrityCheck(Check):
    """RECORD hashes, unrecorded files, missing RECORDs and start-up hooks, offline."""

    name = "integrity"
    late = True  # the behaviour check, before it, leaves the digests of the files it read

    def __init__(self, *, workers: int | None = None, limits: Limits = DEFAULT_LIMITS) -> None:
        self.workers = workers if workers is not None else default_workers()
        self.limits = limits  # for worker processes that reopen the artifact

    def run(self, components: Sequence[Component], context: CheckContext) -> CheckResult:
        by_chain: dict[tuple[str, ...], list[Component]] = {}
        for component in components:
            by_chain.setdefault(component.chain, []).append(component)
        findings: list[Finding] = []
        skipped: list[SkippedCheck] = []
        trees = {tree.chain for tree in context.trees}
        for chain, members in by_chain.items():
            if chain not in trees:
                reason = "the files of the archive holding it were not available to check"
                skipped.extend(
                    SkippedCheck(self.name, reason, c.name, c.version)
                    for c in members
                    if c.kind is ComponentKind.DIST_INFO
                )
        for tree in context.trees:
            role = tree_role(context.artifact.kind, tree.chain)
            members = by_chain.get(tree.chain, [])
            opened = {t.chain[-1] for t in context.trees if t.chain and t.chain[:-1] == tree.chain}
            path = context.artifact.python_path
            with start_workers(tree, context.artifact.path, self.limits, self.workers) as pool:
                found, missed = check_tree(tree, members, role, self.workers, pool, opened, path)
            findings.extend(found)
            skipped.extend(missed)
        return CheckResult(tuple(findings), tuple(skipped))


def check_tree(
    tree: Tree,
    components: Sequence[Component],
    role: TreeRole = TreeRole.BUNDLE,
    workers: int = 1,
    pool: HashWorkers | None = None,
    opened: Collection[str] = (),
    python_path: Sequence[str] = (),
) -> tuple[list[Finding], list[SkippedCheck]]:
    """Verify every distribution installed in ``tree``; scan its start-up hooks (found in
    the sys.path directories ``role`` implies and where distributions are installed)."""
    build = FindingBuilder(tree)
    entries = tree.entries()
    plans: list[_Plan] = []
    claims: dict[str, Component] = {}  # tree path -> the distribution that lists it
    unverifiable: set[str] = set()  # top-level dirs of distributions we cannot verify
    for component in components:
        plan = None
        if component.kind is ComponentKind.DIST_INFO:
            plan = _load_plan(tree, component, build)
        if plan is not None:
            plans.append(plan)
            for path in plan.placed:
                claims.setdefault(path, component)
            continue
        for path in component.files:  # what the inventory knows (installed-files.txt...)
            placement = place(component.site_root, path)
            if placement.tree_path and placement.inside_site:
                claims.setdefault(placement.tree_path, component)
        if component.kind is ComponentKind.DIST_INFO or (
            not component.files and component.kind in _UNVERIFIABLE_KINDS
        ):
            unverifiable.update(_tops(component))
    for plan in plans:
        _locate(plan, entries)
    wanted = {path for plan in plans for path, _ in plan.to_hash}
    digests = hash_tree_files(tree, wanted, workers, pool=pool)
    skipped: list[SkippedCheck] = []
    for plan in plans:
        skipped.extend(_compare(plan, digests))
        component = plan.component
        build.modified(component, plan.modified)
        build.missing(component, plan.missing, plan.record, _first_line(plan, plan.missing))
        build.bad_record(
            component, plan.problems, plan.record, next(iter(plan.problem_lines), None)
        )
        build.outside(component, plan.outside, plan.record, _first_line(plan, plan.outside))
    for component, files in _unrecorded(entries, plans, claims, unverifiable):
        build.unrecorded(component, files)
    site_set = {c.site_root for c in components}
    for component in components:  # a wheel (no INSTALLER): its .data/purelib is site content
        if component.kind is ComponentKind.DIST_INFO and component.installer is None:
            site_set.update(wheel_data_sites(tree, component.site_root))
    hooks, unread = scan_startup(tree, role, sorted(site_set), claims, opened, python_path)
    build.findings.extend(hooks)
    return build.findings, [*skipped, *unread]


def _tops(component: Component) -> set[str]:
    prefix = f"{component.site_root}/" if component.site_root else ""
    return {f"{prefix}{top}" for top in component.top_level if top}


def _load_plan(tree: Tree, component: Component, build: FindingBuilder) -> _Plan | None:
    record_path = f"{component.location}/RECORD"
    try:
        parsed = parse_record(tree.read_bytes(record_path, limit=MAX_RECORD_SIZE))
    except HostileArtifactError as exc:
        why = f"{record_path} could not be read safely: {exc}"
        build.no_record(component, why, record_path)
        return None
    except ArtifactError:
        build.no_record(component, f"{record_path} is missing")
        return None
    except UnicodeDecodeError as exc:
        build.no_record(component, f"{record_path} is not UTF-8 ({exc.reason})", record_path)
        return None
    if not parsed.entries:
        build.no_record(component, f"{record_path} lists no files", record_path)
        return None
    plan = _Plan(
        component, record_path, problems=list(parsed.problems), problem_lines=parsed.problem_lines
    )
    for entry in parsed.entries:
        placement = place(component.site_root, entry.path)
        if placement.tree_path is None or not placement.inside_site:
            if not is_script_path(entry.path):
                plan.outside.append(entry.path)
                plan.lines.setdefault(entry.path, entry.line)
            continue
        plan.placed.append(placement.tree_path)
        plan.lines.setdefault(placement.tree_path, entry.line)
        if entry.digest is None or _benign(placement.tree_path, component.location):
            continue
        plan.to_hash.append((placement.tree_path, entry))
    return plan


def _first_line(plan: _Plan, paths: Sequence[str]) -> int | None:
    """The RECORD line of the first of ``paths`` (as listed, or sorted when they are)."""
    return plan.lines.get(min(paths, key=lambda p: plan.lines.get(p, 0))) if paths else None


def _benign(path: str, dist_dir: str) -> bool:
    """.pyc files and the installer's own bookkeeping are expected to differ."""
    name = posixpath.basename(path)
    if name.endswith((".pyc", ".pyo")) or "/__pycache__/" in f"/{path}":
        return True
    return posixpath.dirname(path) == dist_dir and name in INSTALLER_FILES


def _locate(plan: _Plan, entries: Mapping[str, Entry]) -> None:
    """Sort listed files into present (to hash), missing, and not a file (modified)."""
    present: list[tuple[str, RecordEntry]] = []
    for path, record in plan.to_hash:
        entry = entries.get(path)
        if entry is None:
            plan.missing.append(path)
        elif entry.kind is EntryKind.FILE:
            present.append((path, record))
        elif entry.kind is EntryKind.SYMLINK:
            target = follow_to_file(entries, path)
            if target is None:
                why = f"is a symlink to {entry.link_target!r}, which dangles or leaves the tree"
                plan.modified.append((path, why))
            else:
                present.append((target, record))
        else:
            plan.modified.append((path, "is a directory where RECORD lists a file"))
    plan.to_hash = present


def _compare(plan: _Plan, digests: Mapping[str, FileDigest]) -> list[SkippedCheck]:
    component = plan.component
    skipped: list[SkippedCheck] = []
    for path, record in plan.to_hash:
        found = digests.get(path)
        if found is None:
            reason = f"{path} could not be read from the artifact"
            skipped.append(SkippedCheck("integrity", reason, component.name, component.version))
            continue
        actual, size = found
        same_hash = record.algorithm != "sha256" or actual == record.digest
        if same_hash and record.size in (None, size):
            continue
        if not same_hash:
            evidence = (
                f"{path}: RECORD sha256 {record.digest} ({_bytes(record.size)}), "
                f"found sha256 {actual} ({size} bytes)"
            )
        else:
            evidence = f"{path}: RECORD size {record.size} bytes, found {size} bytes"
        plan.modified.append((path, evidence))
    return skipped


def _bytes(size: int | None) -> str:
    return "size not recorded" if size is None else f"{size} bytes"


def _unrecorded(
    entries: Mapping[str, Entry],
    plans: Sequence[_Plan],
    claims: Mapping[str, Component],
    unverifiable: set[str],
) -> list[tuple[Component, list[tuple[str, str]]]]:
    """Files no RECORD lists, inside directories some distribution installed files into."""
    owners: dict[str, list[Component]] = {}
    for plan in plans:
        site = plan.component.site_root
        floor = len(site) + 1 if site else 0
        for path in plan.placed:
            directory = posixpath.dirname(path)
            while len(directory) >= floor and directory and directory != site:
                listed = owners.setdefault(directory, [])
                if plan.component in listed:
                    break
                listed.append(plan.component)
                directory = posixpath.dirname(directory)
    found: dict[str, list[tuple[str, str]]] = {}
    by_name: dict[str, Component] = {}
    for path, entry in entries.items():
        if entry.kind is EntryKind.DIR or path in claims or not _could_be_added(path):
            continue
        owner = _deepest_owner(path, owners, unverifiable)
        if owner is None:
            continue
        first = sorted(owner, key=lambda c: c.name)[0]
        evidence = f"{path} is not in RECORD"
        if entry.kind is EntryKind.SYMLINK:
            evidence += f" (a symlink to {entry.link_target!r})"
        if len(owner) > 1:
            others = ", ".join(sorted({c.name for c in owner} - {first.name}))
            evidence += f"; the directory is shared with {others}"
        found.setdefault(first.location, []).append((path, evidence))
        by_name[first.location] = first
    return [(by_name[key], sorted(files)) for key, files in sorted(found.items())]


def _could_be_added(path: str) -> bool:
    if path.endswith((".pyc", ".pyo")) or "/__pycache__/" in f"/{path}":
        return False
    installed = wheel_install_path(path)  # a wheel's .data/purelib files are site content
    return not any(part.endswith(_METADATA_DIRS) for part in installed.split("/")[:-1])


def _deepest_owner(
    path: str, owners: Mapping[str, list[Component]], unverifiable: set[str]
) -> list[Component] | None:
    directory = posixpath.dirname(path)
    result: list[Component] | None = None
    while directory:
        if directory in unverifiable:
            return None
        if result is None and directory in owners:
            result = owners[directory]
        directory = posixpath.dirname(directory)
    return result

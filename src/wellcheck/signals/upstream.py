"""Upstream verification (``--verify-upstream``): installed files against the official wheel.

RECORD only says what the installer wrote; whoever changes a file can rewrite RECORD to
match.  This check fetches the wheel PyPI serves for the installed version (chosen by the
install's WHEEL tags, trusted only when its sha256 is the one in PyPI's JSON, see
``wellcheck.signals.upstream_fetch``) and compares every file it holds with the tree.

Rules (kind "upstream"):

======================  ========  ===========================================================
rule                    severity  meaning
======================  ========  ===========================================================
WC-UPSTREAM-MODIFIED    high      an installed file's sha256 differs from the wheel's
WC-UPSTREAM-EXTRA       medium    a file inside a directory the wheel installs (e.g.
                                  ``requests/``) that the wheel does not hold, and that no
                                  other distribution's RECORD claims
WC-UPSTREAM-MISSING     low       wheel files absent from the install (one per distribution)
======================  ========  ===========================================================

Not compared: ``.pyc`` files and ``__pycache__``; the installer's files in the
``.dist-info`` (RECORD and its signatures, INSTALLER, REQUESTED, direct_url.json); the
wheel's ``.data/scripts`` (shebangs are rewritten, they land in ``bin/``), ``.data/headers``
and ``.data/data`` (outside the site).  Only ``.dist-info`` distributions are compared
(eggs, egg-info installs and sdists are reported not checked); one installed from a
direct URL (``direct_url.json``: git, a local path, an editable install) only with the
very wheel file that URL names.  Anything that prevents a
comparison (PyPI unreachable, version or fitting wheel absent, a download that does not
match its digest, offline without a cached wheel) is a SkippedCheck, never a pass.
"""

from __future__ import annotations

import bisect
import posixpath
from collections.abc import Mapping, Sequence
from pathlib import Path

from packaging.tags import Tag
from packaging.version import InvalidVersion, Version

from wellcheck.artifact.base import EntryKind, FileDigest, Tree
from wellcheck.artifact.common import follow_to_file
from wellcheck.artifact.limits import DEFAULT_LIMITS, Limits
from wellcheck.checks import Check, CheckContext, CheckResult
from wellcheck.errors import ArtifactError, SourceError
from wellcheck.http import HttpClient
from wellcheck.models import Component, ComponentKind, Finding, SkippedCheck
from wellcheck.pypi.interface import ProjectInfo, ProjectSource, ReleaseFile
from wellcheck.signals.integrity_hashing import default_workers
from wellcheck.signals.record import place
from wellcheck.signals.upstream_fetch import (
    Upstream,
    WheelFetcher,
    choose_wheel,
    describe_tags,
    ignorable,
    owned_roots,
    parse_wheel_tags,
    read_wheel,
)
from wellcheck.signals.upstream_findings import Outcome, upstream_findings

NAME = "upstream"
DEFAULT_FETCH_WORKERS = 4  # wheels downloaded and read at once
MAX_WHEEL_METADATA = 1024 * 1024


class _NotChecked(Exception):
    """Why one distribution could not be compared (becomes a SkippedCheck)."""


class UpstreamCheck(Check):
    """Compare each installed ``.dist-info`` distribution with its official PyPI wheel.

    ``source`` gives the project JSON (its ``offline`` attribute, unless ``offline`` is
    given, means "cached wheels only"); wheels are cached under ``cache_dir/wheels``
    (default: wellcheck's cache dir); ``client`` lends its retry policy to downloads;
    ``platform_hint`` (e.g. ``"x86_64"``) picks a platform wheel for an install whose
    ``WHEEL`` file gives no tags; ``workers`` hash installed files, ``fetch_workers``
    download and read wheels at once; ``limits`` bound the reading of each wheel.
    """

    name = NAME

    def __init__(
        self,
        source: ProjectSource,
        *,
        cache_dir: Path | None = None,
        limits: Limits = DEFAULT_LIMITS,
        client: HttpClient | None = None,
        platform_hint: str | None = None,
        offline: bool | None = None,
        max_download: int | None = None,  # WELLCHECK_NET_MAX_DOWNLOAD, else 200 MiB
        workers: int | None = None,
        fetch_workers: int = DEFAULT_FETCH_WORKERS,
    ) -> None:
        self.source = source
        self.cache_dir = cache_dir
        self.limits = limits
        self.client = client
        self.platform_hint = platform_hint
        self.offline = bool(getattr(source, "offline", False)) if offline is None else offline
        self.max_download = max_download
        self.workers = workers if workers is not None else default_workers()
        self.fetch_workers = max(1, fetch_workers)
        self.downloads = 0  # wheels fetched over the network by the last run

    def run(self, components: Sequence[Component], context: CheckContext) -> CheckResult:
        cache = self.cache_dir
        if cache is None:
            from wellcheck.cache import cache_dir

            cache = cache_dir()
        fetcher = WheelFetcher(
            cache,
            offline=self.offline,
            max_download=self.max_download,
            policy=self.client.policy if self.client is not None else None,
        )
        run = _Run(self, fetcher, context.trees)
        findings: list[Finding] = []
        skipped: list[SkippedCheck] = []
        plans: list[tuple[Component, Tree, ReleaseFile]] = []
        for component in components:
            if component.kind in (ComponentKind.EGG_INFO, ComponentKind.EGG, ComponentKind.SDIST):
                # nothing to compare file by file: say so rather than pass it
                what = f"{component.kind.value} install"
                if component.kind is ComponentKind.SDIST:
                    what = "source distribution"
                reason = f"{what}: no wheel layout to compare"
                skipped.append(SkippedCheck(NAME, reason, component.name, component.version))
                continue
            if component.kind is not ComponentKind.DIST_INFO:
                continue  # vendored copies are compared as part of their parent's wheel
            try:
                tree, wheel = run.choose(component)
            except (_NotChecked, SourceError, ArtifactError) as exc:
                skipped.append(SkippedCheck(NAME, str(exc), component.name, component.version))
            else:
                plans.append((component, tree, wheel))
        try:
            wheels = run.fetch_all([wheel for _, _, wheel in plans])
        finally:
            self.downloads = fetcher.downloads
            fetcher.close()
        for component, tree, wheel in plans:
            upstream = wheels[wheel.sha256 or ""]
            others = [c for c in components if c.chain == component.chain and c is not component]
            try:
                if isinstance(upstream, Exception):
                    raise _NotChecked(str(upstream))
                outcome = run.compare(tree, component, upstream, others)
            except (_NotChecked, SourceError, ArtifactError) as exc:
                skipped.append(SkippedCheck(NAME, str(exc), component.name, component.version))
                continue
            findings.extend(upstream_findings(component, upstream, outcome))
            skipped.extend(
                SkippedCheck(NAME, f"{path} could not be read", component.name, component.version)
                for path in outcome.unreadable
            )
        return CheckResult(tuple(findings), tuple(skipped))


class _Run:
    """State of one run: projects asked for, sorted tree paths."""

    def __init__(self, check: UpstreamCheck, fetcher: WheelFetcher, trees: Sequence[Tree]) -> None:
        self.check = check
        self.fetcher = fetcher
        self.trees = {tree.chain: tree for tree in trees}
        self.projects: dict[str, ProjectInfo | SourceError] = {}
        self.sorted_paths: dict[tuple[str, ...], list[str]] = {}

    def choose(self, component: Component) -> tuple[Tree, ReleaseFile]:
        """The tree holding ``component`` and the release file to compare it with."""
        if not component.version:
            raise _NotChecked("no installed version to compare with")
        tree = self.trees.get(component.chain)
        if tree is None:
            raise _NotChecked("the files of the archive holding it were not available")
        files = self._release_files(component)
        if component.direct_url:  # not installed from an index: only the same wheel will do
            named = component.direct_url.split("#", 1)[0].rsplit("/", 1)[-1]
            same = [f for f in files if f.filename == named]
            if not same:
                raise _NotChecked(
                    f"installed from {component.direct_url}, not from PyPI: no official "
                    "wheel to compare with"
                )
            files = tuple(same)
        tags, build = self._installed_tags(tree, component)
        choice = choose_wheel(
            files,
            tags,
            build=build,
            python_version=component.python_version,
            platform_hint=self.check.platform_hint,
        )
        if choice is None:
            wheels = sum(1 for f in files if f.filename.endswith(".whl"))
            what = f"{wheels} wheel(s)" if wheels else "no wheels (sdist only)"
            raise _NotChecked(
                f"no matching wheel for {describe_tags(tags)}: PyPI has {what} "
                f"for {component.name} {component.version}"
            )
        return tree, choice.file

    def _release_files(self, component: Component) -> tuple[ReleaseFile, ...]:
        name = component.name
        if name not in self.projects:
            try:
                self.projects[name] = self.check.source.get(name)
            except SourceError as exc:
                self.projects[name] = exc
        project = self.projects[name]
        if isinstance(project, SourceError):
            raise _NotChecked(str(project))
        if not project.exists:
            raise _NotChecked(f"PyPI does not know {name}: no official wheel to compare with")
        found = _lookup(project.releases, component.version)
        refresh = getattr(self.check.source, "refresh", None)
        stale = found and not all(f.url.startswith(("https://", "http://")) for f in found)
        if stale and project.from_cache and not self.check.offline and callable(refresh):
            try:  # cached before file URLs were kept: ask PyPI once more
                project = refresh(name)
            except SourceError as exc:
                raise _NotChecked(str(exc)) from exc
            self.projects[name] = project
            found = _lookup(project.releases, component.version)
        if found is None:
            raise _NotChecked(f"version {component.version} is not among PyPI's releases")
        return found

    def _installed_tags(
        self, tree: Tree, component: Component
    ) -> tuple[frozenset[Tag], str | None]:
        try:
            data = tree.read_bytes(f"{component.location}/WHEEL", limit=MAX_WHEEL_METADATA)
        except ArtifactError:
            return frozenset(), None
        return parse_wheel_tags(data)

    def fetch_all(self, wheels: Sequence[ReleaseFile]) -> dict[str, Upstream | Exception]:
        """Each distinct wheel fetched (or taken from the cache) and read, several at once."""
        unique = {wheel.sha256 or "": wheel for wheel in wheels}
        if len(unique) < 2 or self.check.fetch_workers < 2:
            return {key: self._fetch(wheel) for key, wheel in unique.items()}
        from concurrent.futures import ThreadPoolExecutor

        count = min(self.check.fetch_workers, len(unique))
        with ThreadPoolExecutor(count, thread_name_prefix="wellcheck-wheel") as pool:
            return dict(zip(unique, pool.map(self._fetch, unique.values()), strict=True))

    def _fetch(self, wheel: ReleaseFile) -> Upstream | Exception:
        try:
            path = self.fetcher.get(wheel)
            return read_wheel(path, wheel.filename, self.check.limits)
        except (SourceError, ArtifactError) as exc:
            return exc

    def compare(
        self, tree: Tree, component: Component, upstream: Upstream, others: Sequence[Component]
    ) -> Outcome:
        site = component.site_root
        location = component.location
        dist_rel = location[len(site) + 1 :] if site and location.startswith(f"{site}/") else None
        dist_rel = dist_rel or posixpath.basename(location)
        expected: dict[str, FileDigest] = {}
        for rel, digest in upstream.files.items():
            top, sep, rest = rel.partition("/")
            if top == upstream.dist_info and sep:
                rel = f"{dist_rel}/{rest}"
            expected[_join(site, rel)] = digest
        outcome = Outcome()
        entries = tree.entries()
        to_hash: dict[str, str] = {}
        for path in expected:
            entry = entries.get(path)
            if entry is None:
                outcome.missing.append(path)
            elif entry.kind is EntryKind.FILE:
                to_hash[path] = path
            elif entry.kind is EntryKind.SYMLINK:
                target = follow_to_file(entries, path)
                if target is None:
                    why = f"{path} is a symlink to {entry.link_target!r}, which dangles"
                    outcome.modified.append((path, why))
                else:
                    to_hash[path] = target
            else:
                outcome.modified.append((path, f"{path} is a directory where the wheel has a file"))
        digests = tree.hash_files(set(to_hash.values()), workers=self.check.workers)
        for path, target in sorted(to_hash.items()):
            found = digests.get(target)
            if found is None:
                outcome.unreadable.append(path)
                continue
            want = expected[path]
            if found != want:
                evidence = (
                    f"{path}: upstream sha256 {want[0]} ({want[1]} bytes) in "
                    f"{upstream.filename}, installed sha256 {found[0]} ({found[1]} bytes)"
                )
                outcome.modified.append((path, evidence))
        outcome.extra = self._extra(tree, site, upstream, expected, others)
        return outcome

    def _extra(
        self,
        tree: Tree,
        site: str,
        upstream: Upstream,
        expected: Mapping[str, FileDigest],
        others: Sequence[Component],
    ) -> list[tuple[str, str]]:
        """Files inside the wheel's own directories that neither it nor a neighbour holds."""
        claimed: set[str] | None = None
        paths = self._sorted_paths(tree)
        entries = tree.entries()
        extra: list[tuple[str, str]] = []
        for root in owned_roots(upstream):
            prefix = _join(site, root) + "/"
            start = bisect.bisect_left(paths, prefix)
            for path in paths[start:]:
                if not path.startswith(prefix):
                    break
                entry = entries[path]
                if entry.kind is EntryKind.DIR or path in expected or ignorable(path):
                    continue
                if claimed is None:
                    claimed = _claims(others)
                if path in claimed:
                    continue
                evidence = f"{path} is not in {upstream.filename}"
                if entry.kind is EntryKind.SYMLINK:
                    evidence += f" (a symlink to {entry.link_target!r})"
                extra.append((path, evidence))
        return extra

    def _sorted_paths(self, tree: Tree) -> list[str]:
        paths = self.sorted_paths.get(tree.chain)
        if paths is None:
            paths = sorted(tree.entries())
            self.sorted_paths[tree.chain] = paths
        return paths


def _join(site: str, rel: str) -> str:
    return f"{site}/{rel}" if site else rel


def _claims(components: Sequence[Component]) -> set[str]:
    claimed: set[str] = set()
    for component in components:
        for record_path in component.files:
            placement = place(component.site_root, record_path)
            if placement.tree_path:
                claimed.add(placement.tree_path)
    return claimed


def _lookup(
    releases: Mapping[str, tuple[ReleaseFile, ...]], version: str
) -> tuple[ReleaseFile, ...] | None:
    """The files of ``version``, spelled as installed or PEP 440-equal ("1.0" == "1.0.0")."""
    if version in releases:
        return releases[version]
    try:
        wanted = Version(version)
    except InvalidVersion:
        return None
    for key, files in releases.items():
        try:
            if Version(key) == wanted:
                return files
        except InvalidVersion:
            continue
    return None

"""Drift: what differs between what CI built and what is deployed.

Each side is an artifact (opened and inventoried, every file hashed) or an SBOM
(CycloneDX JSON or XML, or SPDX JSON, ideally written by wellcheck; read by
:mod:`wellcheck.inventory.sbom_input`, the one SBOM reader).  The result lists
components added, removed and changed in version and, when both sides are
artifacts, files added, removed or changed in content.

Build noise (``is_build_noise``: bytecode caches and installer bookkeeping, which differ
between two builds of the same code) is left out of the file lists unless asked for
(``all_files``), and counted, so a summary can say how much was left out.  A ``.pyc``
outside ``__pycache__`` with no ``.py`` beside it is a module on its own (CPython imports
it), never noise.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wellcheck.artifact.base import EntryKind
from wellcheck.artifact.limits import DEFAULT_LIMITS, Limits
from wellcheck.errors import WellcheckError

ComponentKey = tuple[str, str]  # (canonical name, where it is installed)
# installer bookkeeping (PEP 376 INSTALLER/REQUESTED, PEP 610 direct_url.json): how a
# distribution was installed, never what runs; direct_url.json names the build's temp dir
_BOOKKEEPING = frozenset({"INSTALLER", "REQUESTED", "direct_url.json"})


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    where: str | None  # site root (with the nested-archive chain): "" the root, None unknown
    location: str = ""  # the metadata's path (nested archives joined by '!'); "" unknown


@dataclass(frozen=True)
class Side:
    label: str
    kind: str  # "artifact" or "sbom"
    packages: tuple[Package, ...]
    files: dict[str, str] | None  # display path -> sha256; None for SBOMs


@dataclass(frozen=True)
class Drift:
    added: tuple[Package, ...]
    removed: tuple[Package, ...]
    changed: tuple[tuple[Package, Package], ...]  # (before, after)
    files_added: tuple[str, ...] = ()
    files_removed: tuple[str, ...] = ()
    files_changed: tuple[str, ...] = ()
    files_compared: bool = False
    # build noise that differs and is not in the lists above: (added, removed, changed)
    noise_hidden: tuple[int, int, int] = (0, 0, 0)

    @property
    def has_drift(self) -> bool:
        return any((self.added, self.removed, self.changed, self.files_added)) or any(
            (self.files_removed, self.files_changed)
        )

    def summary(self) -> str:
        """One line: how many of each, what was not compared, what was not listed."""
        files = (len(self.files_changed), len(self.files_added), len(self.files_removed))
        parts = [_counts("component", len(self.changed), len(self.added), len(self.removed))]
        if self.files_compared:
            parts.append(_counts("file", *files))
        else:
            parts.append("file contents not compared (one side is an SBOM)")
        text = ("drift: " if self.has_drift else "no drift: ") + "; ".join(parts)
        if hidden := sum(self.noise_hidden):
            text += (
                f" ({hidden} build-noise file(s) also differ, not listed: __pycache__, .pyc, "
                "installer records; --all-files lists them)"
            )
        return text


def _counts(noun: str, changed: int, added: int, removed: int) -> str:
    if not (changed or added or removed):
        return f"no {noun} differs"
    return f"{noun}s: {changed} changed, {added} added, {removed} removed"


def is_build_noise(path: str, files: Collection[str]) -> bool:
    """Bytecode caches and installer bookkeeping, on the side (``files``) that has ``path``.

    ``__pycache__`` holds what CPython writes itself from the ``.py`` beside it; a ``.pyc``
    elsewhere is imported only when no ``X.py`` is there (``importlib``'s FileFinder tries
    source before bytecode), so then it is code and not noise.
    """
    inner = path.rsplit("!", 1)[-1]
    parts = inner.split("/")
    if "__pycache__" in parts[:-1]:
        return True
    if len(parts) >= 2 and parts[-2].endswith(".dist-info") and parts[-1] in _BOOKKEEPING:
        return True
    if inner.endswith((".pyc", ".pyo")):
        source = path[: -len(".pyc")] + ".py"
        return source in files
    return False


def load_side(path: str, limits: Limits = DEFAULT_LIMITS) -> Side:
    """An SBOM when ``path`` is one (``sbom:PATH``, or a JSON or XML document), deployed
    code for ``lambda:NAME`` or ``layer:ARN`` (downloaded, verified, compared, deleted),
    otherwise an artifact."""
    if path.startswith(("lambda:", "layer:")):
        return _deployed_side(path, limits)
    from wellcheck.artifact.sbomfile import SBOM_PREFIX, looks_like_sbom

    if path.startswith(SBOM_PREFIX):
        return _sbom_side(path, limits)
    p = Path(path)
    if p.is_file():
        with p.open("rb") as fh:
            head = fh.read(4096)
        if looks_like_sbom(head):
            return _sbom_side(path, limits)
    return _artifact_side(path, limits)


def compare(before: Side, after: Side, *, all_files: bool = False) -> Drift:
    """What differs; ``all_files`` keeps build noise in the file lists."""
    use_where = all(p.where is not None for p in before.packages + after.packages)
    old = _index(before.packages, use_where)
    new = _index(after.packages, use_where)
    added = [p for k in sorted(new.keys() - old.keys()) for p in new[k]]
    removed = [p for k in sorted(old.keys() - new.keys()) for p in old[k]]
    changed: list[tuple[Package, Package]] = []
    for key in sorted(old.keys() & new.keys()):
        a = sorted(old[key], key=lambda p: p.version)
        b = sorted(new[key], key=lambda p: p.version)
        for x, y in zip(a, b, strict=False):
            if x.version != y.version:
                changed.append((x, y))
        added.extend(b[len(a) :])
        removed.extend(a[len(b) :])
    if before.files is None or after.files is None:
        return Drift(tuple(added), tuple(removed), tuple(changed))
    fa, fb = before.files, after.files
    lists = (
        sorted(fb.keys() - fa.keys()),
        sorted(fa.keys() - fb.keys()),
        sorted(k for k in fa.keys() & fb.keys() if fa[k] != fb[k]),
    )
    # the side each list is judged on (added: the new one; removed: the old one; changed:
    # the new one, what runs): a .pyc is noise only if its .py is there
    sides = (fb, fa, fb)
    kept = [
        [f for f in paths if all_files or not is_build_noise(f, side)]
        for paths, side in zip(lists, sides, strict=True)
    ]
    hidden = tuple(len(paths) - len(shown) for paths, shown in zip(lists, kept, strict=True))
    return Drift(
        tuple(added),
        tuple(removed),
        tuple(changed),
        files_added=tuple(kept[0]),
        files_removed=tuple(kept[1]),
        files_changed=tuple(kept[2]),
        files_compared=True,
        noise_hidden=(hidden[0], hidden[1], hidden[2]),
    )


def drift_to_json(before: Side, after: Side, drift: Drift) -> dict[str, Any]:
    def pkg(p: Package) -> dict[str, str | None]:
        return {"name": p.name, "version": p.version, "where": p.where, "location": p.location}

    added, removed, changed = drift.noise_hidden
    return {
        "baseline": {"path": before.label, "kind": before.kind},
        "current": {"path": after.label, "kind": after.kind},
        "drift": drift.has_drift,
        "summary": drift.summary(),
        "components": {
            "added": [pkg(p) for p in drift.added],
            "removed": [pkg(p) for p in drift.removed],
            "changed": [
                {
                    "name": a.name,
                    "where": b.where,
                    "location": b.location,
                    "from": a.version,
                    "to": b.version,
                }
                for a, b in drift.changed
            ],
        },
        "files": {
            "compared": drift.files_compared,
            "added": list(drift.files_added),
            "removed": list(drift.files_removed),
            "changed": list(drift.files_changed),
            "build_noise_not_listed": {"added": added, "removed": removed, "changed": changed},
        },
    }


def _index(packages: tuple[Package, ...], use_where: bool) -> dict[ComponentKey, list[Package]]:
    index: dict[ComponentKey, list[Package]] = {}
    for p in packages:
        index.setdefault((p.name, (p.where or "") if use_where else ""), []).append(p)
    return index


def _artifact_side(path: str, limits: Limits) -> Side:
    from wellcheck.artifact import open_artifact
    from wellcheck.inventory import collect
    from wellcheck.models import ComponentKind

    packages: list[Package] = []
    files: dict[str, str] = {}
    with open_artifact(path, limits) as opened:
        for tree in opened.trees:
            for c in collect(tree, artifact_python=opened.info.python_version):
                if c.kind is ComponentKind.UNCLAIMED:
                    continue
                where = "!".join((*c.chain, c.site_root))
                packages.append(Package(c.name, c.version, where, c.display_location))
            regular = [p for p, e in tree.entries().items() if e.kind is EntryKind.FILE]
            for file_path, (sha, _) in tree.hash_files(regular, workers=2).items():
                files["!".join((*tree.chain, file_path))] = sha
    return Side(path, "artifact", tuple(packages), files)


def _deployed_side(target: str, limits: Limits) -> Side:
    import tempfile

    from wellcheck.aws import resolve_targets

    if target == "lambda:*":
        raise WellcheckError("diff compares one deployed function: name it (lambda:NAME)")
    with tempfile.TemporaryDirectory(prefix="wellcheck-diff-") as workdir:
        [deployed] = resolve_targets([target], workdir=Path(workdir))
        if deployed.error is not None:
            raise deployed.error
        if deployed.zip_path is None:
            raise WellcheckError(f"{target}: {deployed.not_scannable_reason}")
        side = _artifact_side(str(deployed.zip_path), limits)
    return Side(target, "deployed", side.packages, side.files)


def _sbom_side(path: str, limits: Limits) -> Side:
    """The PyPI components the SBOM lists (read by the one SBOM reader, as scan does)."""
    from wellcheck.artifact.sbomfile import read_sbom_file
    from wellcheck.models import ComponentKind

    opened = read_sbom_file(path, limits)
    packages = tuple(
        Package(
            c.name,
            c.version,
            "!".join((*c.chain, c.site_root)) if c.location else None,
            c.display_location if c.location else "",
        )
        for c in opened.components
        if c.kind is not ComponentKind.UNCLAIMED
    )
    return Side(path, "sbom", packages, None)

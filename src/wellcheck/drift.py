"""Drift: what differs between what CI built and what is deployed.

Each side is an artifact (opened and inventoried, every file hashed) or an SBOM
(CycloneDX JSON or XML, or SPDX JSON, ideally written by wellcheck; read by
:mod:`wellcheck.inventory.sbom_input`, the one SBOM reader).  The result lists
components added, removed and changed in version and, when both sides are
artifacts, files added, removed or changed in content.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wellcheck.artifact.base import EntryKind
from wellcheck.artifact.limits import DEFAULT_LIMITS, Limits
from wellcheck.errors import WellcheckError

ComponentKey = tuple[str, str]  # (canonical name, where it is installed)


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    where: str  # site root (with the nested-archive chain), "" when the side cannot tell


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

    @property
    def has_drift(self) -> bool:
        return any((self.added, self.removed, self.changed, self.files_added)) or any(
            (self.files_removed, self.files_changed)
        )


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


def compare(before: Side, after: Side) -> Drift:
    use_where = all(p.where for p in before.packages + after.packages)
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
    return Drift(
        tuple(added),
        tuple(removed),
        tuple(changed),
        files_added=tuple(sorted(fb.keys() - fa.keys())),
        files_removed=tuple(sorted(fa.keys() - fb.keys())),
        files_changed=tuple(sorted(k for k in fa.keys() & fb.keys() if fa[k] != fb[k])),
        files_compared=True,
    )


def drift_to_json(before: Side, after: Side, drift: Drift) -> dict[str, Any]:
    def pkg(p: Package) -> dict[str, str]:
        return {"name": p.name, "version": p.version, "where": p.where}

    return {
        "baseline": {"path": before.label, "kind": before.kind},
        "current": {"path": after.label, "kind": after.kind},
        "drift": drift.has_drift,
        "components": {
            "added": [pkg(p) for p in drift.added],
            "removed": [pkg(p) for p in drift.removed],
            "changed": [
                {"name": a.name, "where": a.where, "from": a.version, "to": b.version}
                for a, b in drift.changed
            ],
        },
        "files": {
            "compared": drift.files_compared,
            "added": list(drift.files_added),
            "removed": list(drift.files_removed),
            "changed": list(drift.files_changed),
        },
    }


def _index(packages: tuple[Package, ...], use_where: bool) -> dict[ComponentKey, list[Package]]:
    index: dict[ComponentKey, list[Package]] = {}
    for p in packages:
        index.setdefault((p.name, p.where if use_where else ""), []).append(p)
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
                packages.append(Package(c.name, c.version, where))
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
        Package(c.name, c.version, "!".join((*c.chain, c.site_root)) if c.site_root else "")
        for c in opened.components
        if c.kind is not ComponentKind.UNCLAIMED
    )
    return Side(path, "sbom", packages, None)

"""Prepare the behaviour bench's inputs under bench/out/behaviour/ (gitignored), once.

* ``malware/NNN-NAME/``: the tree pip would install from each sample of
  ``pypi-malregistry-dev.zip`` (bench/behaviour_install.py); ``archives/NNN/FILE``: the sample
  archive itself, byte for byte (sha256 checked against the manifest), for the archive mode.
* ``legit/NAME/``: each downloaded popular wheel installed as pip would.

Each side keeps an ``index.json`` (what was built from which input, with the tree's figures and
the builder's version), so a later run rebuilds only what changed. Nothing is run or imported.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import zipfile
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from behaviour_archive import SAMPLE_CAPS, Caps
from behaviour_install import Tree, install_sdist, install_wheel

BUILDER_VERSION = 3  # bump when the tree builders change: every tree is rebuilt


@dataclass(frozen=True)
class Sample:
    """One malicious sample: its manifest entry and where its files are."""

    index: int
    path: str  # inside the dataset zip
    name: str
    version: str
    kind: str  # "sdist" | "wheel"
    hint: str  # category_hint
    sha256: str
    tree: Path
    archive: Path
    built: Tree


@dataclass(frozen=True)
class Legit:
    """One popular project's installed wheel."""

    project: str
    filename: str
    tree: Path
    built: Tree


def _safe_leaf(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._+-]+", "_", text)[:100] or "_"


def _load_index(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    raw = json.loads(path.read_text(encoding="utf-8"))
    return dict(raw["entries"]) if raw.get("builder") == BUILDER_VERSION else {}


def _save_index(path: Path, entries: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"builder": BUILDER_VERSION, "entries": entries}, indent=1))
    os.replace(tmp, path)


def _tree(raw: dict[str, Any]) -> Tree:
    return Tree(**{**raw, "skipped": tuple(tuple(x) for x in raw["skipped"])})


def _build_sample(job: tuple[dict[str, Any], bytes, str, str]) -> dict[str, Any]:
    entry, data, tree, archive = job
    Path(archive).parent.mkdir(parents=True, exist_ok=True)
    Path(archive).write_bytes(data)
    leaf = entry["path"].rsplit("/", 1)[-1]
    if entry["kind"] == "wheel":
        built = install_wheel(data, leaf, Path(tree), SAMPLE_CAPS)
    else:
        built = install_sdist(data, leaf, Path(tree), SAMPLE_CAPS, entry["name"], entry["version"])
    return asdict(built)


def malware_samples(dataset: Path, out: Path, jobs: int = 2) -> list[Sample]:
    """Every sample of the dataset zip, its tree built (or reused) under ``out``."""
    index_path = out / "malware-index.json"
    index = _load_index(index_path)
    with zipfile.ZipFile(dataset) as outer:
        manifest = json.loads(outer.read("manifest.json"))
        todo: list[tuple[dict[str, Any], bytes, str, str]] = []
        places: list[tuple[Path, Path]] = []
        for number, entry in enumerate(manifest):
            leaf = _safe_leaf(entry["path"].rsplit("/", 1)[-1])
            tree = out / "malware" / f"{number:03d}-{_safe_leaf(entry['name'])}"
            archive = out / "archives" / f"{number:03d}" / leaf
            places.append((tree, archive))
            done = index.get(entry["sha256"])
            if done and done["tree"] == str(tree) and archive.is_file():
                continue
            data = outer.read(entry["path"])
            if hashlib.sha256(data).hexdigest() != entry["sha256"]:
                raise SystemExit(f"{entry['path']}: sha256 differs from the manifest")
            todo.append((entry, data, str(tree), str(archive)))
    for (entry, _, tree_text, _), built in zip(todo, _map(_build_sample, todo, jobs), strict=True):
        index[entry["sha256"]] = {"tree": tree_text, "built": built}
    if todo:
        _save_index(index_path, index)
    return [
        Sample(
            number,
            entry["path"],
            entry["name"],
            entry["version"],
            entry["kind"],
            entry["category_hint"],
            entry["sha256"],
            tree,
            archive,
            _tree(index[entry["sha256"]]["built"]),
        )
        for number, (entry, (tree, archive)) in enumerate(zip(manifest, places, strict=True))
    ]


def _build_legit(job: tuple[str, str, str]) -> dict[str, Any]:
    wheel, filename, tree = job
    return asdict(install_wheel(Path(wheel), filename, Path(tree), Caps()))


def legit_trees(
    choices: list[tuple[str, str]], wheels: Path, out: Path, jobs: int = 2
) -> list[Legit]:
    """Install each ``(project, wheel filename)`` under ``out/legit`` (or reuse the tree)."""
    index_path = out / "legit-index.json"
    index = _load_index(index_path)
    todo: list[tuple[str, str, str]] = []
    for project, filename in choices:
        tree = out / "legit" / _safe_leaf(project)
        done = index.get(project)
        if (
            done
            and done["filename"] == filename
            and (tree.is_dir() or done["built"]["status"] != "ok")
        ):
            continue
        todo.append((str(wheels / filename), filename, str(tree)))
    by_tree = {t: p for p, _ in choices for t in [str(out / "legit" / _safe_leaf(p))]}
    for job, built in zip(todo, _map(_build_legit, todo, jobs), strict=True):
        index[by_tree[job[2]]] = {"filename": job[1], "built": built}
    if todo:
        _save_index(index_path, index)
    return [
        Legit(
            project, filename, out / "legit" / _safe_leaf(project), _tree(index[project]["built"])
        )
        for project, filename in choices
    ]


def _map(
    function: Callable[[Any], dict[str, Any]], jobs: list[Any], workers: int
) -> list[dict[str, Any]]:
    if not jobs:
        return []
    if workers <= 1:
        return [function(j) for j in jobs]
    with ProcessPoolExecutor(workers) as pool:
        return list(pool.map(function, jobs, chunksize=8))

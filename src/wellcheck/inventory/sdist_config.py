"""What an sdist's build configuration says, read without running anything.

* :func:`read_pyproject` / :func:`read_setup_cfg`: ``pyproject.toml`` (``tomllib``) and
  ``setup.cfg`` (``configparser``, no interpolation), bounded reads, problems as warnings;
* :func:`build_system`: the PEP 517 backend pip would use (PEP 518's default when the
  table or the key is absent: ``setuptools.build_meta:__legacy__``, which runs setup.py);
* :func:`discover_top_level`: the import names setuptools' automatic discovery would
  install (setuptools 69-75 ``setuptools/discovery.py``: src-layout, else flat-layout
  packages, else flat-layout modules, with its reserved names);
* :func:`module_files`: the files an import of a dotted module name runs, found in the
  tree as Python's path finder would (package ``__init__.py`` files first).
"""

from __future__ import annotations

import configparser
import fnmatch
import posixpath
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from wellcheck.artifact.base import Entry, EntryKind, Tree
from wellcheck.inventory import reading

LEGACY_BACKEND = "setuptools.build_meta:__legacy__"  # pip's default (PEP 517, PEP 518)

# setuptools/discovery.py: FlatLayoutPackageFinder._EXCLUDE (each also as "NAME.*")
_FLAT_PACKAGES_EXCLUDED = (
    "ci", "bin", "debian", "doc", "docs", "documentation", "manpages", "news",
    "newsfragments", "changelog", "test", "tests", "unit_test", "unit_tests", "example",
    "examples", "scripts", "tools", "util", "utils", "python", "build", "dist", "venv", "env",
    "requirements", "tasks", "fabfile", "site_scons", "benchmark", "benchmarks", "exercise",
    "exercises", "htmlcov", "[._]*",
)  # fmt: skip
# setuptools/discovery.py: FlatLayoutModuleFinder.DEFAULT_EXCLUDE
_FLAT_MODULES_EXCLUDED = (
    "setup", "conftest", "test", "tests", "example", "examples", "build", "toxfile", "noxfile",
    "pavement", "dodo", "tasks", "fabfile", "[Ss][Cc]onstruct", "conanfile", "manage",
    "benchmark", "benchmarks", "exercise", "exercises", "[._]*",
)  # fmt: skip
_ALWAYS_EXCLUDED = ("ez_setup", "*__pycache__")  # setuptools' PackageFinder.ALWAYS_EXCLUDE


@dataclass(frozen=True)
class BuildSystem:
    backend: str  # "module.path:object"
    backend_path: tuple[str, ...]  # directories, relative to the source directory
    requires: tuple[str, ...]

    @property
    def module(self) -> str:
        return self.backend.partition(":")[0].strip()


def read_pyproject(tree: Tree, path: str, warnings: list[str]) -> dict[str, Any] | None:
    """The parsed ``pyproject.toml`` at ``path``; None when absent or unusable."""
    if path not in tree.entries():
        return None
    text = reading.read_text(tree, path, warnings)
    if text is None:
        return None
    try:
        return tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError) as exc:
        warnings.append(f"{path}: not valid TOML ({str(exc)[:200]})")
        return None


def read_setup_cfg(tree: Tree, path: str, warnings: list[str]) -> configparser.ConfigParser | None:
    if path not in tree.entries():
        return None
    text = reading.read_text(tree, path, warnings)
    if text is None:
        return None
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text, source=path)
    except configparser.Error as exc:
        warnings.append(f"{path}: not a valid setup.cfg ({str(exc)[:200]})")
        return None
    return parser


def table(data: Mapping[str, Any] | None, *keys: str) -> dict[str, Any]:
    """``data[k1][k2]...`` when every level is a table, else {}."""
    current: Any = data or {}
    for key in keys:
        current = current.get(key) if isinstance(current, dict) else None
    return current if isinstance(current, dict) else {}


def strings(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(item for item in value if isinstance(item, str))
    return ()


def build_system(pyproject: Mapping[str, Any] | None) -> BuildSystem:
    section = table(pyproject, "build-system")
    backend = section.get("build-backend")
    return BuildSystem(
        backend=backend.strip() if isinstance(backend, str) and backend.strip() else LEGACY_BACKEND,
        backend_path=strings(section.get("backend-path")),
        requires=strings(section.get("requires")),
    )


def inside(root: str, relative: str) -> str | None:
    """``relative`` (a path the configuration names) as a tree path under ``root``; None
    when it is absolute or leaves the source directory (pip refuses such a backend-path)."""
    if relative.startswith(("/", "\\")) or "\\" in relative or "\x00" in relative:
        return None
    normal = posixpath.normpath(relative)
    if normal == ".." or normal.startswith("../"):
        return None
    if normal == ".":
        return root
    return f"{root}/{normal}" if root else normal


def module_files(entries: Mapping[str, Entry], bases: list[str], module: str) -> list[str]:
    """The files importing ``module`` runs, from the first base directory that has it:
    each parent package's ``__init__.py``, then the module file, or every ``.py`` file
    of the package when the module is a package (its code may load any of them)."""
    parts = [p for p in module.strip().split(".") if p]
    if not parts or not all(p.isidentifier() for p in parts):
        return []
    for base in bases:
        prefix = f"{base}/" if base else ""
        path = prefix + "/".join(parts)
        inits = [f"{prefix}{'/'.join(parts[:n])}/__init__.py" for n in range(1, len(parts))]
        parents = [init for init in inits if _is_file(entries, init)]
        if _is_file(entries, f"{path}.py"):
            return [*parents, f"{path}.py"]
        if _is_file(entries, f"{path}/__init__.py"):
            package = [p for p in entries if p.startswith(f"{path}/") and p.endswith(".py")]
            return [*parents, *sorted(p for p in package if _is_file(entries, p))]
    return []


def _is_file(entries: Mapping[str, Entry], path: str) -> bool:
    entry = entries.get(path)
    return entry is not None and entry.kind is not EntryKind.DIR


def discover_top_level(entries: Mapping[str, Entry], root: str) -> tuple[str, ...]:
    """Import names setuptools' automatic discovery installs from the source directory."""
    prefix = f"{root}/" if root else ""
    src = _children(entries, f"{prefix}src")
    if src[0] or src[1]:  # src-layout: every package and module under src/
        dirs, files = src
        packages = [d for d in dirs if "." not in d and not _matches(d, _ALWAYS_EXCLUDED)]
        return tuple(sorted({*packages, *_modules(files, ())}))
    dirs, files = _children(entries, root)
    packages = [
        d
        for d in dirs
        if "." not in d and d.isidentifier() and not _matches(d, _FLAT_PACKAGES_EXCLUDED)
    ]
    if packages:  # flat-layout modules are looked for only when no package is found
        return tuple(sorted(packages))
    return tuple(sorted(_modules(files, _FLAT_MODULES_EXCLUDED)))


def _modules(files: set[str], excluded: tuple[str, ...]) -> set[str]:
    stems = {name[:-3] for name in files if name.endswith(".py")}
    return {s for s in stems if s.isidentifier() and not _matches(s, excluded)}


def _matches(name: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)


def _children(entries: Mapping[str, Entry], directory: str) -> tuple[set[str], set[str]]:
    """(directory names, file names) directly inside ``directory`` ('' is the root)."""
    prefix = f"{directory}/" if directory else ""
    dirs: set[str] = set()
    files: set[str] = set()
    for path, entry in entries.items():
        if not path.startswith(prefix) or path == directory:
            continue
        head, sep, _ = path[len(prefix) :].partition("/")
        if sep or entry.kind is EntryKind.DIR:
            dirs.add(head)
        else:
            files.add(head)
    return dirs, files

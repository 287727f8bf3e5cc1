"""Inventory of a source distribution: one SDIST component, and what pip would run.

:func:`sdist_component` turns a :class:`~wellcheck.artifact.sdist.SdistTree` into one
``Component`` of kind ``SDIST``:

* name and version from ``PKG-INFO`` in the source directory; failing that from
  ``pyproject.toml`` ``[project]`` (a ``dynamic`` version is no version), then from the
  directory name ``NAME-VERSION``, then from the archive's file name.  Whatever was
  used besides PKG-INFO is said in the component's warnings;
* ``location`` ``NAME-VERSION/PKG-INFO`` (even when that file is missing: a warning
  says so), ``site_root`` the source directory, ``files`` every file in it (relative
  to it), ``hashes`` the sha256 of the archive when it is nested (in a wheelhouse: the
  digest PyPI and ``--require-hashes`` give; an sdist given as the artifact has its
  sha256 on the artifact);
* ``top_level``: what setuptools' automatic discovery would install (src-layout, else
  flat-layout packages, else modules other than setup.py and the like; see
  :mod:`.sdist_config`), plus the names in an ``*.egg-info/top_level.txt`` the sdist
  ships;
* requirements from PKG-INFO, else ``[project] dependencies`` and
  ``optional-dependencies``, else ``*.egg-info/requires.txt``.

:func:`install_time_files` ``(tree, component) -> tuple[str, ...]`` lists the tree
paths of the code pip would run to build the sdist (for the behaviour check; ``tree`` is
the one whose ``chain`` is the component's, the paths are keys of its ``entries()``):

* ``setup.py``, unless ``pyproject.toml`` names a build backend known never to run it
  (hatchling, flit_core, pdm, poetry-core, maturin, meson-python, scikit-build-core,
  uv_build).  With no ``[build-system]``, pip uses ``setuptools.build_meta:__legacy__``;
* an in-tree backend: the module ``build-backend`` names, found under ``backend-path``
  (its parent packages' ``__init__.py`` and, for a package, all its ``.py`` files);
* setuptools command classes named in ``setup.cfg`` ``[options] cmdclass`` or
  ``pyproject.toml`` ``[tool.setuptools.cmdclass]`` (looked up at the root and in src/);
* backend hooks: hatch's custom hooks (``path``, default ``hatch_build.py``), pdm's
  ``pdm_build.py`` (or ``[tool.pdm.build] custom-hook``), poetry's build script.

Limits: code those files import is not followed; ``setup.py``'s own ``cmdclass`` is in
setup.py itself; packages in ``build-system.requires`` / ``setup_requires`` are
fetched and run by pip but are not in the sdist; ``package_dir`` and explicit
``packages`` lists are not read (discovery is what ``top_level`` mirrors).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from packaging.utils import canonicalize_name

from wellcheck.artifact.base import Entry, EntryKind, Tree
from wellcheck.artifact.sdist import TAR_SUFFIXES, SdistTree
from wellcheck.inventory import reading
from wellcheck.inventory.metadata import Metadata, is_pep440_version, parse_metadata
from wellcheck.inventory.metadata import requires_from_egg as _requires_from_egg
from wellcheck.inventory.sdist_config import (
    build_system,
    discover_top_level,
    inside,
    module_files,
    read_pyproject,
    read_setup_cfg,
    strings,
    table,
)
from wellcheck.models import Component, ComponentKind

__all__ = ["install_time_files", "own_egg_info", "sdist_component"]

#: backends that never run setup.py (top-level module of ``build-backend``)
NO_SETUP_PY = frozenset(
    {"hatchling", "flit_core", "pdm", "poetry", "maturin", "mesonpy", "scikit_build_core"}
    | {"uv_build"}
)
_NAME_VERSION = re.compile(r"^(?P<name>.+?)-(?P<version>v?[0-9].*)$")


def sdist_component(tree: SdistTree, artifact_python: str | None = None) -> Component:
    """The one component of an sdist (never raises on what the files say)."""
    warnings: list[str] = []
    entries = tree.entries()
    meta_file = tree.path("PKG-INFO")
    md = _pkg_info(tree, meta_file, warnings)
    pyproject = read_pyproject(tree, tree.path("pyproject.toml"), warnings)
    project = table(pyproject, "project")
    name, version = _identity(tree, md, project, warnings)
    egg_info = _egg_info_dir(entries, tree.root)
    top_level = set(discover_top_level(entries, tree.root))
    if egg_info is not None:
        text = _optional_text(tree, f"{egg_info}/top_level.txt", warnings)
        top_level.update(reading.lines(text or ""))
    prefix = f"{tree.root}/" if tree.root else ""
    files = tuple(
        path[len(prefix) :]
        for path, entry in entries.items()
        if path.startswith(prefix) and entry.kind is not EntryKind.DIR
    )
    return Component(
        name=canonicalize_name(name) if name else "",
        version=version,
        kind=ComponentKind.SDIST,
        location=meta_file,
        display_name=name,
        version_is_pep440=is_pep440_version(version) if version else True,
        chain=tree.chain,
        site_root=tree.root,
        python_version=artifact_python,
        summary=md.summary or _text(project.get("description")),
        license_expression=md.license_expression,
        licenses=md.licenses,
        authors=md.authors,
        maintainers=md.maintainers,
        project_urls=md.project_urls or _urls(project),
        requires_dist=md.requires_dist or _requires(tree, project, egg_info, warnings),
        requires_python=md.requires_python or _text(project.get("requires-python")) or None,
        hashes=(("sha256", tree.sha256),) if tree.sha256 else (),
        top_level=tuple(sorted(t for t in top_level if t)),
        files=tuple(sorted(files)),
        warnings=tuple(warnings),
    )


def _pkg_info(tree: Tree, path: str, warnings: list[str]) -> Metadata:
    if path not in tree.entries():
        warnings.append(f"{path}: missing")
        return Metadata()
    got = reading.read_head(tree, path, reading.MAX_HEAD, warnings)
    if got is None:
        return Metadata()
    md = parse_metadata(got[0], source="PKG-INFO")
    warnings.extend(md.warnings)
    return md


def _identity(
    tree: SdistTree, md: Metadata, project: Mapping[str, Any], warnings: list[str]
) -> tuple[str, str]:
    """(name as spelled, version): PKG-INFO, pyproject [project], the directory name,
    the archive's file name; each fallback is named in the warnings."""
    fallbacks = (
        ("pyproject.toml [project]", _text(project.get("name")), _static_version(project)),
        (repr(tree.root), *_split_name_version(tree.root)),
        (repr(tree.archive), *_split_name_version(_strip_suffix(tree.archive))),
    )
    name, version = md.name or "", md.version or ""
    for source, other_name, other_version in fallbacks:
        if not name and other_name:
            name = other_name
            warnings.append(f"name taken from {source}")
        if not version and other_version:
            version = other_version
            warnings.append(f"version taken from {source}")
    return name, version


def _static_version(project: Mapping[str, Any]) -> str:
    if "version" in strings(project.get("dynamic")):
        return ""
    return _text(project.get("version"))


def _split_name_version(stem: str) -> tuple[str, str]:
    match = _NAME_VERSION.match(stem)
    return (match.group("name"), match.group("version")) if match else ("", "")


def _strip_suffix(archive: str) -> str:
    lower = archive.lower()
    for suffix in (*TAR_SUFFIXES, ".zip"):
        if lower.endswith(suffix):
            return archive[: -len(suffix)]
    return ""


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _urls(project: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    urls = project.get("urls")
    if not isinstance(urls, dict):
        return ()
    return tuple((str(k), v) for k, v in urls.items() if isinstance(v, str))


def _requires(
    tree: Tree, project: Mapping[str, Any], egg_info: str | None, warnings: list[str]
) -> tuple[str, ...]:
    dynamic = strings(project.get("dynamic"))
    found = list(strings(project.get("dependencies"))) if "dependencies" not in dynamic else []
    optional = project.get("optional-dependencies")
    if isinstance(optional, dict) and "optional-dependencies" not in dynamic:
        for extra, items in optional.items():
            found += [f'{item} ; extra == "{extra}"' for item in strings(items)]
    if found or egg_info is None:
        return tuple(found)
    return _requires_from_egg(_optional_text(tree, f"{egg_info}/requires.txt", warnings) or "")


def _optional_text(tree: Tree, path: str, warnings: list[str]) -> str | None:
    if path not in tree.entries():
        return None
    return reading.read_text(tree, path, warnings)


def own_egg_info(tree: SdistTree) -> str | None:
    """The sdist's own ``*.egg-info`` directory (setuptools writes one into every sdist
    it makes), as a tree path; None when there is none."""
    return _egg_info_dir(tree.entries(), tree.root)


def _egg_info_dir(entries: Mapping[str, Entry], root: str) -> str | None:
    """The ``*.egg-info`` directory setuptools writes into an sdist (root or src/)."""
    prefix = f"{root}/" if root else ""
    for base in (prefix, f"{prefix}src/"):
        for path in entries:
            if path.startswith(base) and path.endswith("/PKG-INFO"):
                directory = path[len(base) : -len("/PKG-INFO")]
                if "/" not in directory and directory.endswith(".egg-info"):
                    return f"{base}{directory}"
    return None


def install_time_files(tree: Tree, component: Component) -> tuple[str, ...]:
    """Tree paths of the code pip would run to build ``component`` (an SDIST), in the
    order pip would meet them; () for any other kind.  See the module docstring."""
    if component.kind is not ComponentKind.SDIST:
        return ()
    root = component.site_root
    entries = tree.entries()
    warnings: list[str] = []  # a broken file means pip stops: nothing more to list

    def at(relative: str) -> str:
        return f"{root}/{relative}" if root else relative

    pyproject = read_pyproject(tree, at("pyproject.toml"), warnings)
    build = build_system(pyproject)
    top = build.module.split(".")[0]
    found: list[str] = []
    bases = [p for p in (inside(root, d) for d in build.backend_path) if p is not None]
    if bases:
        found += module_files(entries, bases, build.module)
    if top not in NO_SETUP_PY:
        found.append(at("setup.py"))
        for module in _cmdclass_modules(tree, pyproject, at("setup.cfg"), warnings):
            found += module_files(entries, [root, at("src")], module)
    found += [p for p in (inside(root, h) for h in _hook_paths(top, pyproject)) if p]
    seen: dict[str, None] = {}
    for path in found:
        entry = entries.get(path)
        if entry is not None and entry.kind is not EntryKind.DIR:
            seen.setdefault(path, None)
    return tuple(seen)


def _cmdclass_modules(
    tree: Tree, pyproject: Mapping[str, Any] | None, setup_cfg: str, warnings: list[str]
) -> list[str]:
    """Modules of the command classes setup.cfg and ``[tool.setuptools.cmdclass]`` name
    (``pkg.module.Class`` or ``pkg.module:Class``)."""
    values = list(table(pyproject, "tool", "setuptools", "cmdclass").values())
    parser = read_setup_cfg(tree, setup_cfg, warnings)
    if parser is not None and parser.has_option("options", "cmdclass"):
        for line in parser.get("options", "cmdclass").splitlines():
            values.append(line.partition("=")[2])
    modules = []
    for value in values:
        if isinstance(value, str) and value.strip():
            qualified = value.strip()
            module = qualified.partition(":")[0] if ":" in qualified else qualified
            modules.append(module if ":" in qualified else module.rpartition(".")[0])
    return [m for m in modules if m]


def _hook_paths(backend: str, pyproject: Mapping[str, Any] | None) -> list[str]:
    """Build hook files the backend loads from the source tree."""
    paths: list[str] = []
    if backend == "hatchling":
        hatch = table(pyproject, "tool", "hatch")
        hooks = [_found(hatch, "build", "hooks", "custom")]
        hooks.append(_found(hatch, "metadata", "hooks", "custom"))
        for target in table(hatch, "build", "targets").values():
            hooks.append(_found(target, "hooks", "custom"))
        for hook in hooks:
            if hook is not None:
                paths.append(_text(hook.get("path")) or "hatch_build.py")
    elif backend == "pdm":
        custom = _text(table(pyproject, "tool", "pdm", "build").get("custom-hook"))
        paths.append(custom or "pdm_build.py")
    elif backend == "poetry":
        build = table(pyproject, "tool", "poetry").get("build")  # a table, or (old) a path
        script = _text(build.get("script") if isinstance(build, dict) else build)
        if script:
            paths.append(script)
    return paths


def _found(data: object, *keys: str) -> dict[str, Any] | None:
    """``data[k1][k2]...`` when present and a table (an empty one included), else None."""
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data if isinstance(data, dict) else None

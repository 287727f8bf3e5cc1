"""Why each source file of an sdist would run: what pip runs to build it, what it installs.

pip builds an sdist by running its ``setup.py`` (with the sdist's root first on
``sys.path``, so the root modules ``setup.py`` imports run too) or the in-tree build
backend ``[build-system] backend-path`` names (the ``build-backend`` module, the
``__init__`` of each package above it, and the rest of the backend's package, which it
imports freely).  Those files are install-time code (``Role.INSTALL``); test modules
among them are still tests (a backend does not run its own tests).

What the build then installs are the project's packages and modules, and nothing else:
a script, benchmark or demo directory of the sdist (``scripts/``, ``bench/``,
``Demos/``) is neither installed nor run by pip; only a person who unpacks the sdist
runs it.  Such files are ``Role.SOURCE_ONLY`` and their findings are at most low, as
tests' are.  Which files a build installs depends on its backend:

- every backend: files under ``src/``, and files whose top directory or root module is
  named in the build configuration (a string of ``setup.py``, a value of ``setup.cfg``,
  the project's name and the wheel-building tables of ``pyproject.toml``: setuptools,
  hatch's wheel target, poetry, flit, pdm, maturin; not other tools' tables nor an
  sdist target's include list) or by the build that made the sdist (PKG-INFO's
  ``Name``, ``*.egg-info/top_level.txt``);
- setuptools (also pip's default without ``build-backend``) and pdm: a chain of regular
  packages from the root (each directory holds an ``__init__.py``: what
  ``find_packages`` finds); for setuptools, when the configuration names no packages
  or modules at all, whatever its automatic discovery may pick (any top-level directory
  or module but the ones it excludes: ``tests``, ``docs``, ``scripts``...);
- hatchling, flit, poetry, maturin, scikit-build-core: only what is named (their
  defaults derive from the project's name);
- any other backend (mesonpy reads ``meson.build``), or any mention of namespace
  packages: everything is installable.
"""

from __future__ import annotations

import posixpath
import re
import tomllib
from collections.abc import Mapping
from typing import Any

from wellcheck.artifact.base import Entry, Tree
from wellcheck.errors import ArtifactError, HostileArtifactError
from wellcheck.signals.behaviour.facts import Role

SOURCE_SUFFIXES = (".py", ".pyw")
MAX_CONFIG = 1024 * 1024  # bytes read of setup.py, setup.cfg and pyproject.toml
CONFIG_FILES = ("setup.py", "setup.cfg", "pyproject.toml")
_IMPORT = re.compile(rb"^[ \t]*(?:from[ \t]+([A-Za-z_]\w*)|import[ \t]+([^\n#;]+))", re.MULTILINE)
_WORD = re.compile(r"[\w-]+")


def sdist_roles(tree: Tree, root: str, test: frozenset[str] = frozenset()) -> dict[str, Role]:
    """INSTALL or SOURCE_ONLY for the source files of the sdist at ``root`` (a tree
    directory, "" for the tree's root) that have one; the others are modules.
    ``test``: paths already known to be test modules (never INSTALL)."""
    entries = tree.entries()
    prefix = f"{root}/" if root else ""
    sources = [p for p in entries if p.startswith(prefix) and p.endswith(SOURCE_SUFFIXES)]
    texts = {name: _read(tree, f"{prefix}{name}") for name in CONFIG_FILES}
    pyproject = _toml(texts["pyproject.toml"])
    install = _install_files(entries, prefix, texts["setup.py"], pyproject)
    words = {w.lower() for text in texts.values() for w in _WORD.findall(text)}
    if any("namespace" in w for w in words):
        return {p: Role.INSTALL for p in install if p not in test}
    backend = _backend(pyproject)
    if backend == "setuptools":
        chain, discovered = True, not any(w.endswith(_EXPLICIT) for w in words)
    elif backend.startswith("pdm"):
        chain, discovered = True, False
    elif backend.startswith(_NAMING_BACKENDS):
        chain, discovered = False, False
    else:  # a backend whose file lists we do not read (mesonpy: meson.build): all installable
        return {p: Role.INSTALL for p in install if p not in test}
    layout = _Layout(
        entries,
        prefix,
        named={
            w.lower()
            for text in (*_build_strings(texts, pyproject), *_built_names(tree, entries, prefix))
            for w in _WORD.findall(text)
        },
        chain=chain,
        discovered=discovered,
    )
    roles: dict[str, Role] = {}
    for path in sources:
        if path in install:
            if path not in test:
                roles[path] = Role.INSTALL
        elif not layout.installable(path[len(prefix) :]):
            roles[path] = Role.SOURCE_ONLY
    return roles


#: words that mean the configuration lists what to install (setuptools ``packages``,
#: ``py_modules``, ``package_dir``; hatch and poetry ``packages``/``only-include``;
#: flit ``module``)
_EXPLICIT = ("packages", "py_modules", "py-modules", "package_dir", "only-include", "module")
#: top-level names setuptools' automatic discovery never installs
#: (``setuptools.discovery.FlatLayoutPackageFinder.DEFAULT_EXCLUDE`` and
#: ``FlatLayoutModuleFinder.DEFAULT_EXCLUDE``)
_NOT_DISCOVERED = frozenset(
    {
        *("ci", "bin", "debian", "doc", "docs", "documentation", "manpages", "news"),
        *("newsfragments", "changelog", "test", "tests", "unit_test", "unit_tests"),
        *("example", "examples", "scripts", "tools", "util", "utils", "python", "build"),
        *("dist", "venv", "env", "requirements", "tasks", "fabfile", "site_scons"),
        *("benchmark", "benchmarks", "exercise", "exercises", "htmlcov", "setup"),
        *("conftest", "toxfile", "noxfile", "pavement", "dodo", "manage", "conanfile"),
        "sconstruct",
    }
)


class _Layout:
    def __init__(
        self,
        entries: Mapping[str, Entry],
        prefix: str,
        named: set[str],
        *,
        chain: bool,
        discovered: bool,
    ) -> None:
        self.entries, self.prefix, self.named = entries, prefix, named
        self.chain, self.discovered = chain, discovered

    def installable(self, relative: str) -> bool:
        parts = relative.split("/")
        if parts[0] == "src" and len(parts) > 1:
            return True
        top = parts[0].lower()
        stem = top.rsplit(".", 1)[0] if len(parts) == 1 else top
        if stem in self.named or top in self.named:
            return True
        if self.discovered and stem not in _NOT_DISCOVERED and not stem.startswith((".", "_")):
            return True
        if len(parts) == 1 or not self.chain:
            return False
        directory = self.prefix.rstrip("/")
        for part in parts[:-1]:
            directory = f"{directory}/{part}" if directory else part
            if f"{directory}/__init__.py" not in self.entries:
                return False
        return True


#: backends that install the packages their configuration or the project's name
#: designate (hatch's, flit's, poetry's, maturin's and scikit-build-core's defaults)
_NAMING_BACKENDS = ("hatchling", "flit_core", "poetry", "maturin", "scikit_build_core")


def _toml(text: str) -> dict[str, Any]:
    """pyproject.toml's tables; none when it is absent or does not parse (pip would
    fail on it, and then builds nothing)."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return {}


def _backend(pyproject: dict[str, Any]) -> str:
    """``build-backend``: "setuptools" when absent (pip's legacy default) or setuptools'."""
    system = pyproject.get("build-system", {})
    backend = system.get("build-backend") if isinstance(system, dict) else None
    if not isinstance(backend, str) or backend.strip().startswith("setuptools"):
        return "setuptools"
    return backend.strip()


def _built_names(tree: Tree, entries: Mapping[str, Entry], prefix: str) -> list[str]:
    """The names the build that made the sdist used: PKG-INFO's ``Name`` (what a
    backend's defaults derive from) and ``*.egg-info/top_level.txt`` (what setuptools
    installed then)."""
    found = []
    for line in _read(tree, f"{prefix}PKG-INFO").splitlines():
        if line.lower().startswith("name:"):
            name = line.split(":", 1)[1].strip()
            found += [name, name.replace("-", "_"), name.replace(".", "_")]
            break
        if not line.strip():
            break
    for path in entries:
        relative = path[len(prefix) :] if path.startswith(prefix) else ""
        if relative.endswith(".egg-info/top_level.txt") and relative.count("/") <= 2:
            found += _read(tree, path).split()
    return found


def _build_strings(texts: dict[str, str], pyproject: dict[str, Any]) -> list[str]:
    """What the build configuration names: string literals of ``setup.py``, values of
    ``setup.cfg``, and the strings of pyproject.toml's wheel-building tables."""
    found = [m[2] for m in _STRING.finditer(texts["setup.py"])]
    for line in texts["setup.cfg"].splitlines():
        if line[:1] in (" ", "\t"):
            found.append(line)
        elif "=" in line:
            found.append(line.split("=", 1)[1])
    project = pyproject.get("project")
    if isinstance(project, dict) and isinstance(project.get("name"), str):
        found.append(project["name"])
        found.append(project["name"].replace("-", "_"))
    tool = pyproject.get("tool")
    for table in _BUILD_TABLES:
        value: Any = tool
        for key in table:
            value = value.get(key) if isinstance(value, dict) else None
        if isinstance(value, dict) and table == ("hatch",):
            value = {k: v for k, v in value.items() if k != "envs"}
            build = value.get("build")
            if isinstance(build, dict) and isinstance(build.get("targets"), dict):
                targets = {k: v for k, v in build["targets"].items() if k != "sdist"}
                value["build"] = {**build, "targets": targets}
        found.extend(_strings(value))
    return found


_STRING = re.compile(r"""(['"])((?:(?!\1)[^\\\n])*)\1""")
_BUILD_TABLES = (
    ("setuptools",),
    ("hatch",),
    ("poetry", "packages"),
    ("poetry", "include"),
    ("poetry", "name"),
    ("flit",),
    ("pdm", "build"),
    ("maturin",),
)


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _install_files(
    entries: Mapping[str, Entry], prefix: str, setup_py: str, pyproject: dict[str, Any]
) -> set[str]:
    found = {f"{prefix}setup.py"} & entries.keys()
    setup = setup_py.encode("utf-8", "replace")
    for match in _IMPORT.finditer(setup):
        names = [match[1].decode()] if match[1] else _imported(match[2].decode("ascii", "ignore"))
        for name in names:
            module, package = f"{prefix}{name}.py", f"{prefix}{name}/__init__.py"
            found |= {module, package} & entries.keys()
    system = pyproject.get("build-system", {})
    backend = system.get("build-backend") if isinstance(system, dict) else None
    paths = system.get("backend-path", []) if isinstance(system, dict) else []
    if not isinstance(backend, str) or not isinstance(paths, list):
        return found
    parts = backend.split(":", 1)[0].strip().split(".")
    for base in paths:
        if not isinstance(base, str):
            continue
        directory = posixpath.normpath(f"{prefix}{base}")
        if directory.startswith(".."):
            continue
        found |= _backend_files(entries, "" if directory == "." else f"{directory}/", parts)
    return found


def _backend_files(entries: Mapping[str, Entry], base: str, parts: list[str]) -> set[str]:
    """The backend module, the ``__init__`` of each package above it, and the other
    source files of its top-level package."""
    stem = f"{base}{'/'.join(parts)}"
    module = next((p for p in (f"{stem}.py", f"{stem}/__init__.py") if p in entries), None)
    if module is None:
        return set()
    found = {module}
    if len(parts) > 1:
        package = f"{base}{parts[0]}/"
        found |= {p for p in entries if p.startswith(package) and p.endswith(SOURCE_SUFFIXES)}
    return found


def _imported(clause: str) -> list[str]:
    """``import a, b.c as d`` -> ["a", "b"]."""
    names = []
    for item in clause.split(","):
        words = item.strip().strip("()").split()
        if words and re.fullmatch(r"[A-Za-z_][\w.]*", words[0]):
            names.append(words[0].split(".", 1)[0])
    return names


def _read(tree: Tree, path: str) -> str:
    try:
        return tree.read_bytes(path, limit=MAX_CONFIG).decode("utf-8", "replace")
    except HostileArtifactError:
        raise
    except ArtifactError:
        return ""

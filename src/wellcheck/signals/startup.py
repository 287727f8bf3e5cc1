"""Start-up hooks: code Python runs before the application imports anything.

* ``.pth`` files in a site directory: ``site.py`` executes every line that starts with
  ``import`` followed by a space or a tab (``exec(line)``, so ``import os; anything``
  runs ``anything``); other non-comment lines are appended to ``sys.path``.
* ``sitecustomize`` / ``usercustomize`` modules: imported by ``site`` at start-up from
  anywhere on ``sys.path`` (a ``.py``, a sourceless ``.pyc``, an extension module, or a
  package directory all count).

Executable ``.pth`` lines are WC-PTH-EXEC (high) unless the file matches an entry of
``ALLOWED_PTH`` by name AND every executable statement matches that entry's known
statement shapes (attackers reuse the names).  ``sitecustomize``/``usercustomize`` at a
site root, the function root or the stdlib directory above a ``site-packages`` is
WC-STARTUP-SITECUSTOMIZE (high).  Path lines pointing outside the site root are
WC-PTH-PATH (info).

Allow-list (name pattern: accepted statements, whitespace-insensitive, ';'-separated):

* ``distutils-precedence.pth``: setuptools' ``_distutils_hack`` shim (both defaults);
* ``*-nspkg.pth``: setuptools' namespace-package one-liner, every template generation
  (``has_mfs``, ``ie = os.path.exists``, plain); package names must be identifiers;
* ``_virtualenv.pth``: ``import _virtualenv``;
* ``*coverage*.pth``: ``import coverage; coverage.process_startup()``;
* ``__editable__.*.pth``: ``import __editable___X_finder; __editable___X_finder.install()``;
* ``easy-install.pth``: the two ``sys.__plen`` / ``sys.__egginsert`` lines;
* ``pywin32.pth``: ``import pywin32_bootstrap``.

Any other statement (a string holding ';' included) makes the file WC-PTH-EXEC.
"""

from __future__ import annotations

import fnmatch
import io
import posixpath
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from wellcheck.artifact.base import EntryKind, Tree
from wellcheck.errors import ArtifactError, HostileArtifactError
from wellcheck.models import Component, Finding, Severity

MAX_PTH_SIZE = 1024 * 1024
CUSTOMIZE_MODULES = ("sitecustomize", "usercustomize")
MODULE_SUFFIXES = (".py", ".pyc", ".so", ".pyd")

_ID = r"[A-Za-z_][A-Za-z0-9_]*"
_PKG = rf"'{_ID}(?:\.{_ID})*'"
_PTH = rf"\('{_ID}'(?:,'{_ID}')*,?\)"


def _shapes(*statements: str) -> tuple[re.Pattern[str], ...]:
    """Compile statement shapes written without spaces; PKG, PTH and ID are placeholders."""
    compiled = []
    for statement in statements:
        pattern = re.escape(statement)
        pattern = pattern.replace("PKG", _PKG).replace("PTH", _PTH).replace("ID", _ID)
        compiled.append(re.compile(pattern))
    return tuple(compiled)


@dataclass(frozen=True)
class AllowedPth:
    """A known-benign .pth: matched by file name AND the shape of every executable statement."""

    name: str  # fnmatch pattern on the file name
    origin: str
    statements: tuple[re.Pattern[str], ...]


_NSPKG_ROOT = "sys._getframe(1).f_locals['sitedir']"
_NSPKG_FIND = (
    "importlib.util.module_from_spec("
    "importlib.machinery.PathFinder.find_spec(PKG,[os.path.dirname(p)]))"
)
ALLOWED_PTH: tuple[AllowedPth, ...] = (
    AllowedPth(
        "distutils-precedence.pth",
        "setuptools (_distutils_hack shim)",
        _shapes(
            "importos",
            "var='SETUPTOOLS_USE_DISTUTILS'",
            "enabled=os.environ.get(var,'local')=='local'",
            "enabled=os.environ.get(var,'stdlib')=='local'",
            "enabledand__import__('_distutils_hack').add_shim()",
        ),
    ),
    AllowedPth(
        "*-nspkg.pth",
        "setuptools namespace package (all template versions)",
        _shapes(
            "importsys,types,os",
            "has_mfs=sys.version_info>(3,5)",
            f"p=os.path.join({_NSPKG_ROOT},*PTH)",
            "importlib=has_mfsand__import__('importlib.util')",
            "importlib=__import__('importlib.util')",
            "has_mfsand__import__('importlib.machinery')",
            "__import__('importlib.machinery')",
            f"m=has_mfsandsys.modules.setdefault(PKG,{_NSPKG_FIND})",
            f"m=sys.modules.setdefault(PKG,{_NSPKG_FIND})",
            "m=morsys.modules.setdefault(PKG,types.ModuleType(PKG))",
            "ie=os.path.exists(os.path.join(p,'__init__.py'))",
            "m=notieandsys.modules.setdefault(PKG,types.ModuleType(PKG))",
            "mp=(mor[])andm.__dict__.setdefault('__path__',[])",
            "(pnotinmp)andmp.append(p)",
            "mandsetattr(sys.modules[PKG],'ID',m)",
        ),
    ),
    AllowedPth("_virtualenv.pth", "virtualenv", _shapes("import_virtualenv")),
    AllowedPth(
        "*coverage*.pth",
        "coverage.py subprocess measurement",
        _shapes("importcoverage", "coverage.process_startup()"),
    ),
    AllowedPth(
        "__editable__.*.pth",
        "setuptools editable install (PEP 660)",
        _shapes("import__editable___ID_finder", "__editable___ID_finder.install()"),
    ),
    AllowedPth(
        "easy-install.pth",
        "setuptools easy_install",
        _shapes(
            "importsys",
            "sys.__plen=len(sys.path)",
            "new=sys.path[sys.__plen:]",
            "delsys.path[sys.__plen:]",
            "p=getattr(sys,'__egginsert',0)",
            "sys.path[p:p]=new",
            "sys.__egginsert=p+len(new)",
        ),
    ),
    AllowedPth("pywin32.pth", "pywin32", _shapes("importpywin32_bootstrap")),
)


@dataclass(frozen=True)
class PthVerdict:
    executable: tuple[str, ...]  # executable lines no allowlist entry explains
    allowed_by: str | None  # origin of the matching allowlist entry, when all lines matched
    outside_paths: tuple[str, ...]  # path lines that leave the site root


def is_executable_line(line: str) -> bool:
    """site.py's own test: the line starts with 'import' and a space or a tab."""
    return line.startswith(("import ", "import\t"))


def analyse_pth(name: str, text: str) -> PthVerdict:
    """Classify every line of a .pth file the way site.addpackage reads it."""
    executable: list[str] = []
    outside: list[str] = []
    for line in io.StringIO(text, newline=None):
        line = line.rstrip("\n")
        if line.startswith("#") or not line.strip():
            continue
        if is_executable_line(line):
            executable.append(line)
        elif _leaves_root(line.rstrip()):
            outside.append(line.rstrip())
    entry = next((a for a in ALLOWED_PTH if fnmatch.fnmatchcase(name, a.name)), None)
    if executable and entry is not None and all(_explained(line, entry) for line in executable):
        return PthVerdict((), entry.origin, tuple(outside))
    return PthVerdict(tuple(executable), None, tuple(outside))


def _explained(line: str, entry: AllowedPth) -> bool:
    statements = [re.sub(r"\s+", "", s) for s in line.split(";")]
    return all(not s or any(shape.fullmatch(s) for shape in entry.statements) for s in statements)


def _leaves_root(path_line: str) -> bool:
    if path_line.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", path_line):
        return True
    depth = 0
    for part in re.split(r"[/\\]", path_line):
        if part == "..":
            depth -= 1
            if depth < 0:
                return True
        elif part not in ("", "."):
            depth += 1
    return False


def scan_startup(
    tree: Tree,
    site_roots: Iterable[str],
    function_roots: Iterable[str] = (),
    owners: Mapping[str, Component] | None = None,
) -> list[Finding]:
    """Findings for .pth hooks at ``site_roots`` and customize modules at any root.

    ``owners`` maps a tree path to the component whose RECORD lists it, so a finding
    names the distribution that installed the hook ("" when nothing claims it).
    """
    owners = owners or {}
    findings: list[Finding] = []
    sites = sorted(set(site_roots))
    module_roots = set(sites) | set(function_roots)
    for root in sites:
        if root.endswith("site-packages") and "/" in root:
            module_roots.add(posixpath.dirname(root))  # lib/python3.X: the stdlib dir
    for root in sites:
        for entry in tree.iter_dir(root):
            name = posixpath.basename(entry.path)
            # hidden .pth files are skipped only from Python 3.13 on: check them too
            if name.endswith(".pth") and entry.kind is not EntryKind.DIR:
                findings.extend(_check_pth(tree, entry.path, name, owners))
    for root in sorted(module_roots):
        for entry in tree.iter_dir(root):
            if _is_customize_module(tree, entry.path, entry.kind):
                findings.append(_customize_finding(tree, entry.path, owners))
    return findings


def _check_pth(tree: Tree, path: str, name: str, owners: Mapping[str, Component]) -> list[Finding]:
    try:
        data = tree.read_bytes(path, limit=MAX_PTH_SIZE)
    except HostileArtifactError:
        raise
    except ArtifactError:
        return []  # a dangling symlink: site.py cannot read it either
    verdict = analyse_pth(name, data.decode("utf-8-sig", errors="replace"))
    owner = owners.get(path)
    where = _display(tree, path)
    found: list[Finding] = []
    if verdict.executable:
        lines = "; ".join(repr(line[:200]) for line in verdict.executable[:3])
        known = next((a for a in ALLOWED_PTH if fnmatch.fnmatchcase(name, a.name)), None)
        note = (
            f" (named like the {known.origin} file, but its code is not that file's)"
            if known
            else ""
        )
        found.append(
            Finding(
                kind="startup",
                rule="WC-PTH-EXEC",
                package=owner.name if owner else "",
                version=owner.version if owner else "",
                severity=Severity.HIGH,
                title=f"{name} runs code at every Python start-up{note}",
                location=where,
                confidence="high" if known is None else "medium",
                evidence=f"{len(verdict.executable)} executable line(s) in {path}: {lines}",
                remediation=(
                    "Find out which package installed this .pth file and why; remove it "
                    "(and the package) unless the code is understood and expected."
                ),
            )
        )
    if verdict.outside_paths:
        found.append(
            Finding(
                kind="startup",
                rule="WC-PTH-PATH",
                package=owner.name if owner else "",
                version=owner.version if owner else "",
                severity=Severity.INFO,
                title=f"{name} adds directories outside the site root to sys.path",
                location=where,
                confidence="low",
                evidence="; ".join(verdict.outside_paths[:5]),
                remediation="Check that the directories are expected on the runtime's sys.path.",
            )
        )
    return found


def _is_customize_module(tree: Tree, path: str, kind: EntryKind) -> bool:
    name = posixpath.basename(path)
    stem = name.split(".", 1)[0]
    if stem not in CUSTOMIZE_MODULES:
        return False
    if kind is EntryKind.DIR:  # a package: imported when it has an __init__
        return any(
            posixpath.basename(child.path).startswith("__init__.") for child in tree.iter_dir(path)
        )
    return name != stem and name.endswith(MODULE_SUFFIXES)


def _customize_finding(tree: Tree, path: str, owners: Mapping[str, Component]) -> Finding:
    name = posixpath.basename(path)
    owner = owners.get(path) or owners.get(f"{path}/__init__.py")
    return Finding(
        kind="startup",
        rule="WC-STARTUP-SITECUSTOMIZE",
        package=owner.name if owner else "",
        version=owner.version if owner else "",
        severity=Severity.HIGH,
        title=f"{name} is imported automatically at every Python start-up",
        location=_display(tree, path),
        confidence="high",
        evidence=f"{path} sits on sys.path, where site.py imports it before any application code",
        remediation=(
            "Deployment artifacts should not ship sitecustomize/usercustomize: find out what "
            "put it there and remove it."
        ),
    )


def _display(tree: Tree, path: str) -> str:
    return "!".join((*tree.chain, path))

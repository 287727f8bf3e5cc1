"""Known-benign start-up hooks: matched by name AND by the shape of their code.

Attackers reuse the names, so a name alone never clears a file.

``.pth`` files (name pattern: accepted statements, whitespace-insensitive, ';'-separated):

* ``distutils-precedence.pth``: setuptools' ``_distutils_hack`` shim (both defaults);
* ``*-nspkg.pth``: setuptools' namespace-package one-liner, every template generation
  (``has_mfs``, ``ie = os.path.exists``, plain); package names must be identifiers;
* ``_virtualenv.pth``: ``import _virtualenv``;
* ``*coverage*.pth``: ``import coverage; coverage.process_startup()``;
* ``__editable__.*.pth``: ``import __editable___X_finder; __editable___X_finder.install()``;
* ``easy-install.pth``: the two ``sys.__plen`` / ``sys.__egginsert`` lines;
* ``pywin32.pth``: ``import pywin32_bootstrap``.

Any other statement (a string holding ';' included) makes the file executable code.

``sitecustomize.py`` (the whole file, comments and blank lines aside, whitespace-insensitive):

* Debian/Ubuntu's stock ``/etc/python3.X/sitecustomize.py`` (linked from
  ``/usr/lib/python3.X/``), which installs apport's exception hook when it is importable:
  ASCII, its own comment and nothing else.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable
from dataclasses import dataclass

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


def pth_entry(name: str) -> AllowedPth | None:
    """The allow-list entry whose name pattern ``name`` matches (not yet its content)."""
    return next((a for a in ALLOWED_PTH if fnmatch.fnmatchcase(name, a.name)), None)


def pth_allowed_by(name: str, executable: Iterable[str]) -> str | None:
    """The origin of the entry explaining every executable line, or None."""
    entry = pth_entry(name)
    lines = list(executable)
    if entry is None or not lines:
        return None
    return entry.origin if all(_explained(line, entry) for line in lines) else None


def _explained(line: str, entry: AllowedPth) -> bool:
    statements = [re.sub(r"\s+", "", s) for s in line.split(";")]
    return all(not s or any(shape.fullmatch(s) for shape in entry.statements) for s in statements)


_APPORT_COMMENT = "#installtheapportexceptionhandlerifavailable"
_DEBIAN_APPORT = (
    "try:",
    "importapport_python_hook",
    "exceptImportError:",
    "pass",
    "else:",
    "apport_python_hook.install()",
)
MAX_CUSTOMIZE_SIZE = 4096  # the stock file is a few hundred bytes


def customize_allowed_by(name: str, data: bytes) -> str | None:
    """The origin of a known-benign ``sitecustomize.py`` whose whole content is ``data``.

    Only ASCII and only the stock comment: any other comment could be a PEP 263 coding
    declaration (``# coding: utf-7`` turns ``+AAo-`` into a line break) hiding code.
    """
    if name != "sitecustomize.py" or len(data) > MAX_CUSTOMIZE_SIZE or not data.isascii():
        return None
    text = data.decode("ascii")
    # the tokenizer ends lines at \n and \r only, str.splitlines also at \f, \v, \x1c...:
    # the file must read the same both ways
    for lines in (text.splitlines(), re.split(r"\r\n|\r|\n", text)):
        squeezed = tuple(s for s in (re.sub(r"\s+", "", line) for line in lines) if s)
        if squeezed not in (_DEBIAN_APPORT, (_APPORT_COMMENT, *_DEBIAN_APPORT)):
            return None
    return "Debian/Ubuntu's stock sitecustomize (apport exception hook)"

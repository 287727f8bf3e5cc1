"""Resolving what a name or attribute chain refers to, through imports and aliases.

``import base64 as b`` makes ``b.b64decode`` mean ``base64.b64decode``;
``from os import system as s`` makes ``s`` mean ``os.system``;
``__import__('os')``, ``importlib.import_module('os')`` and ``sys.modules['os']``
are ``os``; ``getattr(__builtins__, 'ex' + 'ec')``, ``__builtins__.__dict__['exec']``,
``globals()['__builtins__']`` and ``eval('exec')`` are ``builtins.exec``.  Folding
the attribute names is ``fold.Folder``'s job; this module only walks the shapes.
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Callable

BUILTIN_NAMES = frozenset(name for name in dir(builtins) if not name.startswith("_")) | {
    "__import__",
    "__build_class__",
}
_GLOBALS = "<globals>"
#: modules code uses by name often enough that an unbound name is taken to be them
IMPLICIT_MODULES = frozenset(
    {"os", "subprocess", "socket", "requests", "base64", "zlib", "marshal", "urllib", "ctypes"}
)
_IMPORTERS = frozenset({"builtins.__import__", "importlib.import_module", "importlib.__import__"})


class Names:
    """The alias table of one file and the resolution of expressions against it."""

    def __init__(self, fold_text: Callable[[ast.expr], object]) -> None:
        self.aliases: dict[str, str] = {}  # local name -> qualified name
        self.shadowed: set[str] = set()  # builtin names the file rebinds
        self._fold = fold_text

    def bind_import(self, node: ast.Import | ast.ImportFrom) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    self.aliases[alias.asname] = alias.name
                else:
                    top = alias.name.split(".", 1)[0]
                    self.aliases[top] = top
            return
        base = ("." * node.level) + (node.module or "")
        for alias in node.names:
            if alias.name == "*":
                continue
            self.aliases[alias.asname or alias.name] = (
                f"{base}.{alias.name}" if base else alias.name
            )

    def bind(self, name: str, value: ast.expr | None) -> None:
        """``name = value``: an alias when the value is a known API, else a plain variable."""
        qualified = self.qualify(value) if value is not None else None
        if qualified is not None and not qualified.startswith(_GLOBALS):
            self.aliases[name] = qualified
            return
        self.aliases.pop(name, None)
        if name in BUILTIN_NAMES or name in IMPLICIT_MODULES:
            self.shadowed.add(name)

    def define(self, name: str) -> None:
        """A def or class statement binds ``name``."""
        self.aliases.pop(name, None)
        if name in BUILTIN_NAMES or name in IMPLICIT_MODULES:
            self.shadowed.add(name)

    def qualify(self, node: ast.expr) -> str | None:
        """The dotted name ``node`` refers to, or None when it is not a known thing."""
        if isinstance(node, ast.Name):
            return self._name(node.id)
        if isinstance(node, ast.Attribute):
            base = self.qualify(node.value)
            if base is None:
                return None
            if node.attr == "__dict__":
                return base
            if base == _GLOBALS:
                return None
            if base.startswith("builtins.") and base.count(".") == 1:
                base = base[len("builtins.") :]  # bytes.fromhex, str.maketrans
            return f"{base}.{node.attr}"
        if isinstance(node, ast.Call):
            return self._call(node)
        if isinstance(node, ast.Subscript):
            return self._subscript(node)
        return None

    def _name(self, name: str) -> str | None:
        if name in self.aliases:
            return self.aliases[name]
        if name in IMPLICIT_MODULES and name not in self.shadowed:
            return name  # used without an import (a star import, or a NameError at run time)
        if name in ("__builtins__", "builtins"):
            return "builtins"
        if name in BUILTIN_NAMES and name not in self.shadowed:
            return f"builtins.{name}"
        return None

    def _call(self, node: ast.Call) -> str | None:
        func = self.qualify(node.func)
        if func in _IMPORTERS and node.args:
            module = self._fold(node.args[0])
            if isinstance(module, str) and _is_dotted(module):
                fromlist = len(node.args) > 3 or any(k.arg == "fromlist" for k in node.keywords)
                if func == "builtins.__import__" and not fromlist:
                    return module.split(".", 1)[0]
                return module
            return None
        if func == "builtins.getattr" and len(node.args) >= 2:
            base = self.qualify(node.args[0])
            attr = self._fold(node.args[1])
            if base is not None and isinstance(attr, str) and attr.isidentifier():
                return f"builtins.{attr}" if base == _GLOBALS else f"{base}.{attr}"
            return None
        if func in ("builtins.globals", "builtins.locals") and not node.args:
            return _GLOBALS
        if func == "builtins.vars" and len(node.args) == 1:
            return self.qualify(node.args[0])
        if func == "builtins.eval" and len(node.args) == 1:
            text = self._fold(node.args[0])
            if isinstance(text, str) and text.strip() in BUILTIN_NAMES:
                return f"builtins.{text.strip()}"
        return None

    def _subscript(self, node: ast.Subscript) -> str | None:
        base = self.qualify(node.value)
        key = self._fold(node.slice)
        if base is None or not isinstance(key, str):
            return None
        if base == _GLOBALS:
            return "builtins" if key == "__builtins__" else self.aliases.get(key)
        if base == "sys.modules" and _is_dotted(key):
            return key
        if base == "builtins" and key.isidentifier():
            return f"builtins.{key}"
        return None


def _is_dotted(text: str) -> bool:
    return bool(text) and all(part.isidentifier() for part in text.split("."))


def simple_name(node: ast.expr) -> str:
    while isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def dotted(node: ast.expr) -> str:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return ""

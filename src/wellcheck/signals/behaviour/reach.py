"""Which functions of a module run at import time.

The walk records, per scope, the simple names it calls (``f()``, ``self.f()``,
``Cls()``, a decorator, a thread target, an ``atexit`` hook).  A function is
import-time code when it is reachable from the module body through those
edges; instantiating a class reaches its ``__init__``/``__new__``/``__post_init__``,
and its ``run`` when it subclasses ``threading.Thread`` or ``multiprocessing.Process``.
Names are matched by their last component, which over-approximates (any method
named ``f`` is reached by ``x.f()``): a fact is never placed outside import time
because the walk could not tell which ``f`` was meant.
"""

from __future__ import annotations

from collections.abc import Iterable

from wellcheck.signals.behaviour.facts import When

MODULE = "<module>"
MAIN = "<main>"
_CONSTRUCTORS = ("__init__", "__new__", "__post_init__", "__init_subclass__")
_RUNNABLE_BASES = frozenset({"threading.Thread", "multiprocessing.Process", "Thread", "Process"})


class CallGraph:
    def __init__(self) -> None:
        self.functions: dict[str, list[str]] = {}  # simple name -> qualified names
        self.classes: dict[str, list[tuple[str, bool]]] = {}  # simple -> (qualname, runnable)
        self.edges: dict[str, set[str]] = {}  # scope -> simple names it calls
        self.returns: dict[str, frozenset[str]] = {}  # simple function name -> tags returned

    def define(self, qualname: str) -> None:
        self.functions.setdefault(qualname.rsplit(".", 1)[-1], []).append(qualname)

    def define_class(self, qualname: str, bases: Iterable[str]) -> None:
        runnable = any(base in _RUNNABLE_BASES for base in bases)
        self.classes.setdefault(qualname.rsplit(".", 1)[-1], []).append((qualname, runnable))

    def call(self, scope: str, name: str) -> None:
        if name:
            self.edges.setdefault(scope, set()).add(name)

    def returned(self, scope: str, tags: frozenset[str]) -> None:
        simple = scope.rsplit(".", 1)[-1]
        self.returns[simple] = self.returns.get(simple, frozenset()) | tags

    def reachable(self, start: str = MODULE) -> set[str]:
        """Scopes that run from ``start`` (the module body: import time) and what it reaches."""
        seen = {start}
        pending = [start]
        while pending:
            scope = pending.pop()
            for name in self.edges.get(scope, ()):
                for target in self._targets(name):
                    if target not in seen:
                        seen.add(target)
                        pending.append(target)
        return seen

    def _targets(self, name: str) -> Iterable[str]:
        yield from self.functions.get(name, ())
        for qualname, runnable in self.classes.get(name, ()):
            methods = (*_CONSTRUCTORS, "run") if runnable else _CONSTRUCTORS
            for method in methods:
                target = f"{qualname}.{method}"
                if target in self.functions.get(method, ()):
                    yield target


def when_of(scope: str, imported: set[str], as_main: set[str], main_module: bool) -> When:
    """``imported``/``as_main``: scopes reachable from the module body and from the
    ``__main__`` block; ``main_module``: the file is a ``__main__.py``."""
    if scope in imported:
        return When.MAIN if main_module else When.IMPORT
    if scope in as_main:
        return When.MAIN
    return When.CALLED

"""Values passed to a module's own functions: their sinks replayed at the call site.

``def run(command): subprocess.run(command, shell=True)`` then ``run(requests.get(url).text)``:
the process call inside ``run`` sees a parameter, the call site sees network data.
Each parameter is labelled ``param:<index>`` while its function is walked; a fact
recorded there whose tags hold such a label is a *sink* of that function.  Calls to
the module's own functions are kept until the walk ends; then each sink is replayed
at every call site whose matching argument carries labels of its own, with those
labels, in the caller's scope (so an import-time call of a helper is import time).
A replayed fact that still holds a caller's parameter makes the caller a sink in
turn: a few rounds follow helpers calling helpers.
"""

from __future__ import annotations

import ast
from dataclasses import replace
from typing import TYPE_CHECKING

from wellcheck.signals.behaviour.evidence import snippet
from wellcheck.signals.behaviour.facts import Fact, Kind, Tag

if TYPE_CHECKING:
    from wellcheck.signals.behaviour.visitor import Walker

PARAM = "param:"
ROUNDS = 3
MAX_CALLS = 20_000
MAX_REPLAYS = 2_000
_SINKS = frozenset(
    {Kind.EXEC, Kind.SPAWN, Kind.NETWORK, Kind.WRITE, Kind.NATIVE_LOAD, Kind.CHMOD_EXEC}
)
_EMPTY: frozenset[str] = frozenset()
_TOOL_DATA = frozenset({Tag.NETWORK, Tag.DECODED})


def parameters(node: ast.FunctionDef | ast.AsyncFunctionDef) -> dict[str, frozenset[str]]:
    """The initial tags of a function's parameters: one label per position."""
    names = [a.arg for a in (*node.args.posonlyargs, *node.args.args)]
    return {name: frozenset({f"{PARAM}{index}"}) for index, name in enumerate(names)}


def without_parameters(tags: frozenset[str]) -> frozenset[str]:
    if not any(t.startswith(PARAM) for t in tags):
        return tags
    return frozenset(t for t in tags if not t.startswith(PARAM))


class ParamFlow:
    def __init__(self) -> None:
        self.methods: set[str] = set()  # simple names of functions taking self/cls first
        self.sinks: dict[str, list[tuple[int, Fact]]] = {}  # simple name -> (index, fact)
        self.calls: list[tuple[str, str, ast.Call, list[frozenset[str]], bool]] = []
        self.destinations: dict[int, int] = {}  # id(network sink fact) -> destination index

    def define(self, node: ast.FunctionDef | ast.AsyncFunctionDef, in_class: bool) -> None:
        first = [a.arg for a in (*node.args.posonlyargs, *node.args.args)][:1]
        if in_class and first in (["self"], ["cls"]):
            self.methods.add(node.name)

    def record(self, scope: str, fact: Fact, destination: int | None = None) -> None:
        """A fact recorded in ``scope``: a sink of that function if it uses a parameter
        (``destination``: the parameter a network call's destination comes from)."""
        if fact.kind not in _SINKS or scope.startswith("<"):
            return
        simple = scope.rsplit(".", 1)[-1]
        if destination is not None:
            self.destinations[id(fact)] = destination
            self.sinks.setdefault(simple, []).append((destination, fact))
        for tag in fact.tags:
            if tag.startswith(PARAM):
                self.sinks.setdefault(simple, []).append((int(tag[len(PARAM) :]), fact))

    def call(
        self, simple: str, scope: str, node: ast.Call, args: list[frozenset[str]], bound: bool
    ) -> None:
        """A call to ``simple`` (a method call on an object when ``bound``)."""
        if simple and len(self.calls) < MAX_CALLS and any(args):
            self.calls.append((simple, scope, node, args, bound))

    def resolve(self, walker: Walker) -> None:
        """Replay sinks at call sites: each (call, kind, API, parameter) once, at most
        ``MAX_REPLAYS`` in all (common method names match many functions)."""
        done: set[tuple[int, Kind, str, int]] = set()
        for _ in range(ROUNDS):
            added = False
            for simple, scope, node, args, bound in self.calls:
                for index, sink in list(self.sinks.get(simple, ())):
                    position = index - 1 if bound and simple in self.methods else index
                    key = (id(node), sink.kind, sink.detail, index)
                    if key in done or not 0 <= position < len(args):
                        continue
                    if len(done) >= MAX_REPLAYS or walker.budget.full:
                        return
                    carried = args[position]
                    if self.destinations.get(id(sink)) == index:  # the call fixes the address
                        carried |= self._address(walker, node, position)
                        if Tag.DECODED in carried:  # an address decoded at run time
                            carried |= {Tag.HIDDEN}
                    if not carried:
                        continue
                    done.add(key)
                    added = True
                    self._replay(walker, scope, node, sink, carried)
            if not added:
                return

    @staticmethod
    def _address(walker: Walker, node: ast.Call, position: int) -> frozenset[str]:
        from wellcheck.signals.behaviour.network import literal_destination

        if position >= len(node.args):
            return _EMPTY
        value = walker.fold(node.args[position])
        return literal_destination(value) if isinstance(value, str | bytes) else _EMPTY

    def _replay(
        self, walker: Walker, scope: str, node: ast.Call, sink: Fact, carried: frozenset[str]
    ) -> None:
        line = node.lineno
        if Tag.TOOL in sink.tags:  # a named tool reading what the caller passes: data, not run
            carried -= _TOOL_DATA
        fact = replace(
            sink,
            line=line,
            snippet=snippet(walker.lines, line),
            tags=without_parameters(sink.tags) | carried,
            via=sink.via or "call",
            scope=scope,
        )
        walker.budget.fact()
        walker.facts.append((scope, fact))
        self.record(scope, fact)

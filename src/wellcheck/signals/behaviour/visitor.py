"""One walk over a file's AST collecting facts (bandit's model: visit once, dispatch).

The walk keeps three things a rule needs besides the call names:

* **where code runs**: each fact is recorded with its scope (``<module>``, the
  ``if __name__ == '__main__'`` block, or a function's qualified name) and the
  calls between scopes; after the walk, every function reachable from the module
  body (called there, instantiated there, used as a decorator, a thread target or
  an ``atexit`` hook) counts as import time (``reach.when_of``);
* **where values come from**: each name carries flow tags (``facts.Tag``) from
  the expression assigned to it, so ``exec(payload)`` knows that ``payload`` was
  base64-decoded from a literal, and ``requests.post(url, data=env)`` that
  ``env`` is the whole environment;
* **what literals say**: string literals, folded first, are matched against the
  indicator lists, and literals passed to ``exec`` are parsed and walked in turn.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import replace

from wellcheck.signals.behaviour import apis
from wellcheck.signals.behaviour.budget import BoundExceeded, Budget
from wellcheck.signals.behaviour.evidence import shown, snippet
from wellcheck.signals.behaviour.facts import Fact, Kind, Tag, When
from wellcheck.signals.behaviour.flow import ParamFlow, parameters, without_parameters
from wellcheck.signals.behaviour.fold import Folded, Folder
from wellcheck.signals.behaviour.literals import LiteralScanner
from wellcheck.signals.behaviour.names import Names, dotted, simple_name
from wellcheck.signals.behaviour.reach import CallGraph

MODULE = "<module>"
MAIN = "<main>"
MAX_NESTING = 3  # literals passed to exec, parsed and walked in turn
#: module globals obfuscators set to sign their output
_ENVIRON_ATTRS = frozenset({"environ", "environb"})
_OBFUSCATOR_MARKS = frozenset({"__obfuscator__", "__pyarmor__", "__armor__"})
_EMPTY: frozenset[str] = frozenset()


def _kept(tags: frozenset[str]) -> frozenset[str]:
    """What a stored attribute carries to other methods: a response only when it came
    from a bare address, a hidden one or a capture service (a version string fetched
    from a release API and built into a path is no payload)."""
    if Tag.NETWORK in tags and not tags & {Tag.RAW_IP, Tag.HIDDEN, Tag.SINK}:
        return tags - {Tag.NETWORK}
    return tags


class Walker:
    """Walks one module (or one literal passed to exec) and records raw facts."""

    def __init__(self, lines: list[str], budget: Budget, depth: int = 0) -> None:
        self.lines = lines
        self.budget = budget
        self.depth = depth
        self.names = Names(self._fold_quiet)
        self.lambdas: dict[str, tuple[str, ast.expr]] = {}
        self.graph = CallGraph()
        self.scopes: list[tuple[str, dict[str, frozenset[str]], dict[str, Folded]]] = [
            (MODULE, {}, {})
        ]
        self.prefix: list[str] = []  # enclosing class and function names
        self.facts: list[tuple[str, Fact]] = []  # (scope, fact with a provisional ``when``)
        self.folder = Folder(self._const, self.names.qualify, self.lambdas, budget.fold)
        self.literals = LiteralScanner(self)
        self.flow = ParamFlow()
        self.kinds: list[str] = []  # "class" or "def" for each enclosing definition
        self.seen: dict[int, frozenset[str]] = {}  # id(expression) -> its tags, once walked
        self.attributes = False  # the file stored tags under an attribute (self.sock = ...)
        # (class, "self.x") -> tags stored there by any method, for the other methods
        self.members: dict[tuple[str, str], frozenset[str]] = {}

    # ----------------------------------------------------------------- statements
    def run(self, tree: ast.Module) -> None:
        self.body(tree.body)
        self.flow.resolve(self)

    def body(self, statements: Iterable[ast.stmt]) -> None:
        for statement in statements:
            self.statement(statement)

    def statement(self, node: ast.stmt) -> None:
        self.budget.tick()
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            return  # a docstring or a bare literal: nothing uses it
        if isinstance(node, ast.Import | ast.ImportFrom):
            self.names.bind_import(node)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            self.function(node)
        elif isinstance(node, ast.ClassDef):
            self.klass(node)
        elif isinstance(node, ast.Assign):
            tags = self.expr(node.value)
            for target in node.targets:
                self.assign(target, node.value, tags)
        elif isinstance(node, ast.AnnAssign | ast.AugAssign):
            tags = self.expr(node.value) if node.value is not None else _EMPTY
            if isinstance(node, ast.AugAssign):
                tags |= self.expr(node.target)
            self.assign(node.target, node.value if isinstance(node, ast.AnnAssign) else None, tags)
        elif isinstance(node, ast.Return):
            if node.value is not None:
                self.graph.returned(self.scope, without_parameters(self.expr(node.value)))
        elif isinstance(node, ast.If) and self._is_main_guard(node.test) and self.scope == MODULE:
            self.scopes.append((MAIN, {}, {}))
            self.body(node.body)
            self.scopes.pop()
            self.body(node.orelse)
        elif isinstance(node, ast.For | ast.AsyncFor):
            self.assign(node.target, None, self.expr(node.iter))
            self.body(node.body)
            self.body(node.orelse)
        elif isinstance(node, ast.With | ast.AsyncWith):
            for item in node.items:
                tags = self.expr(item.context_expr)
                if item.optional_vars is not None:
                    self.assign(item.optional_vars, None, tags)
            self.body(node.body)
        else:
            self._generic_statement(node)

    def _generic_statement(self, node: ast.stmt) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.stmt):
                self.statement(child)
            elif isinstance(child, ast.expr):
                self.expr(child)
            elif isinstance(child, ast.excepthandler | ast.match_case):
                self._generic_statement(child)  # type: ignore[arg-type]

    def function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for decorator in node.decorator_list:  # run when the def runs
            self.expr(decorator)
            self.graph.call(self.scope, simple_name(decorator))
        for default in (*node.args.defaults, *node.args.kw_defaults):
            if default is not None:
                self.expr(default)
        self.names.define(node.name)
        qualname = ".".join((*self.prefix, node.name))
        self.graph.define(qualname)
        self._remember_stub(node)
        self.flow.define(node, bool(self.kinds) and self.kinds[-1] == "class")
        self.prefix.append(node.name)
        self.kinds.append("def")
        self.scopes.append((qualname, parameters(node), {}))
        self.body(node.body)
        self.scopes.pop()
        self.kinds.pop()
        self.prefix.pop()

    def klass(self, node: ast.ClassDef) -> None:
        for decorator in node.decorator_list:
            self.expr(decorator)
            self.graph.call(self.scope, simple_name(decorator))
        bases = {self.names.qualify(base) or "" for base in node.bases}
        for base in (*node.bases, *(k.value for k in node.keywords)):
            self.expr(base)
        self.names.define(node.name)
        qualname = ".".join((*self.prefix, node.name))
        self.graph.define_class(qualname, bases)
        self.prefix.append(node.name)
        self.kinds.append("class")
        self.body(node.body)  # a class body runs when the class statement runs
        self.kinds.pop()
        self.prefix.pop()

    def assign(self, target: ast.expr, value: ast.expr | None, tags: frozenset[str]) -> None:
        if isinstance(target, ast.Name):
            if target.id in _OBFUSCATOR_MARKS and self.scope == MODULE:
                self.fact(Kind.OBFUSCATOR, target.id, target)
            self.names.bind(target.id, value)
            scope_tags, consts = self.scopes[-1][1], self.scopes[-1][2]
            scope_tags[target.id] = tags
            folded = self.folder.fold(value) if value is not None else None
            if folded is None:
                consts.pop(target.id, None)
            else:
                consts[target.id] = folded
            if isinstance(value, ast.Lambda):
                self.graph.returns[target.id] = tags
                if len(value.args.args) == 1:
                    self.lambdas[target.id] = (value.args.args[0].arg, value.body)
        elif isinstance(target, ast.Tuple | ast.List):
            values = value.elts if isinstance(value, ast.Tuple | ast.List) else []
            pairs = len(values) == len(target.elts) and not any(
                isinstance(v, ast.Starred) for v in values
            )
            for index, element in enumerate(target.elts):  # (a, e) = (print, exec)
                self.assign(element, values[index] if pairs else None, tags)
        elif isinstance(target, ast.Starred):
            self.assign(target.value, None, tags)
        elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
            self.taint(target.value.id, tags)  # data[key] = value: the container holds it
            self.expr(target.slice)
        elif isinstance(target, ast.Attribute | ast.Subscript):
            key = dotted(target)
            if key:
                self.scopes[-1][1][key] = tags
                self.attributes = True
                member = self._member(key)
                if member is not None and tags:
                    kept = self.members.get(member, _EMPTY) | _kept(without_parameters(tags))
                    self.members[member] = kept
            self.expr(target.value)

    # ---------------------------------------------------------------- expressions
    def expr(self, node: ast.expr) -> frozenset[str]:
        tags = self._expr(node)
        self.seen[id(node)] = tags
        return tags

    def tags_of(self, node: ast.expr) -> frozenset[str]:
        """The tags an expression already walked had (its facts are not recorded twice)."""
        found = self.seen.get(id(node))
        return found if found is not None else self.expr(node)

    def _expr(self, node: ast.expr) -> frozenset[str]:
        self.budget.tick()
        kind = type(node)
        if kind is ast.Name:
            return self._name(node)  # type: ignore[arg-type]
        if kind is ast.Call:
            return self.call(node)  # type: ignore[arg-type]
        if kind is ast.Constant:
            return self.literals.constant(node)  # type: ignore[arg-type]
        if kind is ast.Attribute:
            return self._attribute(node)  # type: ignore[arg-type]
        if isinstance(node, ast.Subscript):
            return self._subscript(node)
        if isinstance(node, ast.BinOp | ast.JoinedStr):
            return self._concatenation(node)
        if isinstance(node, ast.Lambda):
            return self.expr(node.body)
        if isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp):
            for generator in node.generators:
                self.assign(generator.target, None, self.expr(generator.iter))
        if isinstance(node, ast.Compare) and any(
            isinstance(o, ast.In | ast.NotIn) for o in node.ops
        ):
            return self.expr(node.left)  # "KEY in os.environ" reads one variable
        tags = _EMPTY
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                tags |= self.expr(child)
            elif isinstance(child, ast.comprehension):
                tags |= self.expr(child.iter)
        return tags

    def _name(self, node: ast.Name) -> frozenset[str]:
        if node.id == "__file__":
            return frozenset({Tag.PACKAGE_PATH})
        if self.names.qualify(node) in apis.ENVIRON:
            return self._env_dump(node)
        return self._lookup(node.id)

    def _attribute(self, node: ast.Attribute) -> frozenset[str]:
        if node.attr in _ENVIRON_ATTRS and self.names.qualify(node) in apis.ENVIRON:
            return self._env_dump(node)
        tags = self.expr(node.value)
        if self.attributes:  # only when the file assigned to an attribute (self.x = ...)
            key = dotted(node)
            tags |= self._lookup(key) if key else _EMPTY
            member = self._member(key) if key else None
            if member is not None:
                tags |= self.members.get(member, _EMPTY)
        return tags

    def _member(self, key: str) -> tuple[str, str] | None:
        """(class, key) for ``self.x`` in a method (methods walked earlier stored it)."""
        if (
            not key.startswith("self.")
            or len(self.kinds) < 2
            or self.kinds[-2:] != ["class", "def"]
        ):
            return None
        return ".".join(self.prefix[:-1]), key

    def _subscript(self, node: ast.Subscript) -> frozenset[str]:
        if self.names.qualify(node.value) in apis.ENVIRON:  # os.environ['X']: one variable
            return self.literals.secret_name(node.slice)
        tags = self.expr(node.value)
        self.expr(node.slice)  # walked for its facts; a key or an index is not the data
        if isinstance(node.slice, ast.Slice) and node.slice.step is not None:
            step = self.folder.fold(node.slice.step)
            if isinstance(step, int) and step < 0:  # x[::-1]: reversed
                tags |= {Tag.DECODED}
        return tags

    def _concatenation(self, node: ast.BinOp | ast.JoinedStr) -> frozenset[str]:
        parts: list[ast.expr] = []
        pending: list[ast.expr] = [node]
        while pending:  # iterative: obfuscated 'e'+'x'+'e'+... chains are thousands deep
            current = pending.pop()
            if isinstance(current, ast.BinOp):
                pending.extend((current.right, current.left))
            elif isinstance(current, ast.JoinedStr):
                pending.extend(reversed(current.values))
            elif isinstance(current, ast.FormattedValue):
                pending.append(current.value)
            else:
                parts.append(current)
        tags = _EMPTY
        for part in parts:
            tags |= self.expr(part)
        if not all(isinstance(p, ast.Constant) for p in parts) or len(parts) > 1:
            tags |= self.literals.folded(node)
        return tags

    def _env_dump(self, node: ast.expr) -> frozenset[str]:
        self.fact(Kind.ENV_DUMP, "os.environ", node)
        return frozenset({Tag.ENV})

    def call(self, node: ast.Call) -> frozenset[str]:
        from wellcheck.signals.behaviour.calls import classify_call

        return classify_call(self, node)

    # ---------------------------------------------------------------- helpers
    @property
    def scope(self) -> str:
        return self.scopes[-1][0]

    def fact(
        self,
        kind: Kind,
        detail: str,
        node: ast.AST,
        tags: frozenset[str] = _EMPTY,
        text: str = "",
        destination: int | None = None,
    ) -> None:
        if self.budget.full:
            return
        line = getattr(node, "lineno", 0)
        found = Fact(
            kind, detail, line, snippet(self.lines, line), _PROVISIONAL, tags, "", text, self.scope
        )
        self.budget.fact()
        self.facts.append((self.scope, found))
        self.flow.record(self.scope, found, destination)

    def taint(self, name: str, tags: frozenset[str]) -> None:
        """``name`` (a container) now also holds values with ``tags``."""
        if tags:
            current = self.scopes[-1][1]
            current[name] = self._lookup(name) | tags

    def fold(self, node: ast.expr) -> Folded | None:
        return self.folder.fold(node)

    def nested(self, code: str | bytes, node: ast.Call, via: str = "exec") -> None:
        """A literal passed to exec/eval/compile (or written to a file, ``via`` "write"):
        parse it (never run it) and walk it."""
        if self.depth >= MAX_NESTING:
            return
        try:
            tree = ast.parse(code)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return
        text = code.decode("utf-8", "replace") if isinstance(code, bytes) else code
        inner = Walker(text.splitlines(), self.budget, self.depth + 1)
        try:
            inner.run(tree)
        except RecursionError:
            raise BoundExceeded("code nested too deeply to follow") from None
        line = node.lineno
        for _, fact in inner.facts:
            moved = replace(
                fact,
                line=line,
                snippet=snippet(self.lines, line),
                tags=fact.tags | {Tag.DECODED},
                via=via,
                text=shown(fact.text or fact.snippet),
                scope=self.scope,
            )
            self.facts.append((self.scope, moved))

    def _fold_quiet(self, node: ast.expr) -> object:
        return self.folder.fold(node)

    def _const(self, name: str) -> Folded | None:
        for _, _, consts in reversed(self.scopes):
            if name in consts:
                return consts[name]
        return None

    def _lookup(self, name: str) -> frozenset[str]:
        current = self.scopes[-1][1]
        if name in current:
            return current[name]
        return self.scopes[0][1].get(name, _EMPTY)

    def _is_main_guard(self, test: ast.expr) -> bool:
        if not isinstance(test, ast.Compare) or len(test.comparators) != 1:
            return False
        sides = (test.left, test.comparators[0])
        names = {s.id for s in sides if isinstance(s, ast.Name)}
        values = {s.value for s in sides if isinstance(s, ast.Constant)}
        return names == {"__name__"} and values == {"__main__"}

    def _remember_stub(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        """``def f(x): return <expression of x>``: folded like a lambda (decoder stubs)."""
        body = [
            s
            for s in node.body
            if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))
        ]
        single = len(body) == 1 and isinstance(body[0], ast.Return)
        if len(node.args.args) == 1 and single and body[0].value is not None:  # type: ignore[attr-defined]
            self.lambdas[node.name] = (node.args.args[0].arg, body[0].value)  # type: ignore[attr-defined]


_PROVISIONAL = When.CALLED  # replaced by reach.when_of once the call graph is complete

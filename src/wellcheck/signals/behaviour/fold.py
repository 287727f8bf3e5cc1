"""Constant folding: what a literal expression evaluates to, computed without running it.

Obfuscated payloads are literals passed through decoders: ``exec(zlib.decompress(
base64.b64decode('eJ...')))``, ``''.join(chr(c) for c in [105, 109, ...])``,
``'cexe'[::-1]``, a lambda stub ``_ = lambda b: __import__('zlib').decompress(b[::-1])``.
``Folder.fold`` evaluates exactly these shapes with its own pure implementations
(string concatenation and slicing, ``chr``, base64/base32/base85/hex, rot13, and
zlib/gzip/lzma/bz2 decompression with an output bound), so that the decoded text
can be parsed (never run) and analysed in turn.  Anything else folds to None.
``marshal``/``pickle`` data is never decoded: loading it would build code objects.
Every value produced counts against one byte budget per file.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Sequence

from wellcheck.signals.behaviour.decoders import decode, text_codec

Folded = str | bytes | int | tuple["Folded", ...]

MAX_ITEMS = 200_000  # elements of a list or a comprehension folded
_ARITH: dict[type[ast.operator], Callable[[int, int], int]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.BitXor: lambda a, b: a ^ b,
    ast.BitAnd: lambda a, b: a & b,
    ast.BitOr: lambda a, b: a | b,
    ast.Mult: lambda a, b: a * b,
    ast.FloorDiv: lambda a, b: a // b if b else 0,
    ast.Mod: lambda a, b: a % b if b else 0,
}


class FoldBudget:
    """Bytes a file's folding may produce in all; spent values are not refunded."""

    def __init__(self, limit: int) -> None:
        self.left = limit

    def spend(self, value: Folded) -> Folded | None:
        size = len(value) if isinstance(value, str | bytes | tuple) else 1
        self.left -= size
        return value if self.left >= 0 else None


class Folder:
    """Folds expressions of one file.  ``lookup`` gives a name's folded value,
    ``qualify`` a call target's qualified name, ``lambdas`` single-expression
    functions by name (decoder stubs)."""

    def __init__(
        self,
        lookup: Callable[[str], Folded | None],
        qualify: Callable[[ast.expr], str | None],
        lambdas: dict[str, tuple[str, ast.expr]],
        budget: FoldBudget,
    ) -> None:
        self.lookup = lookup
        self.qualify = qualify
        self.lambdas = lambdas
        self.budget = budget
        self._bound: dict[str, Folded] = {}  # comprehension / lambda variables

    def fold(self, node: ast.expr) -> Folded | None:
        if self.budget.left <= 0:
            return None
        value = self._fold(node)
        return None if value is None else self.budget.spend(value)

    def template(self, node: ast.expr) -> str | None:
        """A string built from literals and unknown parts, the unknown parts as ``{}``
        (``f"wget -qO /tmp/{name} {url}"`` -> ``"wget -qO /tmp/{} {}"``): enough to read
        what a command line does.  None when nothing of it is literal."""
        parts: list[ast.expr] = []
        pending: list[ast.expr] = [node]
        while pending:
            current = pending.pop()
            if isinstance(current, ast.BinOp) and isinstance(current.op, ast.Add):
                pending.extend((current.right, current.left))
            elif isinstance(current, ast.JoinedStr):
                pending.extend(reversed(current.values))
            elif isinstance(current, ast.FormattedValue):
                pending.append(current.value)
            else:
                parts.append(current)
        out = []
        for part in parts:
            value = self.fold(part)
            out.append(value if isinstance(value, str) else "{}")
        text = "".join(out)
        return text if len(text) > 2 * text.count("{}") + 3 else None

    def _fold(self, node: ast.expr) -> Folded | None:
        if isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, bool) or not isinstance(value, str | bytes | int):
                return None
            return value
        if isinstance(node, ast.Name):
            if node.id in self._bound:
                return self._bound[node.id]
            return self.lookup(node.id)
        if isinstance(node, ast.BinOp):
            return self._binop(node)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd | ast.Invert):
            operand = self._fold(node.operand)
            if not isinstance(operand, int):
                return None
            return (
                -operand
                if isinstance(node.op, ast.USub)
                else ~operand
                if isinstance(node.op, ast.Invert)
                else operand
            )
        if isinstance(node, ast.JoinedStr):
            return self._fstring(node)
        if isinstance(node, ast.Subscript):
            return self._subscript(node)
        if isinstance(node, ast.List | ast.Tuple):
            return self._sequence(node.elts)
        if isinstance(node, ast.Call):
            return self._call(node)
        return None

    def _binop(self, node: ast.BinOp) -> Folded | None:
        if isinstance(node.op, ast.Add):  # flatten a + b + c + ... without recursion
            parts: list[ast.expr] = []
            current: ast.expr = node
            while isinstance(current, ast.BinOp) and isinstance(current.op, ast.Add):
                parts.append(current.right)
                current = current.left
            parts.append(current)
            values = [self._fold(part) for part in reversed(parts)]
            return _concat(values)
        left, right = self._fold(node.left), self._fold(node.right)
        if isinstance(left, int) and isinstance(right, int):
            operation = _ARITH.get(type(node.op))
            if operation is None or abs(left) > 1 << 32 or abs(right) > 1 << 32:
                return None
            return operation(left, right)
        if isinstance(node.op, ast.Mod) and isinstance(left, str):
            args = right if isinstance(right, tuple) else (right,)
            if all(isinstance(a, str | int) for a in args):
                try:
                    return left % args
                except (TypeError, ValueError):
                    return None
        repeat = isinstance(node.op, ast.Mult) and isinstance(right, int) and right >= 0
        if repeat and isinstance(left, str | bytes) and isinstance(right, int):
            return left * right if len(left) * right <= self.budget.left else None
        return None

    def _fstring(self, node: ast.JoinedStr) -> Folded | None:
        out = []
        for part in node.values:
            if isinstance(part, ast.Constant) and isinstance(part.value, str):
                out.append(part.value)
            elif isinstance(part, ast.FormattedValue) and part.format_spec is None:
                value = self._fold(part.value)
                if not isinstance(value, str | int):
                    return None
                out.append(str(value))
            else:
                return None
        return "".join(out)

    def _subscript(self, node: ast.Subscript) -> Folded | None:
        value = self._fold(node.value)
        if not isinstance(value, str | bytes | tuple):
            return None
        index = node.slice
        if isinstance(index, ast.Slice):
            bounds = [
                self._fold(p) if p is not None else None
                for p in (index.lower, index.upper, index.step)
            ]
            if any(b is not None and not isinstance(b, int) for b in bounds) or bounds[2] == 0:
                return None
            lower, upper, step = (b if isinstance(b, int) else None for b in bounds)
            return value[lower:upper:step]
        position = self._fold(index)
        if isinstance(position, int) and -len(value) <= position < len(value):
            return value[position]
        return None

    def _sequence(self, elts: Sequence[ast.expr]) -> Folded | None:
        if len(elts) > MAX_ITEMS:
            return None
        values = []
        for elt in elts:
            value = self._fold(elt)
            if value is None:
                return None
            values.append(value)
        return tuple(values)

    def _call(self, node: ast.Call) -> Folded | None:
        func = node.func
        if isinstance(func, ast.Attribute):
            method = self._method(func, node.args)
            if method is not None:
                return method
        name = self.qualify(func)
        args = node.args
        if name == "builtins.chr" and len(args) == 1:
            code = self._fold(args[0])
            return chr(code) if isinstance(code, int) and 0 <= code < 0x110000 else None
        if name == "builtins.map" and len(args) == 2 and self.qualify(args[0]) == "builtins.chr":
            items = self._iterable(args[1])
            if items is None or not all(isinstance(i, int) and 0 <= i < 0x110000 for i in items):
                return None
            return tuple(chr(i) for i in items if isinstance(i, int))
        if name in ("builtins.bytes", "builtins.bytearray") and args:
            return self._bytes(args)
        if name == "builtins.str" and len(args) >= 2:
            raw = self._fold(args[0])
            return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else None
        if isinstance(func, ast.Name) and func.id in self.lambdas and len(args) == 1:
            return self._stub(func.id, args[0])
        if name is not None and args:
            payload = self._fold(args[0])
            extra = [self._fold(a) for a in args[1:]]
            return decode(name, payload, extra, self.budget.left)
        return None

    def _method(self, func: ast.Attribute, args: list[ast.expr]) -> Folded | None:
        if func.attr == "join" and len(args) == 1:
            sep = self._fold(func.value)
            items = self._iterable(args[0])
            if (
                isinstance(sep, str)
                and items is not None
                and all(isinstance(i, str) for i in items)
            ):
                return sep.join(i for i in items if isinstance(i, str))
            if (
                isinstance(sep, bytes)
                and items is not None
                and all(isinstance(i, bytes) for i in items)
            ):
                return sep.join(i for i in items if isinstance(i, bytes))
            return None
        if func.attr not in ("decode", "encode", "replace", "strip", "lower", "upper", "fromhex"):
            return None
        target = self._fold(func.value)
        folded_args = [self._fold(a) for a in args]
        try:
            if func.attr == "decode" and isinstance(target, bytes):
                encoding = (
                    folded_args[0] if folded_args and isinstance(folded_args[0], str) else "utf-8"
                )
                return target.decode(text_codec(encoding), "replace")
            if func.attr == "encode" and isinstance(target, str):
                return target.encode("utf-8", "surrogateescape")
            if func.attr == "replace" and isinstance(target, str | bytes) and len(folded_args) == 2:
                old, new = folded_args
                if type(old) is type(target) and type(new) is type(target):
                    return target.replace(old, new)  # type: ignore[arg-type]
            if (
                func.attr in ("strip", "lower", "upper")
                and isinstance(target, str | bytes)
                and not args
            ):
                return getattr(target, func.attr)()  # type: ignore[no-any-return]
        except (LookupError, ValueError):
            return None
        if func.attr == "fromhex" and isinstance(func.value, ast.Name) and folded_args:
            return decode("bytes.fromhex", folded_args[0], [], self.budget.left)
        return None

    def _iterable(self, node: ast.expr) -> tuple[Folded, ...] | None:
        if isinstance(node, ast.GeneratorExp | ast.ListComp) and len(node.generators) == 1:
            generator = node.generators[0]
            if generator.ifs or not isinstance(generator.target, ast.Name):
                return None
            source = self._fold(generator.iter)
            if isinstance(source, str | bytes):
                source = tuple(source)
            if not isinstance(source, tuple) or len(source) > MAX_ITEMS:
                return None
            out = []
            variable = generator.target.id
            try:
                for item in source:
                    self._bound[variable] = item
                    value = self._fold(node.elt)
                    if value is None:
                        return None
                    out.append(value)
            finally:
                self._bound.pop(variable, None)
            return tuple(out)
        value = self._fold(node)
        if isinstance(value, tuple):
            return value
        if isinstance(node, ast.Call) and self.qualify(node.func) == "builtins.map":
            return None
        return None

    def _bytes(self, args: list[ast.expr]) -> Folded | None:
        value = self._fold(args[0])
        if isinstance(value, tuple) and all(isinstance(i, int) and 0 <= i < 256 for i in value):
            return bytes(i for i in value if isinstance(i, int))
        if isinstance(value, str) and len(args) >= 2:
            return value.encode("utf-8", "surrogateescape")
        if isinstance(value, bytes):
            return value
        return None

    def _stub(self, name: str, arg: ast.expr) -> Folded | None:
        parameter, body = self.lambdas[name]
        value = self._fold(arg)
        if value is None or parameter in self._bound:
            return None
        self._bound[parameter] = value
        try:
            return self._fold(body)
        finally:
            self._bound.pop(parameter, None)


def _concat(values: list[Folded | None]) -> Folded | None:
    if not values or any(v is None for v in values):
        return None
    if all(isinstance(v, str) for v in values):
        return "".join(v for v in values if isinstance(v, str))
    if all(isinstance(v, bytes) for v in values):
        return b"".join(v for v in values if isinstance(v, bytes))
    if all(isinstance(v, tuple) for v in values):
        return tuple(item for v in values if isinstance(v, tuple) for item in v)
    return None

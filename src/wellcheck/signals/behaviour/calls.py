"""What one call does: the fact it gives and the flow tags of its result.

``classify_call`` is the walker's handler for ``ast.Call``: it resolves the
callee (``names.Names.qualify``), walks the arguments (collecting their tags),
records the call edge for import-time reachability, and dispatches on the
qualified name (``apis``) or, for methods of objects, on the receiver's tags
(a ``requests.Session()`` is a client: its ``post`` is a network call).
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from wellcheck.signals.behaviour import apis
from wellcheck.signals.behaviour.evidence import shown
from wellcheck.signals.behaviour.facts import Kind, Tag
from wellcheck.signals.behaviour.network import (
    DESTINATION_TAGS,
    destination,
    network,
    network_result,
    network_tags,
    where_from,
)
from wellcheck.signals.behaviour.prefilter import triggers
from wellcheck.signals.behaviour.spawn import spawn
from wellcheck.signals.behaviour.values import CLIENT, EMPTY, WRITER, first, text_of

if TYPE_CHECKING:
    from wellcheck.signals.behaviour.visitor import Walker

THREAD = "thread"
_SOURCE_CODE_SINKS = frozenset(
    {"builtins.exec", "builtins.eval", "builtins.compile", "builtins.execfile"}
)
_WRITERS = frozenset({"tempfile.NamedTemporaryFile", "tempfile.TemporaryFile", "io.open"})
_PROMPTS = frozenset({"builtins.input", "getpass.getpass"})
_SOCKET_SELF = frozenset({"fileno", "makefile", "dup", "detach", "accept"})
_OBJECT = frozenset({Tag.SOCKET, CLIENT})
_MAX_DROPPED = 256 * 1024  # bytes of a written literal walked as a dropped script
_FILLERS = frozenset({"append", "extend", "update", "add", "insert", "setdefault", "appendleft"})
_PYARMOR = frozenset({"__pyarmor__", "__armor_enter__", "__armor_exit__", "__armor_wrap__"})


def classify_call(w: Walker, node: ast.Call) -> frozenset[str]:
    func = node.func
    name = w.names.qualify(func)
    receiver = EMPTY
    if isinstance(func, ast.Attribute):
        if name is None or isinstance(func.value, ast.Call):
            receiver = w.expr(func.value)
    elif not isinstance(func, ast.Name):
        receiver = w.expr(func)
    positional = [w.expr(arg) for arg in node.args]
    keywords = {kw.arg or "**": w.expr(kw.value) for kw in node.keywords}
    args = _union(*positional, *keywords.values())
    simple = _simple(func)
    w.graph.call(w.scope, simple)
    w.flow.call(simple, w.scope, node, positional, isinstance(func, ast.Attribute))
    if simple in _PYARMOR or _is_pyarmor(name):
        w.fact(Kind.OBFUSCATOR, "pyarmor", node)
    elif not node.args and not node.keywords and _builtin_repr(w, func):
        w.fact(Kind.OBFUSCATOR, "builtin-repr", node)
    if name is None:
        return _method(w, node, simple, receiver, args)
    if name.startswith("os.environ."):
        return _environ(w, node, name)
    return _api(w, node, name, positional, args) | w.graph.returns.get(simple, EMPTY)


def _builtin_repr(w: Walker, func: ast.expr) -> bool:
    """``oct.__str__()``, ``copyright.__repr__()`` (called without arguments, unlike
    ``str.__str__(value)``): the text of a builtin, which obfuscators (Hyperion)
    slice letters from to spell ``chr``, ``exec``... and ordinary code has no use for."""
    return (
        isinstance(func, ast.Attribute)
        and func.attr in ("__str__", "__repr__")
        and isinstance(func.value, ast.Name)
        and w.names.qualify(func.value) == f"builtins.{func.value.id}"
    )


def _simple(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else ""


def _is_pyarmor(name: str | None) -> bool:
    return name is not None and ("pytransform" in name or "pyarmor_runtime" in name)


def _method(
    w: Walker, node: ast.Call, attr: str, receiver: frozenset[str], args: frozenset[str]
) -> frozenset[str]:
    returned = w.graph.returns.get(attr, EMPTY)
    if CLIENT in receiver and attr in apis.CLIENT_METHODS:
        carried = frozenset(t for t in receiver if t in DESTINATION_TAGS or t.startswith("ind:"))
        tags, fetched = network_tags(w, node)
        tags |= carried
        w.fact(Kind.NETWORK, attr, node, tags, text_of(destination(w, node)), where_from(w, node))
        return network_result(tags, fetched) | (receiver & {Tag.SOCKET})
    if Tag.SOCKET in receiver:  # only the socket's own descriptor stays a socket
        return frozenset({Tag.SOCKET}) if attr in _SOCKET_SELF else (receiver - _OBJECT) | args
    if attr in apis.WRITE_METHODS or (attr in ("write", "writelines") and WRITER in receiver):
        script = _dropped_code(w, node)
        w.fact(Kind.WRITE, attr, node, args | receiver | ({Tag.SCRIPT} if script else EMPTY))
        return EMPTY
    if attr in apis.CLIPBOARD_METHODS:
        w.fact(Kind.CLIPBOARD, attr, node, args)
        return frozenset({Tag.SECRET})
    if attr in apis.DECODER_METHODS:
        return receiver | args | {Tag.DECODED}
    container = node.func.value if isinstance(node.func, ast.Attribute) else None
    if attr in _FILLERS and isinstance(container, ast.Name):  # items.append(secret)
        w.taint(container.id, args)
    return receiver | args | returned


def _environ(w: Walker, node: ast.Call, name: str) -> frozenset[str]:
    method = name.rsplit(".", 1)[-1]
    if method in apis.ENVIRON_SINGLE:
        return w.literals.secret_name(node.args[0]) if node.args else EMPTY
    w.fact(Kind.ENV_DUMP, name, node)
    return frozenset({Tag.ENV})


def _api(
    w: Walker, node: ast.Call, name: str, positional: list[frozenset[str]], args: frozenset[str]
) -> frozenset[str]:
    first = positional[0] if positional else args
    if name in apis.EXEC or (name in apis.COMPILE and first & {Tag.DECODED, Tag.NETWORK}):
        return _exec(w, node, name, first)
    if name in apis.COMPILE:
        return first
    if name == "builtins.open":
        return _open(w, node, first)
    if name in apis.CHMOD:
        if len(node.args) > 1 and _exec_bits(w, node.args[1]):
            w.fact(Kind.CHMOD_EXEC, name, node, first, text_of(w.fold(node.args[0])))
        return EMPTY
    if name == "os.dup2":
        w.fact(Kind.DUP2, name, node, args)
        return EMPTY
    if name in apis.DECODERS:
        return args | {Tag.DECODED}
    if name in apis.ENV_READS:
        return w.literals.secret_name(node.args[0]) if node.args else EMPTY
    if name in _WRITERS:
        w.fact(Kind.WRITE, name, node, args)
        return args | {WRITER}
    if name in _PROMPTS:
        return frozenset({Tag.INPUT})
    if name in apis.SCREEN:
        return frozenset({Tag.SECRET})
    kind = apis.kind_of_call(name)
    if kind is Kind.SPAWN:
        return spawn(w, node, name, args)
    if kind is Kind.NETWORK:
        return network(w, node, name)
    if kind is Kind.THREAD:
        _thread(w, node, name)
        w.fact(Kind.THREAD, name, node, args)
        return frozenset({THREAD})
    if kind is Kind.WRITE:
        target = w.fold(node.args[1]) if len(node.args) > 1 else None
        w.fact(Kind.WRITE, name, node, args, text_of(target))
        return EMPTY
    if kind is not None:
        path = w.fold(node.args[0]) if node.args else None
        w.fact(kind, name, node, args, text_of(path))
        if kind is Kind.RECON:
            return frozenset({Tag.RECON})
        if kind is Kind.CLIPBOARD:
            return frozenset({Tag.SECRET})
    if name in apis.CLIENT_CONSTRUCTORS:
        return frozenset({CLIENT})
    return args


def _exec(w: Walker, node: ast.Call, name: str, tags: frozenset[str]) -> frozenset[str]:
    payload = first(node, "source", "code", "expression", "object")
    folded = w.fold(payload) if payload is not None else None
    text = ""
    if isinstance(folded, str | bytes):
        tags |= {Tag.EMBEDDED}
        if not isinstance(payload, ast.Constant | ast.Name):  # transformed on the way
            tags |= {Tag.DECODED}
        text = shown(folded)
        if name in _SOURCE_CODE_SINKS:
            w.nested(folded, node)
    w.fact(Kind.EXEC, name, node, tags, text)
    return tags


def _open(w: Walker, node: ast.Call, path_tags: frozenset[str]) -> frozenset[str]:
    mode_node = node.args[1] if len(node.args) > 1 else _keyword(node, "mode")
    mode = w.fold(mode_node) if mode_node is not None else "r"
    if isinstance(mode, str) and any(flag in mode for flag in "wax+"):
        path = w.fold(node.args[0]) if node.args else None
        w.fact(Kind.WRITE, "open", node, path_tags, text_of(path))
        return path_tags | {WRITER}
    return path_tags | {Tag.FILE}


def _dropped_code(w: Walker, node: ast.Call) -> bool:
    """A literal written to a file that is Python code doing something (a dropped
    script): walk it; True when it was one."""
    if not node.args:
        return False
    value = w.fold(node.args[0])
    if not isinstance(value, str | bytes) or not 20 <= len(value) <= _MAX_DROPPED:
        return False
    data = value.encode("utf-8", "surrogateescape") if isinstance(value, str) else value
    if not triggers(data, entry=True):  # templates, data files: not code worth walking
        return False
    before = len(w.facts)
    w.nested(value, node, via="write")
    return len(w.facts) > before


def _thread(w: Walker, node: ast.Call, name: str) -> None:
    targets = [kw.value for kw in node.keywords if kw.arg in ("target", "function")]
    if name in ("atexit.register", "_thread.start_new_thread", "thread.start_new_thread"):
        targets.extend(node.args[:1])
    elif name == "threading.Timer":
        targets.extend(node.args[1:2])
    elif name in ("threading.Thread", "multiprocessing.Process"):
        targets.extend(node.args[1:2])  # Thread(group, target, ...)
    for target in targets:
        if isinstance(target, ast.Name):
            w.graph.call(w.scope, target.id)
        elif isinstance(target, ast.Attribute):
            w.graph.call(w.scope, target.attr)


def _exec_bits(w: Walker, mode: ast.expr) -> bool:
    value = w.fold(mode)
    if isinstance(value, int):
        return bool(value & 0o111)
    return any(
        isinstance(n, ast.Attribute | ast.Name)
        and (getattr(n, "attr", "") or getattr(n, "id", "")) in apis.EXEC_BITS
        for n in ast.walk(mode)
    )


def _keyword(node: ast.Call, name: str) -> ast.expr | None:
    return next((kw.value for kw in node.keywords if kw.arg == name), None)


def _union(*groups: frozenset[str]) -> frozenset[str]:
    out: frozenset[str] = EMPTY
    for group in groups:
        out |= group
    return out

"""What one call does: the fact it gives and the flow tags of its result.

``classify_call`` is the walker's handler for ``ast.Call``: it resolves the
callee (``names.Names.qualify``), walks the arguments (collecting their tags),
records the call edge for import-time reachability, and dispatches on the
qualified name (``apis``) or, for methods of objects, on the receiver's tags
(a ``requests.Session()`` is a client: its ``post`` is a network call).
"""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING

from wellcheck.signals.behaviour import apis
from wellcheck.signals.behaviour.evidence import shown
from wellcheck.signals.behaviour.facts import Kind, Tag
from wellcheck.signals.behaviour.fold import Folded
from wellcheck.signals.behaviour.indicators import categories
from wellcheck.signals.behaviour.literals import tags_for
from wellcheck.signals.behaviour.prefilter import triggers

if TYPE_CHECKING:
    from wellcheck.signals.behaviour.visitor import Walker

CLIENT = "client"  # tag: an object whose methods talk to the network
WRITER = "writer"  # tag: a file opened for writing
THREAD = "thread"
_EMPTY: frozenset[str] = frozenset()
_SOURCE_CODE_SINKS = frozenset(
    {"builtins.exec", "builtins.eval", "builtins.compile", "builtins.execfile"}
)
_DESTINATION_KEYWORDS = ("url", "host", "address", "uri")
_WRITERS = frozenset({"tempfile.NamedTemporaryFile", "tempfile.TemporaryFile", "io.open"})
_PROMPTS = frozenset({"builtins.input", "getpass.getpass"})
_DESTINATION_TAGS = frozenset({Tag.SINK, Tag.RAW_IP, Tag.HIDDEN})
#: what a destination object (``urllib.request.Request(url)``) says about where it goes
_WHERE = frozenset({Tag.SINK, Tag.EMBEDDED, Tag.HOST, Tag.RAW_IP, Tag.HIDDEN})
_SOCKET_SELF = frozenset({"fileno", "makefile", "dup", "detach", "accept"})
_OBJECT = frozenset({Tag.SOCKET, "client"})
_RESOLVERS = frozenset(
    {"socket.gethostbyname", "socket.gethostbyname_ex", "socket.getaddrinfo"}
    | {"dns.resolver.resolve", "dns.resolver.query"}
)
_STREAMS = ("stdin", "stdout", "stderr")
_RAW_IP = re.compile(
    r"^(?:[a-z][a-z0-9+.-]*://)?(?:[^@/]*@)?\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?(?:[/?]|$)"
)
_INTERPRETERS = frozenset(
    {
        *("sh", "bash", "zsh", "dash", "cmd", "powershell", "pwsh", "start"),
        *("python", "python3", "pythonw", "curl", "wget", "nc", "ncat"),
        *("certutil", "mshta", "bitsadmin", "rundll32", "regsvr32", "wscript", "cscript"),
    }
)
_MAX_DROPPED = 256 * 1024  # bytes of a written literal walked as a dropped script
_DASH_C = re.compile(r"""python[\d.]*(?:\.exe)?["']?\s+-c\s+(["'])(.+)\1""", re.DOTALL)
_PYARMOR = frozenset({"__pyarmor__", "__armor_enter__", "__armor_exit__", "__armor_wrap__"})


def classify_call(w: Walker, node: ast.Call) -> frozenset[str]:
    func = node.func
    name = w.names.qualify(func)
    receiver = _EMPTY
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
    if simple in _PYARMOR or _is_pyarmor(name):
        w.fact(Kind.OBFUSCATOR, "pyarmor", node)
    if name is None:
        return _method(w, node, simple, receiver, args)
    if name.startswith("os.environ."):
        return _environ(w, node, name)
    return _api(w, node, name, positional, args) | w.graph.returns.get(simple, _EMPTY)


def _simple(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else ""


def _is_pyarmor(name: str | None) -> bool:
    return name is not None and ("pytransform" in name or "pyarmor_runtime" in name)


def _method(
    w: Walker, node: ast.Call, attr: str, receiver: frozenset[str], args: frozenset[str]
) -> frozenset[str]:
    returned = w.graph.returns.get(attr, _EMPTY)
    if CLIENT in receiver and attr in apis.CLIENT_METHODS:
        carried = frozenset(t for t in receiver if t in _DESTINATION_TAGS or t.startswith("ind:"))
        tags, fetched = _network_tags(w, node)
        tags |= carried
        w.fact(Kind.NETWORK, attr, node, tags, _text(_destination(w, node)))
        return _network_result(tags, fetched) | (receiver & {Tag.SOCKET})
    if Tag.SOCKET in receiver:  # only the socket's own descriptor stays a socket
        return frozenset({Tag.SOCKET}) if attr in _SOCKET_SELF else (receiver - _OBJECT) | args
    if attr in apis.WRITE_METHODS or (attr in ("write", "writelines") and WRITER in receiver):
        script = _dropped_code(w, node)
        w.fact(Kind.WRITE, attr, node, args | receiver | ({Tag.SCRIPT} if script else _EMPTY))
        return _EMPTY
    if attr in apis.CLIPBOARD_METHODS:
        w.fact(Kind.CLIPBOARD, attr, node, args)
        return frozenset({Tag.SECRET})
    if attr in apis.DECODER_METHODS:
        return receiver | args | {Tag.DECODED}
    return receiver | args | returned


def _environ(w: Walker, node: ast.Call, name: str) -> frozenset[str]:
    method = name.rsplit(".", 1)[-1]
    if method in apis.ENVIRON_SINGLE:
        return w.literals.secret_name(node.args[0]) if node.args else _EMPTY
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
            w.fact(Kind.CHMOD_EXEC, name, node, first, _text(w.fold(node.args[0])))
        return _EMPTY
    if name == "os.dup2":
        w.fact(Kind.DUP2, name, node, args)
        return _EMPTY
    if name in apis.DECODERS:
        return args | {Tag.DECODED}
    if name in apis.ENV_READS:
        return w.literals.secret_name(node.args[0]) if node.args else _EMPTY
    if name in _WRITERS:
        w.fact(Kind.WRITE, name, node, args)
        return args | {WRITER}
    if name in _PROMPTS:
        return frozenset({Tag.INPUT})
    if name in apis.SCREEN:
        return frozenset({Tag.SECRET})
    kind = apis.kind_of_call(name)
    if kind is Kind.SPAWN:
        return _spawn(w, node, name, args)
    if kind is Kind.NETWORK:
        return _network(w, node, name)
    if kind is Kind.THREAD:
        _thread(w, node, name)
        w.fact(Kind.THREAD, name, node, args)
        return frozenset({THREAD})
    if kind is Kind.WRITE:
        target = w.fold(node.args[1]) if len(node.args) > 1 else None
        w.fact(Kind.WRITE, name, node, args, _text(target))
        return _EMPTY
    if kind is not None:
        path = w.fold(node.args[0]) if node.args else None
        w.fact(kind, name, node, args, _text(path))
        if kind is Kind.RECON:
            return frozenset({Tag.RECON})
        if kind is Kind.CLIPBOARD:
            return frozenset({Tag.SECRET})
    if name in apis.CLIENT_CONSTRUCTORS:
        return frozenset({CLIENT})
    return args


def _exec(w: Walker, node: ast.Call, name: str, tags: frozenset[str]) -> frozenset[str]:
    payload = _first(node, "source", "code", "expression", "object")
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
        w.fact(Kind.WRITE, "open", node, path_tags, _text(path))
        return path_tags | {WRITER}
    return path_tags | {Tag.FILE}


def _spawn(w: Walker, node: ast.Call, name: str, args: frozenset[str]) -> frozenset[str]:
    command = _first(node, "args", "command", "cmd", "path", "file", "filepath")
    folded = w.fold(command) if command is not None else None
    if folded is None and isinstance(command, ast.List | ast.Tuple):  # what is literal of it
        parts = [w.fold(element) for element in command.elts]
        folded = tuple(p for p in parts if isinstance(p, str | bytes)) or None
    if isinstance(folded, tuple):
        folded = " ".join(str(part) for part in folded if isinstance(part, str | bytes | int))
    if isinstance(folded, bytes):
        folded = folded.decode("latin-1")
    tags = args | ({Tag.SHELL} if _shell(node, name, command, folded) else _EMPTY)
    streams = [kw.value for kw in node.keywords if kw.arg in _STREAMS]
    if any(Tag.SOCKET in w.tags_of(stream) for stream in streams):
        tags |= {Tag.SOCKET_IO}
    if isinstance(folded, str):
        found = categories(folded)
        for category, match in found.items():
            w.fact(Kind.INDICATOR, category.value, node, text=shown(match))
        tags |= tags_for(found) | {Tag.EMBEDDED}
    w.fact(Kind.SPAWN, name, node, tags, _text(folded))
    inline = _inline_code(w.fold(command) if command is not None else None)
    if inline:
        w.nested(inline, node, via="spawn")
    if name in apis.WINDOWS_CALLS:
        w.fact(Kind.WINDOWS, name, node, tags, _text(folded))
    return args


def _shell(node: ast.Call, name: str, command: ast.expr | None, folded: object) -> bool:
    """A command line a shell or an interpreter reads (``os.system``, ``shell=True``, a
    string, ``sh``/``cmd``/``powershell``/``python``/``curl``... as the program), as
    opposed to a plain tool's argument vector (``['fc-list', ...]``)."""
    if name in apis.SHELL_SPAWN or name.endswith(("create_subprocess_shell", "startfile")):
        return True
    if any(
        kw.arg == "shell" and not (isinstance(kw.value, ast.Constant) and not kw.value.value)
        for kw in node.keywords
    ):
        return True
    if isinstance(command, ast.Constant | ast.JoinedStr | ast.BinOp):
        return True
    if isinstance(command, ast.List | ast.Tuple) and command.elts:
        program = command.elts[0]
        text = program.value if isinstance(program, ast.Constant) else ""
        base = str(text).replace("\\", "/").rsplit("/", 1)[-1].lower()
        return base.removesuffix(".exe") in _INTERPRETERS or isinstance(program, ast.Attribute)
    return False


def _inline_code(command: Folded | None) -> str | None:
    """The program of ``python -c PROGRAM`` in a folded command (argv or a string)."""
    if isinstance(command, tuple):
        parts = [p.decode("latin-1") if isinstance(p, bytes) else p for p in command]
        for index, part in enumerate(parts[:-1]):
            program = parts[index + 1]
            if part == "-c" and isinstance(program, str):
                return program
        return None
    if isinstance(command, str):
        match = _DASH_C.search(command)
        return match.group(2) if match else None
    return None


def _network(w: Walker, node: ast.Call, name: str) -> frozenset[str]:
    tags, fetched = _network_tags(w, node)
    w.fact(Kind.NETWORK, name, node, tags, _text(_destination(w, node)))
    if name.endswith("urlretrieve"):
        target = w.fold(node.args[1]) if len(node.args) > 1 else None
        w.fact(Kind.WRITE, name, node, tags | {Tag.NETWORK}, _text(target))
    if name in _RESOLVERS:
        return _EMPTY  # an address: not content from the network
    if name in apis.CLIENT_CONSTRUCTORS or name in apis.NO_IO:
        built = {CLIENT, *(t for t in tags if t in _WHERE or t.startswith("ind:"))}
        if name.startswith("socket."):
            built.add(Tag.SOCKET)
        return frozenset(built)  # an object that will talk, not data that came back
    return _network_result(tags, fetched)


def _network_tags(w: Walker, node: ast.Call) -> tuple[frozenset[str], frozenset[str]]:
    """(the fact's tags, what the destination names).

    The fact's tags are the *data* sent (every argument but the destination), what
    the destination says about where it goes (a sink, an .exe, ``ind:`` labels), and
    EMBEDDED / HOST / RAW_IP / HIDDEN for how it is written.  A credential the
    destination names (``169.254.169.254``) is fetched, not sent: it is returned
    apart, for the response to carry."""
    target = _first(node, *_DESTINATION_KEYWORDS)
    named = w.tags_of(target) if target is not None else _EMPTY
    data = _EMPTY
    for argument in (*node.args, *(kw.value for kw in node.keywords)):
        if argument is not target:
            data |= w.tags_of(argument)
    where = frozenset(t for t in named if t in _WHERE or t.startswith("ind:"))
    tags = data | where | ({Tag.HIDDEN} if Tag.DECODED in named else _EMPTY)
    destination, whole = _fixed(w, node)
    if target is not None and not whole:  # data carried in a built URL (?h=<hostname>)
        tags |= _carried_in(w, target)
    if destination is not None:
        text = destination.decode("latin-1") if isinstance(destination, bytes) else destination
        tags |= {Tag.EMBEDDED if whole else Tag.HOST}
        if _RAW_IP.match(text):
            tags |= {Tag.RAW_IP}
    return tags, named & {Tag.SECRET}


def _carried_in(w: Walker, target: ast.expr) -> frozenset[str]:
    """Tags of the parts of a built destination that are not literals."""
    parts: list[ast.expr] = [target]
    found = _EMPTY
    while parts:
        part = parts.pop()
        if isinstance(part, ast.Constant):
            continue
        if isinstance(part, ast.BinOp):
            parts.extend((part.left, part.right))
        elif isinstance(part, ast.JoinedStr):
            parts.extend(v.value for v in part.values if isinstance(v, ast.FormattedValue))
        elif (
            isinstance(part, ast.Call)
            and isinstance(part.func, ast.Attribute)
            and part.func.attr == "format"
        ):
            parts.extend((*part.args, *(kw.value for kw in part.keywords)))
        else:
            found |= w.tags_of(part)
    return found


def _network_result(tags: frozenset[str], fetched: frozenset[str]) -> frozenset[str]:
    """What a response carries: NETWORK, where it came from (a sink, an .exe...), and
    SECRET when the destination is a credential service."""
    carried = {t for t in tags if t in _DESTINATION_TAGS or t.startswith("ind:")}
    return frozenset({Tag.NETWORK, *carried, *fetched})


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


def _destination(w: Walker, node: ast.Call) -> str | bytes | None:
    """The destination when the code fixes it (see ``_fixed``), else None."""
    return _fixed(w, node)[0]


def _fixed(w: Walker, node: ast.Call) -> tuple[str | bytes | None, bool]:
    """(destination, whole): a literal destination (``whole``), or a URL whose scheme
    and host are literal and only the path or query is built (``'http://h/?q=' + data``)."""
    target = _first(node, *_DESTINATION_KEYWORDS)
    if target is None:
        return None, False
    value = w.fold(target)
    if isinstance(value, tuple):
        return ":".join(str(part) for part in value if isinstance(part, str | int)), True
    if isinstance(value, str | bytes):
        return value, True
    prefix = _leftmost(target)
    if prefix is not None:
        head = w.fold(prefix)
        if isinstance(head, str) and "://" in head and head.split("://", 1)[1].split("/")[0]:
            return head, False
    return None, False


def _leftmost(node: ast.expr) -> ast.expr | None:
    """The first piece of a concatenation, f-string, ``%`` or ``.format`` template."""
    while True:
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mod):
            node = node.left
        elif isinstance(node, ast.JoinedStr) and node.values:
            node = node.values[0]
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "format"
        ):
            node = node.func.value
        else:
            return node if isinstance(node, ast.Constant | ast.Name) else None


def _exec_bits(w: Walker, mode: ast.expr) -> bool:
    value = w.fold(mode)
    if isinstance(value, int):
        return bool(value & 0o111)
    return any(
        isinstance(n, ast.Attribute | ast.Name)
        and (getattr(n, "attr", "") or getattr(n, "id", "")) in apis.EXEC_BITS
        for n in ast.walk(mode)
    )


def _first(node: ast.Call, *keywords: str) -> ast.expr | None:
    if node.args and not isinstance(node.args[0], ast.Starred):
        return node.args[0]
    return next((kw.value for kw in node.keywords if kw.arg in keywords), None)


def _keyword(node: ast.Call, name: str) -> ast.expr | None:
    return next((kw.value for kw in node.keywords if kw.arg == name), None)


def _text(value: Folded | None) -> str:
    return shown(value) if isinstance(value, str | bytes) else ""


def _union(*groups: frozenset[str]) -> frozenset[str]:
    out: frozenset[str] = _EMPTY
    for group in groups:
        out |= group
    return out

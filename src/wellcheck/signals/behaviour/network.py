"""Network calls: the fact, where it goes, what it sends, what comes back.

A request's data is every argument but its destination; the destination says how
it is written (a literal, a literal host, a public IP, an address decoded at run
time) and where it goes (a known sink, an indicator); a credential service named by
the destination (the instance metadata address) is something fetched, not sent.
"""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING

from wellcheck.signals.behaviour import apis
from wellcheck.signals.behaviour.facts import Kind, Tag
from wellcheck.signals.behaviour.flow import PARAM
from wellcheck.signals.behaviour.values import CLIENT, EMPTY, first, text_of

if TYPE_CHECKING:
    from wellcheck.signals.behaviour.visitor import Walker

_DESTINATION_KEYWORDS = ("url", "host", "address", "uri")
DESTINATION_TAGS = frozenset({Tag.SINK, Tag.RAW_IP, Tag.HIDDEN})
_RESOLVERS = frozenset(
    {"socket.gethostbyname", "socket.gethostbyname_ex", "socket.getaddrinfo"}
    | {"dns.resolver.resolve", "dns.resolver.query"}
)
_RAW_IP = re.compile(
    r"^(?:[a-z][a-z0-9+.-]*://)?(?:[^@/]*@)?\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?(?:[/?]|$)"
)
#: a chat bot token or a webhook's id and key written in a destination
_TOKEN = re.compile(
    r"/bot\d{6,}:[\w-]{30,}|/webhooks/\d{15,}/[\w-]{30,}|hooks\.slack\.com/services/\w+/\w+/\w+"
)
#: what a destination object (``urllib.request.Request(url)``) says about where it goes
WHERE = frozenset({Tag.SINK, Tag.EMBEDDED, Tag.HOST, Tag.RAW_IP, Tag.HIDDEN, Tag.TOKEN})


#: calls whose arguments are data, never where it goes (``sock.send(b"...")``)
_NO_DESTINATION = frozenset(
    {"send", "sendall", "recv", "makefile", "execute", "send_message", "storbinary", "sendmail"}
)
#: calls whose destination is the second argument (``request("GET", url)``)
_SECOND = frozenset({"request", "sendto"})


def target_of(node: ast.Call) -> ast.expr | None:
    """The expression giving where a network call goes, if one does."""
    func = node.func
    simple = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    if simple in _NO_DESTINATION:
        return next((kw.value for kw in node.keywords if kw.arg in _DESTINATION_KEYWORDS), None)
    if simple in _SECOND and not any(isinstance(a, ast.Starred) for a in node.args[:2]):
        if len(node.args) > 1:
            return node.args[1]
        return next((kw.value for kw in node.keywords if kw.arg in _DESTINATION_KEYWORDS), None)
    return first(node, *_DESTINATION_KEYWORDS)


def network(w: Walker, node: ast.Call, name: str) -> frozenset[str]:
    tags, fetched = network_tags(w, node)
    w.fact(Kind.NETWORK, name, node, tags, text_of(destination(w, node)), where_from(w, node))
    if name.endswith("urlretrieve"):
        target = w.fold(node.args[1]) if len(node.args) > 1 else None
        w.fact(Kind.WRITE, name, node, tags | {Tag.NETWORK}, text_of(target))
    if name in _RESOLVERS:
        return EMPTY  # an address: not content from the network
    if name in apis.CLIENT_CONSTRUCTORS or name in apis.NO_IO:
        built = {CLIENT, *(t for t in tags if t in WHERE or t.startswith("ind:"))}
        built |= _parameters(w, node)  # Request(url): the object goes where the caller says
        if name.startswith("socket."):
            built.add(Tag.SOCKET)
        return frozenset(built)  # an object that will talk, not data that came back
    return network_result(tags, fetched)


def where_from(w: Walker, node: ast.Call) -> int | None:
    """The parameter of the enclosing function the destination comes from, if one does."""
    found = sorted(_parameters(w, node))
    return int(found[0][len(PARAM) :]) if found else None


def _parameters(w: Walker, node: ast.Call) -> frozenset[str]:
    target = target_of(node)
    named = w.tags_of(target) if target is not None else EMPTY
    return frozenset(t for t in named if t.startswith(PARAM))


def literal_destination(value: str | bytes) -> frozenset[str]:
    """Tags of a destination written whole in the code: EMBEDDED, RAW_IP, and what it names."""
    from wellcheck.signals.behaviour.indicators import categories
    from wellcheck.signals.behaviour.literals import tags_for

    text = value.decode("latin-1") if isinstance(value, bytes) else value
    tags = {
        Tag.EMBEDDED,
        *(t for t in tags_for(categories(text)) if t in WHERE or t.startswith("ind:")),
    }
    if _RAW_IP.match(text):
        tags.add(Tag.RAW_IP)
    if _TOKEN.search(text):
        tags.add(Tag.TOKEN)
    return frozenset(tags)


def network_tags(w: Walker, node: ast.Call) -> tuple[frozenset[str], frozenset[str]]:
    """(the fact's tags, what the destination names).

    The fact's tags are the *data* sent (every argument but the destination), what
    the destination says about where it goes (a sink, an .exe, ``ind:`` labels), and
    EMBEDDED / HOST / RAW_IP / HIDDEN for how it is written.  A credential the
    destination names (``169.254.169.254``) is fetched, not sent: it is returned
    apart, for the response to carry."""
    target = target_of(node)
    named = w.tags_of(target) if target is not None else EMPTY
    data = EMPTY
    for argument in (*node.args, *(kw.value for kw in node.keywords)):
        if argument is not target:
            data |= w.tags_of(argument)
    where = frozenset(t for t in named if t in WHERE or t.startswith("ind:"))
    tags = data | where | ({Tag.HIDDEN} if Tag.DECODED in named else EMPTY)
    destination, whole = _fixed(w, node)
    if target is not None and not whole:  # data carried in a built URL (?h=<hostname>)
        tags |= _carried_in(w, target)
    if destination is not None:
        text = destination.decode("latin-1") if isinstance(destination, bytes) else destination
        tags |= {Tag.EMBEDDED if whole else Tag.HOST}
        if _RAW_IP.match(text):
            tags |= {Tag.RAW_IP}
        if _TOKEN.search(text):
            tags |= {Tag.TOKEN}
    return tags, named & {Tag.SECRET}


def _carried_in(w: Walker, target: ast.expr) -> frozenset[str]:
    """Tags of the parts of a built destination that are not literals."""
    parts: list[ast.expr] = [target]
    found = EMPTY
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


def network_result(tags: frozenset[str], fetched: frozenset[str]) -> frozenset[str]:
    """What a response carries: NETWORK, where it came from (a sink, an .exe...), and
    SECRET when the destination is a credential service."""
    carried = {t for t in tags if t in DESTINATION_TAGS or t.startswith("ind:")}
    return frozenset({Tag.NETWORK, *carried, *fetched})


def destination(w: Walker, node: ast.Call) -> str | bytes | None:
    """The destination when the code fixes it (see ``_fixed``), else None."""
    return _fixed(w, node)[0]


def _fixed(w: Walker, node: ast.Call) -> tuple[str | bytes | None, bool]:
    """(destination, whole): a literal destination (``whole``), or a URL whose scheme
    and host are literal and only the path or query is built (``'http://h/?q=' + data``)."""
    target = target_of(node)
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

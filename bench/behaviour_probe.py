"""A naive behaviour probe, for calibration only: capability without context.

A tree (or archive) is flagged when any of its Python files makes, at import time (module
level, class bodies, decorators and default values; not inside functions or lambdas), a call
to ``exec``/``eval``, a shell or process, a network client or a decoder, or when any Python
file or ``.pth`` holds an exfiltration-style URL (webhooks, paste and tunnel services, OAST
hosts, a bare IP address). Source is parsed with ``ast.parse`` only; nothing is run. A file
that does not parse (Python 2, truncated) is only searched for URLs.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from pathlib import Path

MAX_SOURCE = 2 * 1024 * 1024

CATEGORIES: dict[str, frozenset[str]] = {
    "exec": frozenset({"exec", "eval"}),
    "shell": frozenset(
        {
            "os.system",
            "os.popen",
            "os.execl",
            "os.execle",
            "os.execlp",
            "os.execv",
            "os.execve",
            "os.execvp",
            "os.spawnl",
            "os.spawnv",
            "os.startfile",
            "subprocess.run",
            "subprocess.call",
            "subprocess.Popen",
            "subprocess.check_call",
            "subprocess.check_output",
            "subprocess.getoutput",
            "subprocess.getstatusoutput",
            "pty.spawn",
            "commands.getoutput",
        }
    ),
    "network": frozenset(
        {
            "socket.socket",
            "socket.create_connection",
            "urllib.request.urlopen",
            "urllib.request.urlretrieve",
            "urllib.request.Request",
            "urllib2.urlopen",
            "urllib.urlopen",
            "urllib.urlretrieve",
            "requests.get",
            "requests.post",
            "requests.put",
            "requests.request",
            "requests.Session",
            "httpx.get",
            "httpx.post",
            "httpx.Client",
            "http.client.HTTPConnection",
            "http.client.HTTPSConnection",
            "urllib3.PoolManager",
            "aiohttp.ClientSession",
            "ftplib.FTP",
            "smtplib.SMTP",
            "smtplib.SMTP_SSL",
            "dns.resolver.resolve",
        }
    ),
    "decoder": frozenset(
        {
            "base64.b64decode",
            "base64.b32decode",
            "base64.b16decode",
            "base64.b85decode",
            "base64.a85decode",
            "base64.decodebytes",
            "base64.standard_b64decode",
            "base64.urlsafe_b64decode",
            "codecs.decode",
            "zlib.decompress",
            "bz2.decompress",
            "lzma.decompress",
            "gzip.decompress",
            "marshal.loads",
            "pickle.loads",
            "binascii.a2b_base64",
            "binascii.unhexlify",
            "bytes.fromhex",
        }
    ),
}
_BY_NAME = {name: category for category, names in CATEGORIES.items() for name in names}

EXFIL_URL = re.compile(
    rb"(?i)(discord(?:app)?\.com/api/webhooks|api\.telegram\.org/bot|pastebin\.com|hastebin"
    rb"|transfer\.sh|ngrok(?:-free)?\.(?:io|app)|webhook\.site|pipedream\.net|requestbin"
    rb"|burpcollaborator\.net|oastify\.com|interact\.sh|\.oast\.(?:fun|me|live|pro|site|online)"
    rb"|dnslog\.cn|ceye\.io|canarytokens|https?://\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})"
)


class _ImportTime(ast.NodeVisitor):
    """Calls made when the module is imported; names resolved through its imports."""

    def __init__(self) -> None:
        self.aliases: dict[str, str] = {}
        self.found: set[str] = set()

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.asname:
                self.aliases[alias.asname] = alias.name
            else:
                head = alias.name.split(".")[0]
                self.aliases[head] = head

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        for alias in node.names:
            self.aliases[alias.asname or alias.name] = f"{node.module or ''}.{alias.name}"

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for child in [*node.decorator_list, *node.args.defaults, *node.args.kw_defaults]:
            if child is not None:
                self.visit(child)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node: ast.Lambda) -> None:
        return

    def visit_Call(self, node: ast.Call) -> None:
        name = self._dotted(node.func)
        if name is not None:
            category = _BY_NAME.get(name)
            if category is not None:
                self.found.add(category)
        self.generic_visit(node)

    def _dotted(self, node: ast.expr) -> str | None:
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        parts.append(self.aliases.get(node.id, node.id))
        return ".".join(reversed(parts))


def probe_source(data: bytes, python: bool) -> set[str]:
    """Categories one file hits (``exfil-url`` for a URL; the others need ``python``)."""
    found = {"exfil-url"} if EXFIL_URL.search(data) else set()
    if not python or len(data) > MAX_SOURCE:
        return found
    try:
        tree = ast.parse(data)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return found
    visitor = _ImportTime()
    try:
        visitor.visit(tree)
    except RecursionError:
        return found
    return found | visitor.found


def _kind(name: str) -> bool | None:
    """True: parse as Python; False: URL search only; None: skip."""
    if name.endswith((".py", ".pyw")) or name.startswith("bin/"):
        return True
    if name.endswith(".pth"):
        return False
    return None


def probe_files(files: Iterable[tuple[str, bytes]]) -> list[str]:
    found: set[str] = set()
    for name, data in files:
        python = _kind(name)
        if python is not None:
            found |= probe_source(data, python)
    return sorted(found)


def tree_files(root: Path) -> Iterable[tuple[str, bytes]]:
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if path.is_file() and not path.is_symlink() and _kind(relative) is not None:
            yield relative, path.read_bytes()

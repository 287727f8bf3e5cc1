"""A naive behaviour probe, for calibration only: capability without context.

A tree (or archive) is flagged when any of its Python files makes, at import time (module
level, class bodies, decorators and default values; not inside functions or lambdas), a call
to ``exec``/``eval``, a shell or process, a network client or a decoder, or when any Python
file or ``.pth`` holds an exfiltration-style URL (webhooks, paste and tunnel services, OAST
hosts, a public IP address). Source is parsed with ``ast.parse`` only; nothing is run. A file
that does not parse (Python 2, truncated) is only searched for URLs.
"""

from __future__ import annotations

import ast
import ipaddress
import re
import warnings
from collections.abc import Iterable
from pathlib import Path

PROBE_VERSION = 2  # part of the cache key: bump when the probe changes
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
    rb"|dnslog\.cn|ceye\.io|canarytokens)"
)
IP_URL = re.compile(rb"(?i)https?://(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})")
# a cheap byte test: a file none of whose calls could resolve to a listed name has none of
# these words (every listed name's module or function is spelled out in the file)
TRIGGERS = re.compile(
    rb"\b(exec\w*|eval|system|popen|Popen|spawn\w*|startfile|check_output|check_call"
    rb"|getoutput|getstatusoutput|subprocess|socket|create_connection|urlopen|urlretrieve"
    rb"|Request|requests|httpx|HTTPS?Connection|PoolManager|ClientSession|FTP|SMTP(?:_SSL)?"
    rb"|resolver|b64decode|b32decode|b16decode|b85decode|a85decode|decodebytes"
    rb"|standard_b64decode|urlsafe_b64decode|codecs|decompress|marshal|pickle|a2b_base64"
    rb"|unhexlify|fromhex)\b"
)


def _exfil(data: bytes) -> bool:
    """A webhook/paste/tunnel/OAST host, or a URL to a public IP address."""
    if EXFIL_URL.search(data):
        return True
    for match in IP_URL.finditer(data):
        try:
            if ipaddress.ip_address(match.group(1).decode()).is_global:
                return True
        except ValueError:
            continue
    return False


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
    found = {"exfil-url"} if _exfil(data) else set()
    if not python or len(data) > MAX_SOURCE or not TRIGGERS.search(data):
        return found
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarning for odd literals: not our concern
            tree = ast.parse(data)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return found
    visitor = _ImportTime()
    try:
        visitor.visit(tree)
    except RecursionError:
        return found
    return found | visitor.found


def wanted(name: str) -> bool:
    """Whether the probe reads this file at all."""
    return _kind(name) is not None


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
        if path.is_file() and not path.is_symlink() and wanted(relative):
            yield relative, path.read_bytes()

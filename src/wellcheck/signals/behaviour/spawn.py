"""Process calls: the command line, whether a shell reads it, and what it runs."""

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
from wellcheck.signals.behaviour.values import EMPTY, first, text_of

if TYPE_CHECKING:
    from wellcheck.signals.behaviour.visitor import Walker

_STREAMS = ("stdin", "stdout", "stderr")
_INTERPRETERS = frozenset(
    {
        *("sh", "bash", "zsh", "dash", "cmd", "powershell", "pwsh", "start"),
        *("python", "python3", "pythonw", "curl", "wget", "nc", "ncat"),
        *("certutil", "mshta", "bitsadmin", "rundll32", "regsvr32", "wscript", "cscript"),
    }
)
#: programs that run what their arguments name (besides the interpreters): an argv
#: they head is not "a fixed tool reading data"
_RUNNERS = frozenset(
    {
        *("env", "sudo", "nohup", "timeout", "nice", "setsid", "exec", "xargs", "systemd-run"),
        *("node", "perl", "ruby", "php", "java", "osascript", "open", "xdg-open", "explorer"),
        *("msiexec", "schtasks", "at", "launchctl", "crontab", "pip", "pip3", "chmod"),
    }
)
#: a program named with one of these is a file (maybe the one just written), not a tool
_FILE_SUFFIXES = (
    *(".exe", ".com", ".bat", ".cmd", ".ps1", ".vbs", ".vbe", ".js", ".jse", ".wsf"),
    *(".scr", ".msi", ".dll", ".cpl", ".hta", ".jar", ".sh", ".bin", ".elf", ".py", ".pyw"),
    *(".run", ".app", ".out", ".apk"),
)
_SYSTEM_BINS = frozenset({"/bin", "/sbin", "/usr/bin", "/usr/sbin", "/usr/local/bin"})
#: what a fixed tool's data arguments may carry without the tool running it
_DATA_TAGS = frozenset({Tag.NETWORK, Tag.DECODED})
_DASH_C = re.compile(r"""python[\d.]*(?:\.exe)?["']?\s+-c\s+(["'])(.+)\1""", re.DOTALL)


def spawn(w: Walker, node: ast.Call, name: str, args: frozenset[str]) -> frozenset[str]:
    command = first(node, "args", "command", "cmd", "path", "file", "filepath")
    folded = w.fold(command) if command is not None else None
    whole = folded is not None
    if folded is None and isinstance(command, ast.List | ast.Tuple):  # what is literal of it
        parts = [w.fold(element) or w.folder.template(element) for element in command.elts]
        folded = tuple(p for p in parts if isinstance(p, str | bytes)) or None
    elif folded is None and command is not None:  # f"wget -qO /tmp/{name} {url}": a template
        folded = w.folder.template(command)
    if isinstance(folded, tuple):
        folded = " ".join(str(part) for part in folded if isinstance(part, str | bytes | int))
    if isinstance(folded, bytes):
        folded = folded.decode("latin-1")
    tags = args | ({Tag.SHELL} if _shell(node, name, command, folded) else EMPTY)
    if Tag.SHELL not in tags and _fixed_tool(w, command):
        # ``['ffprobe', downloaded]``: a named program reading a download or decoded
        # data as its argument; the data is not what runs
        tags = (tags - _DATA_TAGS) | {Tag.TOOL}
    streams = [kw.value for kw in node.keywords if kw.arg in _STREAMS]
    if any(Tag.SOCKET in w.tags_of(stream) for stream in streams):
        tags |= {Tag.SOCKET_IO}
    if isinstance(folded, str):
        found = categories(folded)
        for category, match in found.items():
            w.fact(Kind.INDICATOR, category.value, node, text=shown(match))
        tags |= tags_for(found) | ({Tag.EMBEDDED} if whole else EMPTY)
    w.fact(Kind.SPAWN, name, node, tags, text_of(folded))
    inline = _inline_code(w.fold(command) if command is not None else None)
    if inline:
        w.nested(inline, node, via="spawn")
    if name in apis.WINDOWS_CALLS:
        w.fact(Kind.WINDOWS, name, node, tags, text_of(folded))
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


def _fixed_tool(w: Walker, command: ast.expr | None) -> bool:
    """An argument vector whose program is a literal name, found on PATH or in a system
    bin directory, that is neither an interpreter nor a runner (``['ffprobe', ...]``,
    ``('/usr/bin/git', 'clone', url)``; not ``['/tmp/agent']`` nor ``['123.exe']``)."""
    if isinstance(command, ast.List | ast.Tuple):
        program = w.fold(command.elts[0]) if command.elts else None
    else:
        whole = w.fold(command) if command is not None else None
        program = whole[0] if isinstance(whole, tuple) and whole else None
    if not isinstance(program, str) or not program:
        return False
    directory, _, base = program.replace("\\", "/").rpartition("/")
    if directory and directory not in _SYSTEM_BINS:  # '/tmp/agent': maybe what was dropped
        return False
    base = base.lower()
    if base.endswith(_FILE_SUFFIXES):  # '123.exe': a file it means to run, not a tool
        return False
    return base not in _INTERPRETERS and base not in _RUNNERS and not base.startswith("python")


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

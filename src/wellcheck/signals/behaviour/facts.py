"""Facts: what the visitor saw in one file, before any rule judges it.

A fact is one observation at one place ("a process is spawned here, at import
time, with an argument that was base64-decoded from a literal").  Rules (in
``rules/``) turn the facts of a distribution's files into findings; the visitor
never decides severity.  Everything is a frozen dataclass so that facts travel
between worker processes and stay comparable in tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class When(StrEnum):
    """When the code holding a fact runs, as the file's own structure tells it."""

    IMPORT = "import"  # module body, class bodies, decorators, code called from them
    CALLED = "called"  # a function nothing at import time calls: runs only if used
    MAIN = "main"  # under ``if __name__ == '__main__'`` or in ``__main__.py``


class Role(StrEnum):
    """Why a file runs at all, from where it sits."""

    MODULE = "module"  # importable code of a distribution
    STARTUP = "startup"  # a .pth line or sitecustomize/usercustomize: every interpreter start
    INSTALL = "install"  # setup.py or an in-tree build backend of an sdist: pip runs it
    TEST = "test"  # a test module (tests/, test_*.py, conftest.py): only a test runner imports it
    SOURCE_ONLY = "source-only"  # in an sdist, neither installed nor run by pip (scripts, demos)


class Kind(StrEnum):
    """What a fact is about.  ``detail`` says which API or indicator."""

    EXEC = "exec"  # exec/eval/compile/marshal.loads/pickle.loads/CodeType
    SPAWN = "spawn"  # a new process (os.system, subprocess, pty.spawn, os.startfile...)
    NETWORK = "network"  # a connection or request (socket, urllib, requests, smtplib, DNS...)
    WRITE = "write"  # a file written, copied or moved
    CHMOD_EXEC = "chmod-exec"  # a file made executable
    NATIVE_LOAD = "native-load"  # ctypes/cffi loading a library
    THREAD = "thread"  # code started in a thread/process or registered with atexit
    ENV_DUMP = "env-dump"  # the whole os.environ used as a value
    RECON = "recon"  # host name, user name, public IP
    CLIPBOARD = "clipboard"  # clipboard read or written
    WINDOWS = "windows"  # a Windows-only API (winreg, ctypes.windll, os.startfile)
    INDICATOR = "indicator"  # a string literal naming something (see indicators.py)
    OBFUSCATOR = "obfuscator"  # a known obfuscator stub or runtime
    ENTROPY = "entropy"  # a very long high-entropy literal
    DUP2 = "dup2"  # os.dup2: file descriptors redirected (reverse shells)


class Tag(StrEnum):
    """Where a value came from: the flow labels attached to call arguments."""

    DECODED = "decoded"  # passed through base64/zlib/hex/rot13/reversal/chr-join...
    LITERAL = "literal"  # built from string or bytes literals of the file
    NETWORK = "network"  # read from a connection or a response
    ENV = "env"  # the whole environment
    SECRET = "secret"  # noqa: S105 - a flow label, not a password; a credential: secret variables, credential files, browser stores
    RECON = "recon"  # host facts (host name, user, public IP)
    SINK = "sink"  # names a known exfiltration endpoint
    SOCKET = "socket"  # a socket object or its file descriptor
    SOCKET_IO = "socket-io"  # a process whose stdin/stdout/stderr is a socket
    PACKAGE_PATH = "package-path"  # a path under the package's own directory (__file__)
    FILE = "file"  # read from a file
    EMBEDDED = "embedded"  # the call's main argument folds to a literal (payload, URL, command)
    HOST = "host"  # the destination's scheme and host are literal, the rest is built
    RAW_IP = "raw-ip"  # a destination given as a literal IPv4 address
    HIDDEN = "hidden"  # a destination decoded at run time from an obfuscated literal
    INPUT = "input"  # typed in by the user (input(), getpass())
    SCRIPT = "script"  # Python code written to a file (a dropped script)
    SHELL = "shell"  # a command line for a shell or an interpreter, not a plain tool's argv
    TOOL = "tool"  # argv of a fixed program that reads its arguments as data (ffprobe, git)
    TOKEN = "token"  # noqa: S105 - a flow label; a chat bot token or webhook key in the destination


@dataclass(frozen=True)
class Fact:
    kind: Kind
    detail: str  # the API (qualified name) or the indicator category
    line: int
    snippet: str  # ASCII-safe, short: see ``evidence.snippet``
    when: When
    tags: frozenset[str] = frozenset()  # Tag values and ``ind:<category>`` labels of the arguments
    # how it was reached: "exec" (code a literal passed to exec() would run), "write"
    # (code written to a file), "spawn" (python -c), "call" (replayed from a helper)
    via: str = ""
    text: str = ""  # the matched indicator text or the literal destination, escaped, short
    scope: str = ""  # the function (qualified name) or "<module>"/"<main>" holding it


@dataclass(frozen=True)
class FileFacts:
    """Everything learnt from one file; ``skipped`` says why it was not analysed."""

    path: str  # tree path
    role: Role
    facts: tuple[Fact, ...] = ()
    parsed: bool = False  # False: the prefilter found nothing worth parsing
    skipped: str | None = None  # reason the file could not be checked (a bound, a read error)
    syntax_error: str | None = None  # the file does not parse (CPython could not import it)
    triggers: tuple[str, ...] = field(default_factory=tuple)  # prefilter reasons


@dataclass(frozen=True)
class BinaryFile:
    """A non-Python file whose first bytes are a native executable or library."""

    path: str
    format: str  # "ELF", "PE", "Mach-O"


@dataclass(frozen=True)
class PycFile:
    """A ``__pycache__`` file that runs code its source does not show."""

    path: str
    issue: str

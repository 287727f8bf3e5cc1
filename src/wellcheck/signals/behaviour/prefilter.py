"""The byte-level prefilter: which Python files are worth parsing at all.

Parsing is the expensive step (``ast.parse`` runs at ~10 MB/s; a 120-package
function holds ~130 MB of Python), so a file is parsed only when its bytes hold
a trigger.  Scanning bytes for many tokens one by one costs one pass per token,
so the first stage is two regexes with a literal anchor each, which ``re``
finds with a fast scan for that one byte:

* ``CALLS``: a ``(`` preceded (look-behind) by a dangerous call name such as
  ``exec(``, ``__import__(``, ``os.system(``, ``marshal.loads(``, ``CDLL(``;
* ``IMPORTS``: an ``import`` of a module that reaches the network, spawns
  processes or loads native code (``subprocess``, ``socket``, ``requests``,
  ``urllib.request``, ``ctypes``, ``winreg``...).

A call trigger is enough to parse.  An import alone is not (most libraries that
use the network never do anything suspicious with it): the file is parsed when
it is an entry file (runs at import, install or start-up by its position) or
when a second stage, run on the few files that import such a module, finds a
suspicious token (an exfiltration host, a credential path, a shell download
string, host reconnaissance, decoding, a thread or exit hook...).
"""

from __future__ import annotations

import re
from collections import defaultdict

# Calls that are enough to parse a file, checked by look-behind at every '('.
_STRONG_CALLS = (
    "os.system",
    "os.popen",
    "pty.spawn",
    "marshal.loads",
    "CodeType",
    "ShellExecuteW",
    "ShellExecuteA",
    "ShellExecute",
    "create_subprocess_shell",
    "__pyarmor__",
    *(f"os.spawn{s}" for s in ("l", "le", "lp", "lpe", "v", "ve", "vp", "vpe")),
    *(f"os.exec{s}" for s in ("l", "le", "lp", "lpe", "v", "ve", "vp", "vpe")),
)
#: native loaders: enough in a pure-Python distribution, ordinary in a platform wheel
_NATIVE_CALLS = ("CDLL", "WinDLL", "OleDLL", "LoadLibrary", "LoadLibraryA", "LoadLibraryW")
#: dynamic code: common in legitimate code too, so they need a companion word
_DYNAMIC_CALLS = ("exec", "eval", "compile", "execfile", "__import__", "system", "popen")
#: network and process calls: everywhere in legitimate code, so they need a companion
_CAPABILITY_CALLS = (
    "requests.get",
    "requests.post",
    "requests.put",
    "requests.request",
    "urlopen",
    "urlretrieve",
    "socket.socket",
    "Popen",
    "subprocess.run",
    "subprocess.call",
    "check_output",
    "check_call",
    "getoutput",
    "startfile",
    "dup2",
)
#: modules that reach the network, spawn processes, load native code or touch the
#: registry or clipboard: importing one is a trigger that needs a second look
CAPABILITY_MODULES = (
    "subprocess",
    "socket",
    "requests",
    r"urllib\.request",
    r"urllib(?![.\w])",
    "urllib2",
    "urllib3",
    r"http\.client",
    "httplib",
    "httpx",
    "aiohttp",
    "smtplib",
    "ftplib",
    "telnetlib",
    "paramiko",
    "pycurl",
    "websocket",
    "ctypes",
    "winreg",
    "_winreg",
    r"win32\w*",
    "pty",
    "marshal",
    "pyperclip",
    "browser_cookie3",
    "discord_webhook",
    "dhooks",
    "telebot",
    r"dns\.resolver",
    "webbrowser",
    "commands",
)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: words (lower case) that make a trigger worth parsing on their own: exfiltration
#: hosts, stealer targets, download cradles, miners, obfuscators (rare in legitimate code)
COMPANIONS = _words(
    """
    discord discordapp telegram pastebin ngrok pipedream requestbin burpcollaborator
    oastify interactsh dnslog ceye canarytokens hookbin mockapi anonfiles gofile ipify icanhazip
    leveldb exodus electrum metamask nkbihfbeogaeaoehlefnkodbefgpgknn localappdata
    powershell mshta certutil bitsadmin downloadstring schtasks crontab stratum xmrig
    monero minexmr nanopool nicehash moneroocean supportxmr pyarmor pytransform __pyarmor__
    win32clipboard bc1 mnemonic seed_phrase
    """
)
#: words that count for network and process triggers only in pairs: each is common in
#: some legitimate library (``curl`` in docstrings, ``atexit`` anywhere)
WEAK_COMPANIONS = _words(
    """
    curl wget appdata currentversion webhook webhooks windll gethostname getlogin uname
    chmod atexit __builtins__ marshal wallet id_rsa pypirc npmrc bashrc zshrc startfile
    sitecustomize checkip ipinfo ifconfig
    """
)
#: words that make dynamic code (exec, eval, __import__...) worth parsing on their own
DECODERS = _words(
    "b64decode b32decode b85decode a85decode decodebytes unhexlify a2b_hex a2b_base64 "
    "rot13 rot_13 marshal __builtins__"
)
#: ... and in pairs: compression, and the network and process modules decoded code uses
DYNAMIC_PAIRS = _words("decompress fromhex chr zlib lzma bz2 socket subprocess urlopen")
#: words that make a process or descriptor call worth parsing: what droppers and
#: reverse shells use
SPAWN_COMPANIONS = _words("curl wget powershell chmod exe startfile bitsadmin socket")
_SPAWN_CALLS = frozenset(
    {"Popen", "run", "call", "check_output", "check_call", "getoutput", "dup2", "startfile"}
)
_SPAWN_MODULES = frozenset({"subprocess", "commands", "pty"})
_FETCHES = frozenset({"get", "post", "put", "request", "urlopen", "urlretrieve"})
#: words that make an entry file (it runs by its position) worth parsing even
#: without a network, process or dynamic-code trigger: persistence and obfuscators
ENTRY_COMPANIONS = COMPANIONS | _words(
    "bashrc zshrc bash_profile currentversion sitecustomize usercustomize pth autostart "
    "launchagents pyarmor_runtime startfile"
)
_WORD_TABLE = bytes(c if chr(c).isalnum() or c == ord("_") else 32 for c in range(256)).lower()


def _call_pattern() -> re.Pattern[bytes]:
    """One regex anchored on '(' (a literal: ``re`` scans for it at C speed) with
    look-behinds for the names, grouped by their last character.

    A Python file has a '(' every hundred bytes or so, and each group is a look-behind
    tried in turn, so every '(' first passes a cheap necessary condition: each of the
    four characters before it is one that ends a name at that place, and the four
    together end one of the names."""
    names = [(n, r"\w") for n in _STRONG_CALLS + _NATIVE_CALLS + _CAPABILITY_CALLS]
    names += [(n, r"[\w.]") for n in _DYNAMIC_CALLS]
    groups: dict[str, list[str]] = defaultdict(list)
    for name, not_before in names:  # the name, not part of a longer one, not a def
        escaped = re.escape(name)
        groups[name[-1]].append(
            f"(?<={escaped}\\()(?<!{not_before}{escaped}\\()(?<!def {escaped}\\()"
        )
    groups["r"].append("(?<=getattr\\()(?=\\s*_{0,2}builtins)")
    groups["s"].append("(?<=vars\\()(?=\\s*__builtins__)")
    branches = (
        f"(?<={re.escape(last)}\\()(?:{'|'.join(alts)})" for last, alts in sorted(groups.items())
    )
    tails = _tails([name for name, _ in names] + ["getattr", "vars"])
    return re.compile(f"\\({tails}(?:{'|'.join(branches)})".encode())


def _tails(names: list[str]) -> str:
    """Look-behinds that every '(' after one of ``names`` passes: the characters that
    end a name at each of the last ``width`` places, then the ``width``-character ends."""
    width = min(4, *(len(name) for name in names))
    places = "".join(
        f"[{re.escape(''.join(sorted({name[-at] for name in names})))}]"
        for at in range(width, 0, -1)
    )
    ends = "|".join(re.escape(end) for end in sorted({name[-width:] for name in names}))
    return f"(?<={places}\\()(?<=(?:{ends})\\()"


_CALLS = _call_pattern()
_STRONG_SHORT = frozenset(n for n in _STRONG_CALLS if "." not in n)
_STRONG_DOTTED = tuple(n for n in _STRONG_CALLS if "." in n)
_NATIVE_NAMES = frozenset(_NATIVE_CALLS)
_DYNAMIC_NAMES = frozenset((*_DYNAMIC_CALLS, "getattr", "vars"))
_MODULES = "|".join(CAPABILITY_MODULES)
_IMPORT = re.compile(
    rf"import[ \t]+(?:[\w.]+(?:[ \t]+as[ \t]+\w+)?[ \t]*,[ \t]*)*(?:{_MODULES})\b".encode()
)
_FROM = re.compile(rf"from[ \t]+(?:{_MODULES})(?:\.[\w.]+)?[ \t]+import\b".encode())
_NAME = re.compile(rb"[\w.]+$")
#: exec/eval of a literal or of a decoding: ``exec("import os; ...")``, ``exec(bytes.fromhex(``
_LITERAL_EXEC = re.compile(
    rb"""(?<![\w.])(?:exec|eval)\(\s*(?:[rbuRBU]{0,2}['"]|bytes\.|bytearray|base64|codecs|"""
    rb"""zlib|marshal|__import__|''\.join|""\.join|chr\()"""
)
_MARK = b"__obfuscator__"
_HEAD = 8192
_BUILTIN_TEXT = re.compile(rb"(?<![\w.])[a-z]+\.__(?:str|repr)__\(\)\[")
_TEXT_TAIL = b"__()["  # how both ``__str__()[`` and ``__repr__()[`` end
_TEXT_NAMES = (b"__str", b"__repr")


def _builtin_text(data: bytes) -> bool:
    """``oct.__str__()[``: found by its literal tail first (``bytes.find`` runs at
    memory speed; a pattern starting with a class would be tried at every byte), one
    pass for both names; the name may start at most 40 bytes before its dunder."""
    at = data.find(_TEXT_TAIL)
    while at >= 0:
        for name in _TEXT_NAMES:
            start = at - len(name)
            if start >= 0 and data.startswith(name, start):
                end = at + len(_TEXT_TAIL)
                if _BUILTIN_TEXT.search(data, max(0, start - 40), end):
                    return True
        at = data.find(_TEXT_TAIL, at + 1)
    return False


_RAW_IP_URL = re.compile(rb"://(\d{1,3})\.(\d{1,3})\.\d{1,3}\.\d{1,3}\b")


def _encoded(words: frozenset[str]) -> frozenset[bytes]:
    return frozenset(w.encode() for w in words)


_STRONG_WORDS = _encoded(COMPANIONS)
_WEAK_WORDS = _encoded(WEAK_COMPANIONS)
_DECODER_WORDS = _encoded(DECODERS)
_PAIR_WORDS = _encoded(DYNAMIC_PAIRS)
_SPAWN_WORDS = _encoded(SPAWN_COMPANIONS)
_ENTRY_WORDS = _encoded(ENTRY_COMPANIONS)


def triggers(
    data: bytes, *, entry: bool, native: bool = False, strict: bool = False
) -> tuple[str, ...]:
    """Why the file should be parsed (empty: it should not).

    A strong call (``os.system(``, ``marshal.loads(``...) is enough, and so is a
    native loader (``CDLL(``) when ``native`` (the owner has no extension module).
    Dynamic code (``exec(``, ``__import__(``...) needs a decoder or another
    companion word; network and process calls and imports of such modules need an
    entry file (it runs by its position: a package ``__init__`` or a top-level
    module) or companion words: one of ``COMPANIONS`` or two of ``WEAK_COMPANIONS``
    (``SPAWN_COMPANIONS`` for process calls).  ``strict`` (test modules: what they
    do runs under a test runner only) keeps strong calls and strong words only.
    An obfuscator's ``__obfuscator__`` signature in the first 8 KiB is enough anywhere,
    and so is a slice of a name's text (``oct.__str__()[-3]``: Hyperion's alphabet)."""
    if data.find(_MARK, 0, _HEAD) >= 0:  # an obfuscator's signature, at the top of its output
        return ("word:__obfuscator__",)
    if _builtin_text(data):  # letters sliced from a builtin's text (Hyperion)
        return ("word:builtin-repr",)
    dynamic = capability = ""
    kinds: set[str] = set()
    for call in _CALLS.finditer(data):
        name = _name_before(data, call.start())
        short = name.rsplit(".", 1)[-1]
        if (
            short in _STRONG_SHORT
            or name.endswith(_STRONG_DOTTED)
            or (native and short in _NATIVE_NAMES)
        ):
            return (f"call:{name}",)
        if short in _DYNAMIC_NAMES:
            dynamic = dynamic or name
        else:
            capability = capability or name
            if short in _SPAWN_CALLS:
                kinds.add("process")
            elif short in _FETCHES:
                kinds.add("network")
    if strict:
        if not (dynamic or capability):
            return ()
        words = set(data.translate(_WORD_TABLE).split())
        found = words & (_STRONG_WORDS | (_DECODER_WORDS if dynamic else frozenset()))
        return ("test", *(f"word:{w.decode()}" for w in sorted(found)[:5])) if found else ()
    if len(kinds) == 2:  # downloads and starts processes: what droppers do
        return (*((f"call:{dynamic}",) if dynamic else ()), f"uses:{capability}", "network+process")
    if not capability:
        imported = _IMPORT.search(data) or _FROM.search(data)
        capability = _imported(imported.group(0)) if imported is not None else ""
    if not (dynamic or capability or entry):
        return ()
    reasons = [f"call:{dynamic}"] if dynamic else []
    reasons += [f"uses:{capability}"] if capability else []
    if entry and (capability or (dynamic and _LITERAL_EXEC.search(data))):
        return (*reasons, "entry")
    words = set(data.translate(_WORD_TABLE).split())
    found = words & _STRONG_WORDS
    if dynamic:
        found |= words & _DECODER_WORDS
        if capability.endswith(("urlopen", "urlretrieve")):
            found.add(b"urlopen")
        pairs = words & _PAIR_WORDS
        found |= pairs if len(pairs) >= 2 else set()
    if capability:
        weak = words & _WEAK_WORDS
        found |= weak if len(weak) >= 2 else set()
        if _public_ip_url(data):
            found.add(b"raw-ip-url")
        if capability.rsplit(".", 1)[-1] in _SPAWN_CALLS or capability in _SPAWN_MODULES:
            found |= words & (_SPAWN_WORDS | _DECODER_WORDS)  # a command built from decoding
    if entry and not reasons:
        found = words & _ENTRY_WORDS
        reasons = ["entry"]
    if not found:
        return ()
    return (*reasons, *(f"word:{w.decode()}" for w in sorted(found)[:5]))


def _public_ip_url(data: bytes) -> bool:
    """A URL to a literal public IPv4 address (not loopback, private or link-local,
    such as the cloud metadata services SDKs call)."""
    for match in _RAW_IP_URL.finditer(data):
        first, second = (int(part) for part in match.group(1, 2))
        private = first in (0, 10, 127) or (first, second) in ((169, 254), (192, 168))
        if not private and not (first == 172 and 16 <= second <= 31):
            return True
    return False


def _name_before(data: bytes, paren: int) -> str:
    match = _NAME.search(data, max(0, paren - 64), paren)
    return match.group(0).decode("ascii", "replace") if match else ""


def _imported(statement: bytes) -> str:
    words = statement.replace(b",", b" ").split()
    for word in reversed(words):
        if word not in (b"import", b"from", b"as"):
            return word.decode("ascii", "replace")
    return ""

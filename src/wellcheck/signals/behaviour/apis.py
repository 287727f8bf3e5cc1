"""Which call does what: qualified API names and the fact each one gives.

Names are what the visitor resolves a call to after following imports and
aliases (``import subprocess as sp; sp.Popen`` is ``subprocess.Popen``;
``exec`` is ``builtins.exec``).  Methods of objects whose type the visitor
cannot know (``session.get``) are matched by name only where the receiver was
built by a known constructor (see ``CLIENT_CONSTRUCTORS``).
"""

from __future__ import annotations

from wellcheck.signals.behaviour.facts import Kind

BUILTINS = frozenset(
    {
        "exec",
        "eval",
        "compile",
        "execfile",
        "__import__",
        "open",
        "getattr",
        "globals",
        "vars",
        "chr",
        "bytes",
        "bytearray",
        "map",
        "input",
        "print",
        "str",
    }
)

EXEC = frozenset(
    {
        "builtins.exec",
        "builtins.eval",
        "builtins.execfile",
        "marshal.loads",
        "pickle.loads",
        "_pickle.loads",
        "cPickle.loads",
        "dill.loads",
        "cloudpickle.loads",
        "types.CodeType",
        "types.FunctionType",
        "runpy.run_path",
        "runpy.run_module",
        "code.InteractiveInterpreter",
    }
)
#: compile() builds code that must still be run: an EXEC fact of its own only when fed
#: decoded data (its result flows on to exec/eval, which carry the tags anyway)
COMPILE = frozenset({"builtins.compile"})

DECODERS = frozenset(
    {
        "base64.b64decode",
        "base64.b32decode",
        "base64.b16decode",
        "base64.b85decode",
        "base64.a85decode",
        "base64.decodebytes",
        "base64.decodestring",
        "base64.standard_b64decode",
        "base64.urlsafe_b64decode",
        "binascii.unhexlify",
        "binascii.a2b_hex",
        "binascii.a2b_base64",
        "codecs.decode",
        "zlib.decompress",
        "gzip.decompress",
        "lzma.decompress",
        "bz2.decompress",
        "bytes.fromhex",
        "bytearray.fromhex",
        "marshal.loads",
    }
)
#: method names that decode whatever they are called on (``cipher.decrypt(blob)``)
DECODER_METHODS = frozenset({"decrypt", "decompress", "fromhex", "unhexlify", "b64decode"})

SPAWN = frozenset(
    {
        "os.system",
        "os.popen",
        "os.startfile",
        "os.posix_spawn",
        "os.posix_spawnp",
        *(f"os.spawn{s}" for s in ("l", "le", "lp", "lpe", "v", "ve", "vp", "vpe")),
        *(f"os.exec{s}" for s in ("l", "le", "lp", "lpe", "v", "ve", "vp", "vpe")),
        "subprocess.Popen",
        "subprocess.run",
        "subprocess.call",
        "subprocess.check_call",
        "subprocess.check_output",
        "subprocess.getoutput",
        "subprocess.getstatusoutput",
        "pty.spawn",
        "commands.getoutput",
        "commands.getstatusoutput",
        "asyncio.create_subprocess_shell",
        "asyncio.create_subprocess_exec",
        "win32api.ShellExecute",
        "win32process.CreateProcess",
        "platform.popen",
    }
)
#: spawns whose first argument is a shell command line (rather than an argv list)
SHELL_SPAWN = frozenset(
    {"os.system", "os.popen", "subprocess.getoutput", "subprocess.getstatusoutput"}
)

NETWORK = frozenset(
    {
        "socket.socket",
        "socket.create_connection",
        "socket.gethostbyname",
        "socket.gethostbyname_ex",
        "socket.getaddrinfo",
        "urllib.request.urlopen",
        "urllib.request.urlretrieve",
        "urllib.request.Request",
        "urllib.urlopen",
        "urllib.urlretrieve",
        "urllib2.urlopen",
        "urllib2.Request",
        "requests.get",
        "requests.post",
        "requests.put",
        "requests.patch",
        "requests.delete",
        "requests.head",
        "requests.request",
        "requests.api.request",
        "httpx.get",
        "httpx.post",
        "httpx.put",
        "httpx.request",
        "httpx.stream",
        "http.client.HTTPConnection",
        "http.client.HTTPSConnection",
        "httplib.HTTPConnection",
        "httplib.HTTPSConnection",
        "urllib3.request",
        "smtplib.SMTP",
        "smtplib.SMTP_SSL",
        "ftplib.FTP",
        "ftplib.FTP_TLS",
        "telnetlib.Telnet",
        "paramiko.SSHClient",
        "dns.resolver.resolve",
        "dns.resolver.query",
        "pycurl.Curl",
        "websocket.create_connection",
        "websocket.WebSocketApp",
        "discord_webhook.DiscordWebhook",
        "dhooks.Webhook",
        "telebot.TeleBot",
    }
)
#: network APIs that only build an object: no connection is made by the call itself
NO_IO = frozenset(
    {
        "socket.socket",
        "urllib.request.Request",
        "urllib2.Request",
        "http.client.HTTPConnection",
        "http.client.HTTPSConnection",
        "httplib.HTTPConnection",
        "httplib.HTTPSConnection",
        "paramiko.SSHClient",
        "pycurl.Curl",
        "websocket.WebSocketApp",
        "discord_webhook.DiscordWebhook",
        "dhooks.Webhook",
        "telebot.TeleBot",
    }
)
#: constructors of client objects whose methods (get/post/send...) are network calls
CLIENT_CONSTRUCTORS = frozenset(
    {
        "requests.Session",
        "requests.session",
        "httpx.Client",
        "httpx.AsyncClient",
        "aiohttp.ClientSession",
        "urllib3.PoolManager",
        "socket.socket",
        "socket.create_connection",
        "http.client.HTTPConnection",
        "http.client.HTTPSConnection",
        "smtplib.SMTP",
        "smtplib.SMTP_SSL",
        "ftplib.FTP",
    }
)
CLIENT_METHODS = frozenset(
    {
        "get",
        "post",
        "put",
        "patch",
        "request",
        "urlopen",
        "connect",
        "send",
        "sendall",
        "sendto",
        "sendmail",
        "send_message",
        "storbinary",
        "recv",
        "makefile",
        "execute",
    }
)
#: methods that read what a response brought (their value carries the NETWORK tag)
RESPONSE_READS = frozenset({"read", "text", "content", "json", "recv", "iter_content"})

WRITE = frozenset(
    {
        "shutil.copy",
        "shutil.copy2",
        "shutil.copyfile",
        "shutil.move",
        "os.rename",
        "os.replace",
        "urllib.request.urlretrieve",
        "urllib.urlretrieve",
    }
)
WRITE_METHODS = frozenset({"write_text", "write_bytes"})

CHMOD = frozenset({"os.chmod", "os.fchmod", "os.lchmod"})
EXEC_BITS = frozenset({"S_IEXEC", "S_IXUSR", "S_IXGRP", "S_IXOTH", "S_IRWXU", "S_IRWXG", "S_IRWXO"})

NATIVE_LOAD = frozenset(
    {
        "ctypes.CDLL",
        "ctypes.WinDLL",
        "ctypes.OleDLL",
        "ctypes.PyDLL",
        "ctypes.cdll.LoadLibrary",
        "ctypes.windll.LoadLibrary",
        "ctypes.oledll.LoadLibrary",
        "ctypes.windll.kernel32.LoadLibraryA",
        "ctypes.windll.kernel32.LoadLibraryW",
        "ctypes.windll.kernel32.LoadLibraryExW",
        "_ctypes.dlopen",
        "_ctypes.LoadLibrary",
    }
)

THREADS = frozenset(
    {
        "threading.Thread",
        "threading.Timer",
        "multiprocessing.Process",
        "atexit.register",
        "_thread.start_new_thread",
        "thread.start_new_thread",
    }
)

#: what is on the screen: personal data like a credential
SCREEN = frozenset(
    {
        "PIL.ImageGrab.grab",
        "ImageGrab.grab",
        "pyautogui.screenshot",
        "mss.mss",
        "pyscreenshot.grab",
    }
)
RECON = frozenset(
    {
        "socket.gethostname",
        "socket.getfqdn",
        "platform.node",
        "platform.uname",
        "os.uname",
        "getpass.getuser",
        "os.getlogin",
        "uuid.getnode",
        "os.getuid",
    }
)

CLIPBOARD = frozenset(
    {
        "pyperclip.paste",
        "pyperclip.copy",
        "pyperclip.waitForNewPaste",
        "win32clipboard.GetClipboardData",
        "win32clipboard.SetClipboardText",
        "win32clipboard.SetClipboardData",
        "clipboard.paste",
        "clipboard.copy",
    }
)
CLIPBOARD_METHODS = frozenset({"clipboard_get", "clipboard_append"})

#: prefixes of Windows-only modules: any call into them is a WINDOWS fact
WINDOWS_MODULES = ("winreg.", "_winreg.", "ctypes.windll.", "win32api.", "win32con.", "msvcrt.")
WINDOWS_CALLS = frozenset({"os.startfile", "ctypes.WinDLL", "ctypes.windll.LoadLibrary"})

#: the whole-environment object
ENVIRON = frozenset({"os.environ", "posix.environ", "nt.environ"})
#: methods of os.environ that read or write one variable (not a dump)
ENVIRON_SINGLE = frozenset(
    {"get", "setdefault", "pop", "update", "__getitem__", "__setitem__", "__contains__"}
)
ENV_READS = frozenset({"os.getenv", "os.environ.get", "os.getenvb"})


def kind_of_call(name: str) -> Kind | None:
    """The fact a call to the qualified ``name`` is, if any (exec and decode aside)."""
    if name in SPAWN:
        return Kind.SPAWN
    if name in NETWORK:
        return Kind.NETWORK
    if name in NATIVE_LOAD:
        return Kind.NATIVE_LOAD
    if name in THREADS:
        return Kind.THREAD
    if name in RECON:
        return Kind.RECON
    if name in CLIPBOARD:
        return Kind.CLIPBOARD
    if name in WRITE:
        return Kind.WRITE
    if name.startswith(WINDOWS_MODULES) or name in WINDOWS_CALLS:
        return Kind.WINDOWS
    return None

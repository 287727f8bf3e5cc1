"""String indicators: what a literal in the code names, as data in one place.

Each category is a list of regular expressions matched against string
literals (after constant folding: ``'disc' + 'ord.com'`` counts).  A literal
alone proves nothing (a Discord library names Discord's API, boto names the
instance metadata address): rules combine categories with what the code does
with the literal and when.  Lists are behaviours, not sample names; extend them
here only.
"""

from __future__ import annotations

import re
from enum import StrEnum


class Category(StrEnum):
    SINK_CHAT = "chat-webhook"  # Discord/Slack webhooks, Telegram bot API
    SINK_CAPTURE = "capture-service"  # request/DNS capture, tunnels, file drops
    SINK_PASTE = "paste-service"  # paste sites: payload stores and drop boxes
    RECON_IP = "public-ip-lookup"
    CLOUD_SECRET = "cloud-credentials"  # noqa: S105 - a category name; AWS secret variables, instance/ECS metadata
    DEV_SECRET = "developer-credentials"  # noqa: S105 - a category name; ssh keys, kube config, git/npm/pypi tokens
    BROWSER = "browser-store"  # saved passwords, cookies, browser profile paths
    DISCORD_APP = "discord-client"  # the Discord desktop client's directories
    TOKEN_STORE = "token-store"  # noqa: S105 - a category name; Local Storage / leveldb: where Discord keeps tokens
    WALLET = "crypto-wallet"
    WALLET_SECRET = "wallet-secret"  # noqa: S105 - a category name; a mnemonic, seed phrase or private key (a field name)
    WALLET_ADDRESS = "wallet-address-pattern"  # regexes for coin addresses (clipboard swaps)
    SHELL_DOWNLOAD = "shell-download"  # curl|sh, PowerShell download cradles, certutil...
    REVERSE_SHELL = "reverse-shell"  # /dev/tcp, nc -e, bash -i
    PERSISTENCE = "persistence"  # start-up folders, Run keys, cron, systemd, shell rc files
    PYTHON_HOOK = "python-startup-hook"  # .pth, sitecustomize, usercustomize
    WINDOWS_PATH = "windows-path"  # %APPDATA%, %TEMP%...
    WINDOWS_EXECUTABLE = "windows-executable"  # a .exe/.scr/.bat/.vbs/.ps1 file name
    MINER = "crypto-miner"
    OBFUSCATOR = "obfuscator"


#: categories that are credentials or personal data (a harvesting source)
SECRET_CATEGORIES = frozenset(
    {
        Category.CLOUD_SECRET,
        Category.DEV_SECRET,
        Category.BROWSER,
        Category.TOKEN_STORE,
        Category.WALLET,
        Category.WALLET_SECRET,
    }
)
#: categories that only a stealer needs: legitimate libraries rarely name them
STEALER_CATEGORIES = frozenset(
    {Category.BROWSER, Category.TOKEN_STORE, Category.WALLET, Category.DISCORD_APP}
)
SINK_CATEGORIES = frozenset({Category.SINK_CHAT, Category.SINK_CAPTURE, Category.SINK_PASTE})

_SEP = r"[\\/]+"
PATTERNS: dict[Category, tuple[str, ...]] = {
    Category.SINK_CHAT: (
        r"discord(?:app)?\.com/api/(?:v\d+/)?webhooks",
        r"api\.telegram\.org/bot",
        r"hooks\.slack\.com/services",
    ),
    Category.SINK_CAPTURE: (
        r"webhook\.site",
        r"requestbin",
        r"pipedream\.net",
        r"burpcollaborator\.net",
        r"oastify\.com",
        r"\boast\.(?:fun|pro|live|site|online|me)\b",
        r"interact\.sh",
        r"interactsh",
        r"dnslog\.cn",
        r"ceye\.io",
        r"canarytokens\.(?:com|org)",
        r"hookbin\.com",
        r"beeceptor\.com",
        r"mockapi\.io",  # a hosted store for whatever is posted
        r"requestcatcher\.com",
        r"ngrok(?:-free)?\.(?:io|app|dev)",
        r"trycloudflare\.com",
        r"serveo\.net",
        r"localtunnel\.me",
        r"\bloca\.lt\b",
        r"transfer\.sh",
        r"\bfile\.io\b",
        r"anonfiles\.com",
        r"gofile\.io",
        r"0x0\.st",
        r"bashupload\.com",
        r"(?:cdn\.discordapp\.com|media\.discordapp\.net)/attachments",
    ),
    Category.SINK_PASTE: (
        r"pastebin\.com",
        r"paste\.ee",
        r"hastebin\.com",
        r"ghostbin\.",
        r"termbin\.com",
        r"rentry\.(?:co|org)",
        r"paste\.fo",
        r"controlc\.com",
        r"justpaste\.it",
        r"dpaste\.(?:org|com)",
        r"privatebin\.",
        r"paste\.rs",
        r"\bix\.io\b",
        r"sprunge\.us",
    ),
    Category.RECON_IP: (
        r"api\d*\.ipify\.org",
        r"ipinfo\.io",
        r"ifconfig\.(?:me|co)",
        r"icanhazip\.com",
        r"checkip\.amazonaws\.com",
        r"ip-api\.com",
        r"ipapi\.co",
        r"wtfismyip\.com",
        r"myexternalip\.com",
        r"ident\.me",
    ),
    Category.CLOUD_SECRET: (
        r"AWS_SECRET_ACCESS_KEY",
        r"AWS_SESSION_TOKEN",
        r"AWS_LAMBDA_RUNTIME_API",
        r"AWS_CONTAINER_CREDENTIALS_(?:FULL|RELATIVE)_URI",
        r"AWS_CONTAINER_AUTHORIZATION_TOKEN",
        r"169\.254\.169\.254",
        r"169\.254\.170\.2",
        r"fd00:ec2::254",
        r"metadata\.google\.internal",
        rf"\.aws{_SEP}credentials",
    ),
    Category.DEV_SECRET: (
        rf"(?:^|[\\/~]|\W)\.ssh(?:{_SEP}|$)",
        r"\bid_(?:rsa|dsa|ecdsa|ed25519)\b",
        rf"\.kube{_SEP}config",
        r"\.git-credentials",
        r"(?:^|[\\/~])\.npmrc\b",
        r"(?:^|[\\/~])\.pypirc\b",
        rf"\.docker{_SEP}config\.json",
        r"\.bash_history",
        r"/etc/shadow",
    ),
    Category.BROWSER: (
        r"Login Data",
        r"Local State",
        r"Web Data",
        r"\blogins\.json\b",
        r"\bkey[34]\.db\b",
        r"\bcookies\.sqlite\b",
        rf"Network{_SEP}Cookies",
        rf"Google{_SEP}Chrome{_SEP}User Data",
        r"google-chrome",
        r"BraveSoftware",
        rf"Microsoft{_SEP}Edge{_SEP}User Data",
        r"Opera Software",
        r"YandexBrowser",
        rf"Mozilla{_SEP}Firefox{_SEP}Profiles",
        rf"Chromium{_SEP}User Data",
    ),
    Category.DISCORD_APP: (r"[\\/]discord(?:canary|ptb|development)?(?:[\\/]|$)",),
    Category.TOKEN_STORE: (r"Local Storage", r"\bleveldb\b", r"dQw4w9WgXcQ:"),
    Category.WALLET: (
        r"wallet\.dat",
        r"\bExodus\b",
        r"\bElectrum\b",
        r"\bCoinomi\b",
        r"\bGuarda\b",
        r"\bJaxx\b",
        r"\bArmory\b",
        rf"Ethereum{_SEP}keystore",
        r"atomic[\\/]+Local Storage",
        r"nkbihfbeogaeaoehlefnkodbefgpgknn",  # MetaMask
        r"fhbohimaelbohpjbbldcngcnapndodjp",  # Binance Wallet
        r"bfnaelmomeimhlpmgjnjophhpkkoljpa",  # Phantom
        r"hnfanknocfeofbddgcijnmhnfnkdnaad",  # Coinbase Wallet
        r"ibnejdfjmmkpcnlpebklmnkoeoihofec",  # TronLink
    ),
    Category.WALLET_SECRET: (
        r"^(?:mnemonic(?:[ _-]?phrase)?|seed[ _-]?phrase|private[ _-]?key|secret[ _-]?key)s?$",
        r"\b(?:12|24)[ -](?:word )?seed[ -]?phrases?\b",
    ),
    Category.WALLET_ADDRESS: (
        r"\[a-km-zA-HJ-NP-Z1-9\]",  # base58 character classes of coin-address regexes
        r"\[a-zA-HJ-NP-Z0-9\]",
        r"\[1-9A-HJ-NP-Za-km-z\]",
        r"0x\[a-fA-F0-9\]\{40\}",
        r"\(bc1\|",
    ),
    Category.SHELL_DOWNLOAD: (
        r"\b(?:curl|wget)\b[^|;&\n]*\|\s*(?:sudo\s+)?(?:(?:ba|z|da)?sh|python[\d.]*|perl|ruby|node|php)\b",
        r"\b(?:curl|wget)\b[^\n]*(?:&&|;)\s*(?:chmod\s+\+?[0-7]*x|\./|(?:ba)?sh\s)",
        r"\bchmod\s+(?:\+x|[0-7]*7[0-7]{2})\b[^\n]*(?:&&|;)\s*\./",
        r"\b(?:curl|wget)\b[^\n]*\s(?:-o|-O|--output(?:-document)?)\s*\S+\.(?:exe|bat|ps1|vbs|scr|sh|py|bin|elf|dll)\b",
        r"\b(?:curl|wget)\b[^\n]*https?://[^\s'\"]+\.(?:exe|bat|ps1|vbs|scr|sh|bin|elf|dll|msi)\b",
        r"FromBase64String",
        r"powershell(?:\.exe)?\b[^\n]*\s-(?:e|ec|enc|encodedcommand)\s",
        r"DownloadString",
        r"DownloadFile",
        r"Invoke-WebRequest",
        r"Start-BitsTransfer",
        r"Net\.WebClient",
        r"\bmshta(?:\.exe)?\b",
        r"certutil(?:\.exe)?\b[^\n]*-(?:urlcache|decode)",
        r"bitsadmin(?:\.exe)?\b[^\n]*/transfer",
        r"regsvr32[^\n]*/i:https?",
    ),
    Category.REVERSE_SHELL: (
        r"/dev/(?:tcp|udp)/",
        r"\bn(?:c|cat|etcat)\b[^\n]*\s-[a-z]*e\s",
        r"\b(?:ba)?sh\s+-i\b",
        r"\bmkfifo\b",
        r"socat\b[^\n]*exec:",
    ),
    Category.PERSISTENCE: (
        rf"Start Menu{_SEP}Programs{_SEP}Startup",
        rf"Windows{_SEP}Start Menu",
        rf"CurrentVersion{_SEP}Run(?:Once)?\b",
        r"\bschtasks\b",
        r"\bcrontab\b",
        r"/etc/cron",
        r"/var/spool/cron",
        rf"systemd{_SEP}user",
        rf"\.config{_SEP}autostart",
        r"(?:^|[\\/~])\.(?:bashrc|zshrc|bash_profile|zprofile|profile)$",
        r"LaunchAgents",
    ),
    Category.PYTHON_HOOK: (
        r"\bsitecustomize\.py\b",
        r"\busercustomize\.py\b",
        r"\.pth$",
    ),
    Category.WINDOWS_PATH: (
        r"%(?:APPDATA|LOCALAPPDATA|TEMP|USERPROFILE|PROGRAMDATA)%",
        r"^(?:APPDATA|LOCALAPPDATA|USERPROFILE)$",
        r"AppData[\\/]+(?:Roaming|Local)",
    ),
    Category.WINDOWS_EXECUTABLE: (r"\.(?:exe|scr|bat|vbs|ps1|hta|cmd)$",),
    Category.MINER: (
        r"stratum\d?\+(?:tcp|ssl|tls)://",
        r"\bxmrig\b",
        r"xmr-stak",
        r"\bcpuminer\b",
        r"\bminerd\b",
        r"nicehash\.com",
        r"moneroocean",
        r"supportxmr",
        r"minexmr",
        r"nanopool\.org",
        r"2miners\.com",
        r"f2pool\.com",
        r"hashvault\.pro",
        r"c3pool",
        r"donate-level",
        r"unmineable\.com",
    ),
    Category.OBFUSCATOR: (
        r"__pyarmor__",
        r"pyarmor_runtime",
        r"\bpytransform\b",
        r"pyobfuscate",
        r"BlankOBF",
        r"[Oo]bfuscated (?:by|with|using)",
    ),
}

#: words (lower case; ``_`` kept, everything else a separator) one of which every
#: match of the category contains: a literal is matched against a category's
#: patterns only when it holds one of them (almost no literal does)
ANCHORS: dict[Category, str] = {
    Category.SINK_CHAT: "webhooks telegram slack",
    Category.SINK_CAPTURE: (
        "webhook requestbin pipedream burpcollaborator oastify oast interact interactsh dnslog "
        "ceye canarytokens hookbin beeceptor mockapi requestcatcher ngrok trycloudflare serveo "
        "localtunnel loca transfer file anonfiles gofile 0x0 bashupload attachments"
    ),
    Category.SINK_PASTE: (
        "pastebin paste hastebin ghostbin termbin rentry controlc justpaste dpaste privatebin "
        "ix sprunge"
    ),
    Category.RECON_IP: (
        "ipify ipinfo ifconfig icanhazip checkip ip ipapi wtfismyip myexternalip ident"
    ),
    Category.CLOUD_SECRET: (
        "aws_secret_access_key aws_session_token aws_lambda_runtime_api 169 fd00 metadata aws "
        "aws_container_credentials_full_uri aws_container_credentials_relative_uri "
        "aws_container_authorization_token"
    ),
    Category.DEV_SECRET: (
        "ssh id_rsa id_dsa id_ecdsa id_ed25519 kube credentials npmrc pypirc docker "
        "bash_history shadow"
    ),
    Category.BROWSER: (
        "login local web logins key3 key4 cookies chrome bravesoftware edge opera "
        "yandexbrowser firefox chromium"
    ),
    Category.DISCORD_APP: "discord discordcanary discordptb discorddevelopment",
    Category.TOKEN_STORE: "storage leveldb dqw4w9wgxcq",
    Category.WALLET: (
        "wallet exodus electrum coinomi guarda jaxx armory ethereum atomic "
        "nkbihfbeogaeaoehlefnkodbefgpgknn fhbohimaelbohpjbbldcngcnapndodjp "
        "bfnaelmomeimhlpmgjnjophhpkkoljpa hnfanknocfeofbddgcijnmhnfnkdnaad "
        "ibnejdfjmmkpcnlpebklmnkoeoihofec"
    ),
    Category.WALLET_SECRET: (
        "mnemonic mnemonics mnemonic_phrase mnemonicphrase seed seed_phrase seedphrase phrase "
        "phrases private_key privatekey private key secret_key secretkey secret"
    ),
    Category.WALLET_ADDRESS: "hj 0x bc1",
    Category.SHELL_DOWNLOAD: (
        "curl wget chmod powershell invoke downloadstring downloadfile bitstransfer "
        "frombase64string "
        "webclient mshta certutil bitsadmin regsvr32"
    ),
    Category.REVERSE_SHELL: "tcp udp nc ncat netcat sh bash mkfifo socat",
    Category.PERSISTENCE: (
        "startup menu currentversion schtasks crontab cron spool systemd autostart bashrc "
        "zshrc bash_profile zprofile profile launchagents"
    ),
    Category.PYTHON_HOOK: "sitecustomize usercustomize pth",
    Category.WINDOWS_PATH: "appdata localappdata temp userprofile programdata",
    Category.WINDOWS_EXECUTABLE: "exe scr bat vbs ps1 hta cmd",
    Category.MINER: (
        "stratum stratum2 xmrig xmr cpuminer minerd nicehash moneroocean supportxmr minexmr "
        "nanopool 2miners f2pool hashvault c3pool donate unmineable"
    ),
    Category.OBFUSCATOR: "__pyarmor__ pytransform pyobfuscate blankobf obfuscated",
}
#: substrings (lower case) that enable a category whatever the words around them
#: (``pyarmor_runtime_000000`` is one word)
SUBSTRING_ANCHORS: dict[Category, str] = {Category.OBFUSCATOR: "pyarmor"}

#: case-insensitive categories (commands and host names); paths keep their case
_CASELESS = frozenset(
    {
        Category.SINK_CHAT,
        Category.SINK_CAPTURE,
        Category.SINK_PASTE,
        Category.WALLET_SECRET,
        Category.RECON_IP,
        Category.SHELL_DOWNLOAD,
        Category.REVERSE_SHELL,
        Category.MINER,
        Category.PERSISTENCE,
        Category.WINDOWS_EXECUTABLE,
    }
)


def _compile() -> dict[Category, re.Pattern[str]]:
    compiled = {}
    for category, patterns in PATTERNS.items():
        flags = re.MULTILINE | (re.IGNORECASE if category in _CASELESS else 0)
        compiled[category] = re.compile("|".join(patterns), flags)
    return compiled


_MATCHERS = _compile()
_BY_ANCHOR: dict[str, list[Category]] = {}
for _category, _words in ANCHORS.items():
    for _word in _words.split():
        _BY_ANCHOR.setdefault(_word, []).append(_category)
_ANCHOR_WORDS = frozenset(_BY_ANCHOR)
_TABLE = bytes(c if chr(c).isalnum() or c == ord("_") else 32 for c in range(256)).lower()
MAX_TEXT = 64 * 1024


def categories(text: str) -> dict[Category, str]:
    """Every category ``text`` matches, with the first matching piece of it."""
    found: dict[Category, str] = {}
    if len(text) < 3:
        return found
    text = text[:MAX_TEXT]
    lowered = text.lower()
    words = set(lowered.encode("ascii", "ignore").translate(_TABLE).split())
    wanted = {c for w in words & _ANCHOR_BYTES for c in _BY_ANCHOR[w.decode()]}
    wanted |= {c for c, sub in SUBSTRING_ANCHORS.items() if sub in lowered}
    for category in (c for c in PATTERNS if c in wanted):
        match = _MATCHERS[category].search(text)
        if match is not None:
            found[category] = match.group(0)
    return found


_ANCHOR_BYTES = frozenset(w.encode() for w in _ANCHOR_WORDS)

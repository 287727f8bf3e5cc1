"""Legitimate near-names: pairs of real projects that look like squats of each other.

An entry ``"a"`` allows the name ``a`` against every target; ``"a=b"`` allows
``a`` only as a near-name of ``b``.  The bundled list holds only projects with
a public history of their own (see BUNDLED); users add entries with
``--allow`` or a file named by ``WELLCHECK_TYPO_ALLOWLIST`` (one entry a line,
``#`` comments).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import canonicalize_name

from wellcheck.errors import WellcheckError

ALLOWLIST_ENV = "WELLCHECK_TYPO_ALLOWLIST"

# Only two kinds of entry belong here, each with its reason:
#  * official aliases and renames published by the target's own maintainers;
#  * long-established independent projects (own repository, years of releases)
#    whose near-name relation to a bigger project is well known.
# It is not a list of whatever the false-positive benchmark flags:
# bench/typosquat_quality.py reports its figure with and without this list.
BUNDLED: tuple[str, ...] = (
    "bs4=beautifulsoup4",  # alias published by the Beautiful Soup author
    "sklearn=scikit-learn",  # deprecated alias published by scikit-learn
    "msgpack-python=msgpack",  # msgpack's former name, same maintainers
    "progressbar=progressbar2",  # the original project progressbar2 forked
    "pycrypto=pycryptodome",  # the original project pycryptodome replaced
    "grequests=requests",  # gevent + requests, by the requests author
    "fastai=fastapi",  # the fast.ai deep-learning library
    "python-jwt=pyjwt",  # independent JWT library (davedoesdev/python-jwt)
    "jwt=pyjwt",  # independent JWT library (GehirnInc/python-jwt)
    "pyasn=pyasn1",  # IP-to-ASN lookup library, unrelated to ASN.1
    "websocket=websockets",  # predecessor name of websocket-client's import
)


class AllowlistError(WellcheckError):
    """The user's typosquat allowlist cannot be read."""


@dataclass(frozen=True)
class Allowlist:
    names: frozenset[str] = frozenset()
    pairs: frozenset[tuple[str, str]] = frozenset()

    def allows(self, name: str, target: str) -> bool:
        return name in self.names or (name, target) in self.pairs


def parse_entries(entries: Iterable[str]) -> Allowlist:
    names: set[str] = set()
    pairs: set[tuple[str, str]] = set()
    for raw in entries:
        entry = raw.split("#", 1)[0].strip()
        if not entry:
            continue
        if "=" in entry:
            name, target = entry.split("=", 1)
            pairs.add((canonicalize_name(name.strip()), canonicalize_name(target.strip())))
        else:
            names.add(canonicalize_name(entry))
    return Allowlist(frozenset(names), frozenset(pairs))


def load_allowlist(extra: Iterable[str] = (), path: Path | None = None) -> Allowlist:
    """The bundled entries, the user's file (if any) and ``extra`` entries."""
    entries = [*BUNDLED, *extra]
    env = os.environ.get(ALLOWLIST_ENV)
    file = path or (Path(env) if env else None)
    if file is not None:
        try:
            entries.extend(file.read_text(encoding="utf-8").splitlines())
        except (OSError, UnicodeDecodeError) as exc:
            raise AllowlistError(f"cannot read typosquat allowlist {file}: {exc}") from exc
    return parse_entries(entries)

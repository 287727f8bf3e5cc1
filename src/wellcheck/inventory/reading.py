"""Bounded reads of the few files the inventory needs, and small text formats."""

from __future__ import annotations

import csv
import json
import re
from typing import TypedDict, cast

from wellcheck.artifact.base import EntryKind, Tree
from wellcheck.errors import HostileArtifactError, WellcheckError

MAX_SMALL = 4 * 1024 * 1024  # RECORD, top_level.txt, installed-files.txt, direct_url.json
MAX_HEAD = 1024 * 1024  # start of METADATA / PKG-INFO (headers come first)
_CSV_LIMIT = 128 * 1024  # csv.field_size_limit() default; longer fields are errors
MAX_VERSION_SCAN = 256 * 1024  # start of a module searched for __version__
CODE_SUFFIXES = (".py", ".pyc", ".so", ".pyd")  # importable module files
_WHEEL_LIB = re.compile(r"^[^/]+\.data/(?:purelib|platlib)/(.+)$")
_WHEEL_DATA = re.compile(r"^[^/]+\.data/(purelib|platlib|scripts|headers|data)/.")

_PY_VERSION = re.compile(r"(?:^|/)python(\d\.\d+)(?:/|$)")
_DUNDER_VERSION = re.compile(
    rb"""^__version__\s*(?::\s*str\s*)?=\s*['"]([^'"\n]{1,64})['"][ \t]*(?:#[^\n]*)?\r?$""", re.M
)


class ArchiveInfo(TypedDict, total=False):
    hash: str
    hashes: dict[str, str]


class DirectUrl(TypedDict, total=False):
    url: str
    archive_info: ArchiveInfo


def read_head(tree: Tree, path: str, cap: int, warnings: list[str]) -> tuple[bytes, bool] | None:
    """Up to ``cap`` bytes of ``path``; (data, truncated) or None with a warning.

    Hostile-artifact errors (bombs, escapes) propagate: the scan fails closed.
    """
    entry = tree.entries().get(path)
    # the declared size, when smaller, saves allocating cap + 1 bytes per file (a few
    # ms per hundred files); readers enforce it, and more data is still read to the cap
    want = min(cap, entry.size) + 1 if entry is not None and entry.size >= 0 else cap + 1
    try:
        with tree.open(path) as fh:
            data = fh.read(want)
            if len(data) == want and want <= cap:
                data += fh.read(cap + 1 - want)
    except HostileArtifactError:
        raise
    except (WellcheckError, OSError, ValueError, EOFError) as exc:
        warnings.append(f"{path}: could not be read ({exc})")
        return None
    return data[:cap], len(data) > cap


def read_text(tree: Tree, path: str, warnings: list[str], cap: int = MAX_SMALL) -> str | None:
    """A whole small text file, or None (with a warning when it is too big or unreadable)."""
    got = read_head(tree, path, cap, warnings)
    if got is None:
        return None
    data, truncated = got
    if truncated:
        warnings.append(f"{path}: larger than {cap} bytes, ignored")
        return None
    return data.decode("utf-8", errors="replace")


def python_from_path(path: str) -> str | None:
    """'3.12' for '.../lib/python3.12/site-packages/...'."""
    match = _PY_VERSION.search(path)
    return match.group(1) if match else None


def dunder_version(data: bytes) -> str | None:
    match = _DUNDER_VERSION.search(data)
    return match.group(1).decode("ascii", errors="replace").strip() if match else None


def record_paths(text: str) -> list[str]:
    """The path column of a RECORD file (bad rows are skipped)."""
    lines = text.splitlines()
    if '"' not in text and "\x00" not in text and max(map(len, lines), default=0) < _CSV_LIMIT:
        # no quoting, no NUL, no field past csv's limit: the path is all before the
        # first comma, as csv.reader would split it (three times faster)
        stripped = (line.partition(",")[0].strip() for line in lines)
        return [path for path in stripped if path]
    paths: list[str] = []
    try:
        for row in csv.reader(lines):
            if row and row[0].strip():
                paths.append(row[0].strip())
    except csv.Error:
        pass
    return paths


def lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def direct_url(text: str, warnings: list[str]) -> tuple[str | None, tuple[tuple[str, str], ...]]:
    """(url, hashes) from direct_url.json; hashes only for archives that state them."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):  # json.loads recurses once per nesting level
        warnings.append("direct_url.json: not valid JSON")
        return None, ()
    if not isinstance(data, dict):
        warnings.append("direct_url.json: not a JSON object")
        return None, ()
    parsed = cast(DirectUrl, data)
    url = parsed.get("url")
    hashes: dict[str, str] = {}
    info = parsed.get("archive_info")
    if isinstance(info, dict):
        given = info.get("hashes")
        if isinstance(given, dict):
            hashes.update(
                {str(k).lower(): str(v).lower() for k, v in given.items() if isinstance(v, str)}
            )
        legacy = info.get("hash")
        if isinstance(legacy, str) and "=" in legacy:
            algorithm, _, digest = legacy.partition("=")
            hashes.setdefault(algorithm.strip().lower(), digest.strip().lower())
    return (url if isinstance(url, str) else None), tuple(sorted(hashes.items()))


def module_name(filename: str) -> str | None:
    """'six' for 'six.py', '_cffi' for '_cffi.cpython-312-x86_64-linux-gnu.so'."""
    if not filename.endswith(CODE_SUFFIXES):
        return None
    name = filename.split(".", 1)[0]
    return name if name.isidentifier() else None


def wheel_scheme(path: str) -> str | None:
    """The install scheme of a wheel member under ``ANY.data/``: ``purelib``, ``platlib``
    (site-packages), ``scripts`` (``bin/``: run when the user runs the command, with its
    shebang rewritten), ``headers`` or ``data``; None for any other path."""
    match = _WHEEL_DATA.match(path)
    return match.group(1) if match else None


def wheel_install_path(path: str) -> str:
    """Where pip installs a wheel member, relative to the site root: a file under
    ``ANY.data/purelib/`` or ``ANY.data/platlib/`` goes to the site root itself (pip
    24-25 ``operations/install/wheel.py`` takes every top-level ``*.data`` directory as
    data).  Other schemes (``scripts``, to ``bin/``; ``headers``; ``data``) and every
    other path are returned unchanged."""
    match = _WHEEL_LIB.match(path)
    return match.group(1) if match else path


def wheel_data_sites(tree: Tree, site_root: str) -> list[str]:
    """The ``*.data/purelib`` and ``*.data/platlib`` directories at ``site_root``: pip
    installs their content into the site directory, start-up files included."""
    found: list[str] = []
    for entry in tree.iter_dir(site_root):
        if entry.path.endswith(".data") and entry.kind is EntryKind.DIR:
            found += [f"{entry.path}/purelib", f"{entry.path}/platlib"]
    return found


def top_level_of(paths: list[str]) -> set[str]:
    """Importable top-level names a list of site-root-relative paths provides (a
    wheel's ``*.data/purelib`` and ``platlib`` files where pip installs them).

    ``../`` and absolute paths name nothing: their first segment ('..', '') is
    not an identifier.
    """
    paths = [wheel_install_path(path) for path in paths]
    heads = {path.partition("/")[0] for path in paths if "/" in path}
    names = {h for h in heads if h.isidentifier() and h not in ("__pycache__", "bin")}
    for path in paths:
        if "/" not in path and (name := module_name(path)):
            names.add(name)
    return names

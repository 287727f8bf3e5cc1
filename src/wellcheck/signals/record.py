"""Reading a wheel RECORD (PEP 376 / PEP 627) leniently, and placing its paths in a tree.

A RECORD is CSV: ``path,algorithm=urlsafe-b64-nopad-digest,size``.  The parse keeps
every usable row and collects a reason for every unusable one, so one bad line never
hides the rest.  Paths are relative to the site root the distribution is installed in;
``..`` paths (scripts, data files) point outside it and are never hashed.
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
import posixpath
from dataclasses import dataclass

#: algorithms RECORD may use (PEP 376 says "hashlib algorithm, sha256 or better")
DIGEST_SIZES = {
    "sha256": 32,
    "sha384": 48,
    "sha512": 64,
    "sha3_256": 32,
    "sha3_384": 48,
    "sha3_512": 64,
    "blake2b": 64,
}
WEAK = frozenset({"md5", "sha1", "sha224"})
MAX_PROBLEMS = 20


@dataclass(frozen=True)
class RecordEntry:
    path: str  # as written in RECORD (relative to the site root)
    algorithm: str | None  # "sha256" ...; None when the row has no hash
    digest: str | None  # lowercase hex
    size: int | None
    line: int = 0  # 1-based line of RECORD where the row starts (0: not from a file)


@dataclass(frozen=True)
class ParsedRecord:
    entries: tuple[RecordEntry, ...]
    problems: tuple[str, ...] = ()  # one human-readable line per unusable row
    problem_lines: tuple[int, ...] = ()  # the RECORD line of each problem


def parse_record(data: bytes) -> ParsedRecord:
    """Parse RECORD bytes; raises UnicodeDecodeError only for non-UTF-8 content."""
    text = data.decode("utf-8-sig")
    entries: list[RecordEntry] = []
    problems: list[str] = []
    lines: list[int] = []
    reader = csv.reader(io.StringIO(text, newline=""))
    start = 1  # the line the next row starts on (a quoted field may span lines)
    for row in reader:
        number, start = start, reader.line_num + 1
        if not row or not any(cell.strip() for cell in row):
            continue
        entry, problem = _parse_row(row, number)
        if problem and len(problems) < MAX_PROBLEMS:
            problems.append(f"line {number}: {problem}")
            lines.append(number)
        if entry is not None:
            entries.append(entry)
    return ParsedRecord(tuple(entries), tuple(problems), tuple(lines))


def _parse_row(row: list[str], line: int) -> tuple[RecordEntry | None, str | None]:
    if len(row) > 3:
        return None, f"{len(row)} fields, expected 3"
    path = row[0]
    hash_field = row[1].strip() if len(row) > 1 else ""
    size_field = row[2].strip() if len(row) > 2 else ""
    if not path:
        return None, "empty path"
    size: int | None = None
    if size_field:
        if not size_field.isdigit():
            return None, f"size {size_field[:40]!r} is not a number"
        size = int(size_field)
    if not hash_field:
        return RecordEntry(path, None, None, size, line), None
    algorithm, sep, encoded = hash_field.partition("=")
    algorithm = algorithm.strip().lower()
    hexdigest = urlsafe_b64_to_hex(encoded.strip()) if sep else None
    if hexdigest is None:
        return RecordEntry(
            path, None, None, size, line
        ), f"{path}: unreadable hash {hash_field[:60]!r}"
    if algorithm in WEAK:
        return RecordEntry(path, None, None, size, line), f"{path}: weak hash algorithm {algorithm}"
    if algorithm not in DIGEST_SIZES:
        return RecordEntry(
            path, None, None, size, line
        ), f"{path}: unknown hash algorithm {algorithm!r}"
    if len(hexdigest) != 2 * DIGEST_SIZES[algorithm]:
        return RecordEntry(
            path, None, None, size, line
        ), f"{path}: {algorithm} digest of wrong length"
    return RecordEntry(path, algorithm, hexdigest, size, line), None


def urlsafe_b64_to_hex(value: str) -> str | None:
    """RECORD digests are urlsafe base64 without padding; return hex, or None if garbled."""
    if not value:
        return None
    try:
        raw = base64.b64decode(value + "=" * (-len(value) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw.hex() if raw else None


def hex_to_urlsafe_b64(hexdigest: str) -> str:
    return base64.urlsafe_b64encode(bytes.fromhex(hexdigest)).rstrip(b"=").decode()


@dataclass(frozen=True)
class Placement:
    """Where a RECORD path lands in the tree."""

    tree_path: str | None  # normalised path inside the tree; None when it leaves the tree
    inside_site: bool  # True when it stays under the site root (the only paths hashed)


def place(site_root: str, record_path: str) -> Placement:
    """Resolve a RECORD path against ``site_root`` without touching any filesystem."""
    if "\x00" in record_path or "\\" in record_path or record_path.startswith("/"):
        return Placement(None, False)
    if len(record_path) > 1 and record_path[1] == ":":  # a Windows drive
        return Placement(None, False)
    pieces = record_path.split("/")
    if "" not in pieces and "." not in pieces and ".." not in pieces:  # the usual case
        return Placement(f"{site_root}/{record_path}" if site_root else record_path, True)
    parts: list[str] = [p for p in site_root.split("/") if p]
    depth = len(parts)
    lowest = depth
    for part in pieces:
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                return Placement(None, False)
            parts.pop()
            lowest = min(lowest, len(parts))
        else:
            parts.append(part)
    if not parts:
        return Placement(None, False)
    tree_path = "/".join(parts)
    inside = lowest >= depth and len(parts) > depth
    return Placement(tree_path, inside)


def is_script_path(record_path: str) -> bool:
    """``../../bin/flask``, ``../../Scripts/flask.exe``: console scripts (shebang rewritten)."""
    parent = posixpath.basename(posixpath.dirname(posixpath.normpath(record_path)))
    return ".." in record_path.split("/") and parent in ("bin", "Scripts")

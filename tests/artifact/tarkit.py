"""Raw tar records for hostile tests: every header field, extended header and sparse map
written by hand, so a test can build exactly the bytes one reader reads one way and
another reader another way (``tarfile`` would refuse to write most of them).

    layer = tar(pax({"path": "a.py"}), longname(b"b.py"), member(b"x.py", b"data"))
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

BLOCK = 512
USTAR = b"ustar\x0000"
GNU = b"ustar  \x00"


def octal(value: int, width: int) -> bytes:
    """A number field as most writers store it: zero-padded octal, NUL-terminated."""
    return b"%0*o\x00" % (width - 1, value)


def header(
    name: bytes,
    size: int = 0,
    kind: bytes = b"0",
    *,
    linkname: bytes = b"",
    magic: bytes = USTAR,
    prefix: bytes = b"",
    fields: Mapping[int, bytes] | None = None,
) -> bytes:
    """One 512-byte header with a correct checksum; ``fields`` overwrite raw bytes at
    their offsets (a size field, an atime, a sparse map...) before the checksum."""
    block = bytearray(BLOCK)
    block[0 : len(name)] = name
    block[100:108] = octal(0o644, 8)
    block[108:116] = octal(0, 8)
    block[116:124] = octal(0, 8)
    block[124:136] = octal(size, 12)
    block[136:148] = octal(1_700_000_000, 12)
    block[156:157] = kind
    block[157 : 157 + len(linkname)] = linkname
    block[257:265] = magic
    block[345 : 345 + len(prefix)] = prefix
    for offset, raw in (fields or {}).items():
        block[offset : offset + len(raw)] = raw
    block[148:156] = b" " * 8
    block[148:156] = b"%06o\x00 " % sum(block)
    return bytes(block)


def pad(data: bytes, filler: bytes = b"\x00") -> bytes:
    return data + filler * (-len(data) % BLOCK)


def member(name: bytes, data: bytes = b"", kind: bytes = b"0", **header_args: object) -> bytes:
    """A header and its data, zero-padded.  A link or directory kind takes no data."""
    return header(name, len(data), kind, **header_args) + pad(data)  # type: ignore[arg-type]


def record(key: bytes | str, value: bytes | str) -> bytes:
    """One ``%d key=value\\n`` PAX record (the length counts its own digits)."""
    key = key.encode() if isinstance(key, str) else key
    value = value.encode() if isinstance(value, str) else value
    body = b" " + key + b"=" + value + b"\n"
    length = len(body) + 1
    while len(str(length).encode()) + len(body) != length:
        length += 1
    return str(length).encode() + body


def records(items: Mapping[str, bytes | str] | Iterable[tuple[str, bytes | str]]) -> bytes:
    pairs = items.items() if isinstance(items, Mapping) else items
    return b"".join(record(k, v) for k, v in pairs)


def pax(
    items: Mapping[str, bytes | str] | Iterable[tuple[str, bytes | str]] = (),
    *,
    kind: bytes = b"x",
    raw: bytes | None = None,
    padding: bytes = b"\x00",
) -> bytes:
    """A PAX extended (``x``) or global (``g``) header; ``raw`` replaces the records."""
    body = records(items) if raw is None else raw
    return header(b"././@PaxHeader", len(body), kind) + pad(body, padding)


def longname(name: bytes, kind: bytes = b"L") -> bytes:
    """A GNU long name (``L``) or long link name (``K``) record."""
    body = name + b"\x00"
    return header(b"././@LongLink", len(body), kind, magic=GNU) + pad(body)


def end() -> bytes:
    return bytes(2 * BLOCK)


def tar(*parts: bytes) -> bytes:
    """Records one after the other, then the end-of-archive blocks."""
    return b"".join(parts) + end()


def runs_of(content: bytes) -> list[tuple[int, int]]:
    """The non-zero runs of ``content`` as (offset, length): its sparse map."""
    found: list[tuple[int, int]] = []
    at = 0
    while at < len(content):
        if content[at] == 0:
            at += 1
            continue
        start = at
        while at < len(content) and content[at] != 0:
            at += 1
        found.append((start, at - start))
    return found


def sparse_01(name: bytes, content: bytes, runs: list[tuple[int, int]] | None = None) -> bytes:
    """GNU tar's PAX sparse format 0.1: the map in the pax header, only the runs stored."""
    runs = runs_of(content) if runs is None else runs
    stored = b"".join(content[o : o + n] for o, n in runs)
    items = {
        "GNU.sparse.size": str(len(content)),
        "GNU.sparse.numblocks": str(len(runs)),
        "GNU.sparse.map": ",".join(f"{o},{n}" for o, n in runs),
    }
    return pax(items) + member(name, stored)


def sparse_10(name: bytes, content: bytes, runs: list[tuple[int, int]] | None = None) -> bytes:
    """GNU tar's PAX sparse format 1.0 (its default): the map in the data's first blocks,
    the header named ``GNUSparseFile.0/NAME`` and the real name in ``GNU.sparse.name``."""
    runs = runs_of(content) if runs is None else runs
    numbers = [len(runs)] + [n for run in runs for n in run]
    sparse_map = pad(b"".join(b"%d\n" % n for n in numbers))
    stored = b"".join(content[o : o + n] for o, n in runs)
    items = {
        "GNU.sparse.major": "1",
        "GNU.sparse.minor": "0",
        "GNU.sparse.name": name,
        "GNU.sparse.realsize": str(len(content)),
    }
    return pax(items) + member(b"GNUSparseFile.0/" + name.rsplit(b"/", 1)[-1], sparse_map + stored)


def old_gnu_sparse(name: bytes, content: bytes) -> bytes:
    """An old GNU sparse member (typeflag ``S``): up to four runs in the header."""
    runs = runs_of(content)[:4]
    stored = b"".join(content[o : o + n] for o, n in runs)
    fields: dict[int, bytes] = {483: octal(len(content), 12)}
    for index, (offset, length) in enumerate(runs):
        fields[386 + 24 * index] = octal(offset, 12)
        fields[398 + 24 * index] = octal(length, 12)
    return header(name, len(stored), b"S", magic=GNU, fields=fields) + pad(stored)

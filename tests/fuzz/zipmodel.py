"""A zip as editable records, and the structure-aware mutations of the differential fuzzer.

:func:`parse` reads a well-formed zip (the seeds) into an :class:`Archive`: one
:class:`Entry` per member, each field of its local header and central record
separately editable; :func:`serialise` writes it back, lies included (names,
methods, flags, sizes and CRCs that disagree, extra fields, zip64 end records,
data descriptors, offsets into other entries, appended or prepended bytes,
several end records).  :data:`MUTATORS` are the edits, each one class of
disagreement between zip readers (issue 11).
"""

from __future__ import annotations

import bz2
import copy
import io
import lzma
import random
import stat
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

_LOCAL = struct.Struct("<4s2B4HL2L2H")
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")
_EOCD = struct.Struct("<4s4H2LH")
_EOCD64 = struct.Struct("<4sQ2H2L4Q")
_LOCATOR = struct.Struct("<4sLQL")
_M32 = 0xFFFFFFFF


@dataclass
class Entry:
    name: bytes
    payload: bytes  # the stored (compressed) bytes
    method: int
    flags: int
    crc: int
    csize: int
    usize: int
    version: int = 20
    time: int = 0
    date: int = 0x21
    system: int = 0
    external: int = 0
    central_extra: bytes = b""
    local_extra: bytes = b""
    comment: bytes = b""
    local: dict[str, int | bytes] = field(default_factory=dict)  # local-only overrides
    offset: int | None = None  # the central record's offset, when it lies
    descriptor: bytes = b""  # written after the data


@dataclass
class Archive:
    entries: list[Entry]
    prefix: bytes = b""
    absolute: bool = False  # offsets count the prefix (zip -A)
    order: list[int] | None = None  # central records: entry indices, in order
    comment: bytes = b""
    comment_length: int | None = None
    after: bytes = b""  # bytes after the comment (an appended zip, junk)
    zip64: bool = False
    zip64_fields: dict[str, int] = field(default_factory=dict)  # overrides
    plain_fields: dict[str, int] = field(default_factory=dict)  # overrides of the end record


def parse(data: bytes) -> Archive:
    """A well-formed zip (made by zipfile or zipkit) as editable records."""
    zf = zipfile.ZipFile(io.BytesIO(data))
    entries = []
    for info in zf.infolist():
        header = _LOCAL.unpack_from(data, info.header_offset)
        start = info.header_offset + 30 + header[-2]
        local_extra = data[start : start + header[-1]]
        begin = start + header[-1]
        entries.append(
            Entry(
                name=info.orig_filename.encode("utf-8" if info.flag_bits & 0x800 else "cp437"),
                payload=data[begin : begin + info.compress_size],
                method=info.compress_type,
                flags=info.flag_bits & ~0x8,
                crc=info.CRC,
                csize=info.compress_size,
                usize=info.file_size,
                version=info.extract_version,
                system=info.create_system,
                external=info.external_attr,
                central_extra=_drop_zip64(info.extra),
                local_extra=_drop_zip64(local_extra),
            )
        )
    return Archive(entries, zip64=b"PK\x06\x06" in data[-200:])


def _drop_zip64(extra: bytes) -> bytes:
    """Extra blocks other than zip64 (serialise writes zip64 blocks where values need one)."""
    out, pos = b"", 0
    while pos + 4 <= len(extra):
        tag, length = struct.unpack_from("<2H", extra, pos)
        if tag != 1:
            out += extra[pos : pos + 4 + length]
        pos += 4 + length
    return out


def serialise(archive: Archive) -> bytes:
    out = io.BytesIO()
    out.write(archive.prefix)
    base = 0 if archive.absolute else len(archive.prefix)
    offsets = []
    for entry in archive.entries:
        offsets.append(out.tell() - base)
        loc = entry.local
        name = loc.get("name", entry.name)
        extra = entry.local_extra
        fields = [
            loc.get("version", entry.version),
            0,
            loc.get("flags", entry.flags),
            loc.get("method", entry.method),
            entry.time,
            entry.date,
            loc.get("crc", entry.crc),
            loc.get("csize", entry.csize),
            loc.get("usize", entry.usize),
        ]
        fields[6:] = [min(int(v), _M32) for v in fields[6:]]  # type: ignore[call-overload]
        assert isinstance(name, bytes) and isinstance(extra, bytes)
        out.write(_LOCAL.pack(b"PK\x03\x04", *fields, len(name), len(extra)) + name + extra)  # type: ignore[arg-type]
        out.write(entry.payload + entry.descriptor)
    cd_offset = out.tell() - base
    central = io.BytesIO()
    order = archive.order if archive.order is not None else range(len(archive.entries))
    for index in order:
        entry = archive.entries[index]
        offset = offsets[index] if entry.offset is None else entry.offset
        central.write(_central(entry, offset))
    cd = central.getvalue()
    out.write(cd)
    count = len(list(order))
    plain = {
        "disk": 0,
        "disk_cd": 0,
        "entries_disk": count,
        "entries": count,
        "size": len(cd),
        "offset": cd_offset,
    }
    if archive.zip64:
        record_at = out.tell() - base
        wide = {**plain, "record_size": 44, "locator_offset": record_at, "disks": 1}
        wide.update(archive.zip64_fields)
        out.write(
            _EOCD64.pack(
                b"PK\x06\x06",
                wide["record_size"],
                45,
                45,
                wide["disk"],
                wide["disk_cd"],
                wide["entries_disk"],
                wide["entries"],
                wide["size"],
                wide["offset"],
            )
        )
        out.write(_LOCATOR.pack(b"PK\x06\x07", 0, wide["locator_offset"], wide["disks"]))
        plain.update(entries_disk=0xFFFF, entries=0xFFFF, size=_M32, offset=_M32)
    plain.update(archive.plain_fields)
    length = len(archive.comment) if archive.comment_length is None else archive.comment_length
    values = [plain[k] for k in ("disk", "disk_cd", "entries_disk", "entries", "size", "offset")]
    values = [v % (1 << (16 if i < 4 else 32)) for i, v in enumerate(values)]
    out.write(_EOCD.pack(b"PK\x05\x06", *values, length % 65536))
    out.write(archive.comment + archive.after)
    return out.getvalue()


def _central(entry: Entry, offset: int) -> bytes:
    csize, usize, extra = entry.csize, entry.usize, entry.central_extra
    wide = [v for v in (usize, csize, offset) if v >= _M32]
    if wide:  # a zip64 block, as zipfile writes it
        extra = struct.pack("<2H", 1, 8 * len(wide)) + b"".join(struct.pack("<Q", v) for v in wide)
        extra += entry.central_extra
        usize, csize, offset = (min(v, _M32) for v in (usize, csize, offset))
    head = _CENTRAL.pack(
        b"PK\x01\x02",
        20,
        entry.system,
        entry.version,
        0,
        entry.flags,
        entry.method,
        entry.time,
        entry.date,
        entry.crc,
        csize,
        usize,
        len(entry.name),
        len(extra),
        len(entry.comment),
        0,
        0,
        entry.external,
        offset,
    )
    return head + entry.name + extra + entry.comment


# ----------------------------------------------------------------------------- mutations

Mutator = Callable[[Archive, random.Random, list[bytes]], None]
_INTERESTING = (0, 1, 2, 0x7F, 0xFF, 0xFFFF, _M32, _M32 - 1, 1 << 32)


def _pick(archive: Archive, rng: random.Random) -> Entry:
    if not archive.entries:
        archive.entries.append(Entry(b"x.py", b"x", 0, 0, zlib.crc32(b"x"), 1, 1))
    return rng.choice(archive.entries)


def end_records(archive: Archive, rng: random.Random, others: list[bytes]) -> None:
    """Several end records: another zip appended, in the comment, or a copy of this one."""
    other = rng.choice(others)
    choice = rng.randrange(4)
    if choice == 0:  # appended, its comment length running past the end (or not)
        tail = bytearray(other)
        struct.pack_into("<H", tail, len(tail) - 2, rng.choice((0, 1, 300, 65535)))
        archive.after += bytes(tail)
    elif choice == 1:  # inside the comment, perhaps with bytes after it
        archive.comment = other + rng.choice((b"", b"xx", bytes(30)))
    elif choice == 2:  # an end record copied into the comment
        archive.comment = other[-22:] + bytes(rng.randrange(3))
    else:
        archive.after += other[-22 - rng.randrange(0, 30) :]


def comment_length(archive: Archive, rng: random.Random, others: list[bytes]) -> None:
    archive.comment = archive.comment or rng.choice((b"", b"a comment", bytes(100)))
    archive.comment_length = rng.choice(
        (0, 1, len(archive.comment) + rng.randrange(-3, 400), 65535)
    )


def prepended(archive: Archive, rng: random.Random, others: list[bytes]) -> None:
    junk = rng.choice((b"#!/bin/sh\nexit 0\n" * 20, b"PK\x05\x06" + bytes(30), rng.choice(others)))
    archive.prefix = junk
    archive.absolute = rng.random() < 0.5


def local_differs(archive: Archive, rng: random.Random, others: list[bytes]) -> None:
    """The local header says something else than the central record."""
    entry = _pick(archive, rng)
    what = rng.choice(("name", "method", "flags", "crc", "csize", "usize", "version"))
    if what == "name":
        entry.local["name"] = rng.choice((b"evil.pth", entry.name.upper(), entry.name + b"x"))
    elif what == "flags":
        entry.local["flags"] = entry.flags ^ rng.choice((0x1, 0x8, 0x20, 0x800))
    elif what == "method":
        entry.local["method"] = rng.choice((0, 8, 12, 14, 9))
    elif what == "version":
        entry.local["version"] = rng.choice((10, 20, 45, 63, 64, 99))
    else:
        entry.local[what] = rng.choice(_INTERESTING) % (1 << 32)


def central_name(archive: Archive, rng: random.Random, others: list[bytes]) -> None:
    entry = _pick(archive, rng)
    entry.name = rng.choice(
        (
            b"caf\xc3\xa9.py",
            b"caf\x82.py",
            b"a/../b.py",
            b"a//b.py",
            b"dir/",
            b"./x.py",
            b"evil.pth",
            b"Evil.PTH",
            entry.name + b"/",
        )
    )
    entry.flags ^= rng.choice((0, 0x800))
    if rng.random() < 0.7:
        entry.local["name"] = entry.name


def method(archive: Archive, rng: random.Random, others: list[bytes]) -> None:
    """Another compression method: really recompressed, or only claimed."""
    entry = _pick(archive, rng)
    new = rng.choice((0, 8, 12, 14, 9, 93, 99, rng.randrange(256)))
    data = _plain(entry)
    if data is not None and new in (0, 8, 12, 14) and rng.random() < 0.7:
        entry.payload = _compress(data, new)
        entry.csize = len(entry.payload)
        entry.flags = (entry.flags & ~0x2) | (0x2 if new == 14 else 0)
    entry.method = new


def _plain(entry: Entry) -> bytes | None:
    try:
        if entry.method == 0:
            return entry.payload
        if entry.method == 8:
            return zlib.decompress(entry.payload, -15)
        if entry.method == 12:
            return bz2.decompress(entry.payload)
    except (zlib.error, OSError, ValueError):
        return None
    return None


def _compress(data: bytes, method: int) -> bytes:
    if method == 8:
        c = zlib.compressobj(6, zlib.DEFLATED, -15)
        return c.compress(data) + c.flush()
    if method == 12:
        return bz2.compress(data)
    if method == 14:
        lzma1 = {"id": lzma.FILTER_LZMA1, "dict_size": 1 << 16, "lc": 3, "lp": 0, "pb": 2}
        raw = lzma.compress(data, format=lzma.FORMAT_RAW, filters=[lzma1])
        return b"\x09\x14\x05\x00" + bytes([93]) + (1 << 16).to_bytes(4, "little") + raw
    return data


def flags(archive: Archive, rng: random.Random, others: list[bytes]) -> None:
    entry = _pick(archive, rng)
    entry.flags ^= rng.choice((0x1, 0x2, 0x8, 0x20, 0x40, 0x800))


def extra_fields(archive: Archive, rng: random.Random, others: list[bytes]) -> None:
    """zip64 and Unicode Path blocks, right or wrong, once or twice; junk blocks."""
    entry = _pick(archive, rng)
    name = rng.choice((entry.name, b"evil.pth", b"other.py"))
    crc = zlib.crc32(rng.choice((entry.name, entry.name, b"stale")))
    blocks = [
        struct.pack("<2HBL", 0x7075, 5 + len(name), rng.choice((1, 1, 2)), crc) + name,
        struct.pack("<2H", 1, 8) + struct.pack("<Q", rng.choice(_INTERESTING)),
        struct.pack("<2H", 1, 0),
        struct.pack("<2H", 0x5455, 5) + b"\x01\x00\x00\x00\x00",
        struct.pack("<2H", rng.randrange(65536), rng.randrange(40)) + bytes(rng.randrange(40)),
    ]
    extra = b"".join(rng.choice(blocks) for _ in range(rng.randrange(1, 3)))
    if rng.random() < 0.3:  # a field whose value needs the zip64 block
        setattr(entry, rng.choice(("usize", "csize")), _M32)
    if rng.random() < 0.5:
        entry.central_extra += extra
    else:
        entry.local_extra += extra


def zip64(archive: Archive, rng: random.Random, others: list[bytes]) -> None:
    archive.zip64 = True
    if rng.random() < 0.6:
        key = rng.choice(
            (
                "entries_disk",
                "entries",
                "size",
                "offset",
                "locator_offset",
                "record_size",
                "disks",
                "disk",
            )
        )
        archive.zip64_fields[key] = rng.choice((0, 1, 2, 44, 56, 100, _M32))
    if rng.random() < 0.4:
        key = rng.choice(("entries_disk", "entries", "size", "offset"))
        archive.plain_fields[key] = rng.choice((0, 1, 0xFFFF, _M32, 100))


def descriptor(archive: Archive, rng: random.Random, others: list[bytes]) -> None:
    """Streamed entries: bit 3, zero local sizes, a data descriptor after the data."""
    entry = _pick(archive, rng)
    entry.flags |= 0x8
    if rng.random() < 0.8:
        entry.local.update(crc=0, csize=0, usize=0)
    sig = b"PK\x07\x08" if rng.random() < 0.7 else b""
    values = (min(v, _M32) for v in (entry.crc, entry.csize, entry.usize))
    entry.descriptor = sig + struct.pack("<3L", *values)


def overlap(archive: Archive, rng: random.Random, others: list[bytes]) -> None:
    """A central record pointing at another entry's header or into its data."""
    entry = _pick(archive, rng)
    entry.offset = rng.choice((0, 1, 30, 40, rng.randrange(400)))


def sizes(archive: Archive, rng: random.Random, others: list[bytes]) -> None:
    entry = _pick(archive, rng)
    what = rng.choice(("crc", "csize", "usize"))
    value = rng.choice((*_INTERESTING, getattr(entry, what) + rng.choice((-1, 1))))
    setattr(entry, what, max(value, 0) % (1 << (32 if what == "crc" else 33)))
    if rng.random() < 0.5:
        entry.local[what] = getattr(entry, what) % (1 << 32)


def modes(archive: Archive, rng: random.Random, others: list[bytes]) -> None:
    """Unix modes (links, directories, FIFOs) from various hosts; link targets of any kind."""
    entry = _pick(archive, rng)
    mode = rng.choice((stat.S_IFLNK, stat.S_IFLNK, stat.S_IFDIR, stat.S_IFIFO, stat.S_IFREG))
    entry.external = (mode | 0o755) << 16
    entry.system = rng.choice((3, 3, 0, 2, 16, 19))
    if mode == stat.S_IFLNK and rng.random() < 0.7:
        target = rng.choice((b"app.py", b"../x", b"import os", b"a\nb", b"", b"/etc/passwd"))
        entry.payload, entry.method = target, 0
        entry.crc, entry.csize, entry.usize = zlib.crc32(target), len(target), len(target)
        entry.local.clear()


def records(archive: Archive, rng: random.Random, others: list[bytes]) -> None:
    """Central records duplicated, dropped or reordered."""
    order = list(range(len(archive.entries)))
    choice = rng.randrange(3)
    if choice == 0 and order:
        order.insert(rng.randrange(len(order) + 1), rng.choice(order))
    elif choice == 1 and order:
        order.pop(rng.randrange(len(order)))
    else:
        rng.shuffle(order)
    archive.order = order


def versions(archive: Archive, rng: random.Random, others: list[bytes]) -> None:
    _pick(archive, rng).version = rng.choice((10, 20, 45, 63, 64, 99, 255))


MUTATORS: dict[str, Mutator] = {
    "end-records": end_records,
    "comment-length": comment_length,
    "prepended": prepended,
    "local-differs": local_differs,
    "central-name": central_name,
    "method": method,
    "flags": flags,
    "extra-fields": extra_fields,
    "zip64": zip64,
    "descriptor": descriptor,
    "overlap": overlap,
    "sizes": sizes,
    "modes": modes,
    "records": records,
    "versions": versions,
}


def mutant(seed: Archive, rng: random.Random, others: list[bytes]) -> tuple[list[str], bytes]:
    """One to three structural edits of a copy of ``seed``; their names and the bytes."""
    archive = copy.deepcopy(seed)
    names = [rng.choice(list(MUTATORS)) for _ in range(rng.choice((1, 1, 2, 3)))]
    for name in names:
        MUTATORS[name](archive, rng, others)
    return names, serialise(archive)

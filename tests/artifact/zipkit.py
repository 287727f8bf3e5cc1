"""Build zips byte by byte for tests, including the malformed and hostile ones.

``zipfile`` refuses or repairs much of what an attacker would write, so the
hostile archives here are assembled from raw records: every header field can
lie independently of the data.
"""

from __future__ import annotations

import io
import stat
import struct
import zipfile
import zlib
from dataclasses import dataclass, field

UNIX = 3
WHEEL = b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"


@dataclass
class RawMember:
    name: bytes | str
    data: bytes = b""
    method: int = 8  # deflate; 0 stored
    size: int | None = None  # declared uncompressed size (default: the true one)
    crc: int | None = None  # declared CRC (default: the true one)
    flags: int = 0
    mode: int | None = None  # unix mode -> external attributes, create system 3
    offset: int | None = None  # declared local header offset (default: the true one)
    local_name: bytes | None = None  # name in the local header (default: the same)
    payload: bytes | None = field(default=None)  # raw compressed bytes, overriding data
    extra: bytes = b""  # central directory extra field
    local_extra: bytes = b""  # local header extra field
    local_flags: int | None = None  # local header flags (default: the central ones)
    local_method: int | None = None  # local header method (default: the central one)
    local_sizes: tuple[int, int, int] | None = None  # local (crc, compressed, size)
    system: int | None = None  # "made by" host (default: 3 with a mode, else 0)
    version_needed: int = 20

    @property
    def raw_name(self) -> bytes:
        return self.name.encode("utf-8") if isinstance(self.name, str) else self.name


def deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


def raw_zip(
    members: list[RawMember],
    *,
    prefix: bytes = b"",
    entries: int | None = None,
    comment: bytes = b"",
    comment_length: int | None = None,
    zip64: bool = False,
) -> bytes:
    """A zip from raw records; ``entries`` overrides the count the end record declares.

    ``comment_length`` overrides the end record's comment length (it may lie);
    ``zip64`` writes zip64 end records (also written when ``entries`` needs them).
    """
    out = io.BytesIO()
    out.write(prefix)
    central = io.BytesIO()
    for member in members:
        payload = member.payload
        if payload is None:
            payload = deflate(member.data) if member.method == 8 else member.data
        crc = zlib.crc32(member.data) if member.crc is None else member.crc
        size = len(member.data) if member.size is None else member.size
        name = member.raw_name
        local_name = name if member.local_name is None else member.local_name
        local_flags = member.flags if member.local_flags is None else member.local_flags
        local_method = member.method if member.local_method is None else member.local_method
        local_sizes = member.local_sizes or (crc, len(payload), size)
        true_offset = out.tell() - len(prefix)
        out.write(
            struct.pack(
                "<4s2B4HL2L2H",
                b"PK\x03\x04",
                member.version_needed,
                0,
                local_flags,
                local_method,
                0,
                0,
                *local_sizes,
                len(local_name),
                len(member.local_extra),
            )
        )
        out.write(local_name + member.local_extra)
        out.write(payload)
        offset = true_offset if member.offset is None else member.offset
        system = member.system
        if system is None:
            system = UNIX if member.mode is not None else 0
        external = (member.mode or 0) << 16
        central.write(
            struct.pack(
                "<4s4B4HL2L5H2L",
                b"PK\x01\x02",
                20,
                system,
                member.version_needed,
                0,
                member.flags,
                member.method,
                0,
                0,
                crc,
                len(payload),
                size,
                len(name),
                len(member.extra),
                0,
                0,
                0,
                external,
                offset,
            )
        )
        central.write(name + member.extra)
    cd_offset = out.tell() - len(prefix)
    cd = central.getvalue()
    out.write(cd)
    count = len(members) if entries is None else entries
    if count > 0xFFFF or zip64:  # the zip64 end record carries the real count
        zip64_at = out.tell() - len(prefix)
        out.write(
            struct.pack(
                "<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, count, count, len(cd), cd_offset
            )
        )
        out.write(struct.pack("<4sLQL", b"PK\x06\x07", 0, zip64_at, 1))
        count = min(count, 0xFFFF)
    length = len(comment) if comment_length is None else comment_length
    out.write(
        struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, len(cd), cd_offset, length)
    )
    out.write(comment)
    return out.getvalue()


def extra_field(tag: int, body: bytes) -> bytes:
    """One extra-field block: tag, length, body."""
    return struct.pack("<2H", tag, len(body)) + body


def unicode_path(name: str, *, header_name: bytes) -> bytes:
    """An Info-ZIP Unicode Path extra field (0x7075) naming ``name`` for ``header_name``."""
    return extra_field(0x7075, struct.pack("<BL", 1, zlib.crc32(header_name)) + name.encode())


def symlink(name: str, target: str) -> RawMember:
    return RawMember(name, target.encode(), method=0, mode=stat.S_IFLNK | 0o777)


def zip_bytes(files: dict[str, bytes], *, symlinks: dict[str, str] | None = None) -> bytes:
    """An ordinary zip made by ``zipfile`` (what pip/zip users produce)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
        for name, target in (symlinks or {}).items():
            info = zipfile.ZipInfo(name)
            info.create_system = UNIX
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, target)
    return buffer.getvalue()


def dist_info(
    name: str, version: str, *, root: str = "", installer: bool = True
) -> dict[str, bytes]:
    """Files of an installed distribution's .dist-info (synthetic, real names)."""
    folder = f"{root}{name.replace('-', '_')}-{version}.dist-info"
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\n".encode()
    files = {
        f"{folder}/METADATA": metadata,
        f"{folder}/WHEEL": WHEEL,
        f"{folder}/RECORD": b"",
    }
    if installer:
        files[f"{folder}/INSTALLER"] = b"pip\n"
    return files

"""Files that are code without being Python source: native executables and bytecode.

Native formats are told by their first bytes, never by the file name: ELF
(``\\x7fELF``), PE (``MZ`` with a ``PE\\0\\0`` signature where ``e_lfanew``
points), Mach-O (thin, both byte orders and 32/64-bit, and fat binaries).

Bytecode is judged from its 16-byte header only; it is never unmarshalled (that
would build code objects from attacker data).  CPython (3.7+, PEP 552,
``importlib._bootstrap_external.SourceLoader.get_code``) runs a
``__pycache__`` file instead of its source when the header matches: for a
timestamp pyc, the source's mtime and size; for a *checked* hash pyc, the
source's SipHash; an *unchecked* hash pyc is run without looking at the source at
all (with the default ``--check-hash-based-pycs default``).  So an unchecked pyc
whose hash is not the source's runs code that the source does not show.
"""

from __future__ import annotations

import struct

PYC_HEADER = 16
HEAD = 1024  # bytes read to tell a native format (PE's e_lfanew usually points below)
_MACHO = {
    b"\xfe\xed\xfa\xce",
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
}


def native_format(head: bytes) -> str | None:
    if head.startswith(b"\x7fELF"):
        return "ELF"
    if head[:4] in _MACHO:
        return "Mach-O"
    if head.startswith(b"\xca\xfe\xba\xbe") and len(head) >= 8:
        count = struct.unpack(">I", head[4:8])[0]
        return "Mach-O" if 0 < count < 20 else None  # Java class files share the magic
    if head.startswith(b"MZ") and len(head) >= 0x40:
        offset = struct.unpack("<I", head[0x3C:0x40])[0]
        if offset + 4 <= len(head) and head[offset : offset + 4] == b"PE\x00\x00":
            return "PE"
    return None


def pyc_issue(header: bytes, source: bytes | None) -> str | None:
    """Why a ``__pycache__`` file runs code its source does not show, if it does."""
    if len(header) < PYC_HEADER or header[2:4] != b"\r\n":
        return None  # not bytecode CPython would load: ignored at import
    flags = struct.unpack("<I", header[4:8])[0]
    hash_based, check_source = bool(flags & 1), bool(flags & 2)
    if not hash_based or check_source or source is None:
        return None
    import _imp

    key = int.from_bytes(header[:4], "little")
    if _imp.source_hash(key, source) == header[8:16]:
        return None
    return (
        "an unchecked hash-based .pyc whose hash is not its source's: "
        "CPython runs it without reading the source"
    )

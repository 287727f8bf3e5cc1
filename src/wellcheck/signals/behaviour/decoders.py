"""Decoders applied to folded literals: wellcheck's own data transformations.

base64/base32/base16/base85/ascii85, hex, rot13 and zlib/gzip/lzma/bz2 (each output
bounded by what the file's fold budget has left).  ``marshal`` and ``pickle`` are
never decoded: loading them would build objects from attacker data.
"""

from __future__ import annotations

import base64
import binascii
import bz2
import codecs
import lzma
import zlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wellcheck.signals.behaviour.fold import Folded

_DECODE_ERRORS = (
    binascii.Error,
    ValueError,
    TypeError,
    zlib.error,
    lzma.LZMAError,
    OSError,
    EOFError,
)


def text_codec(encoding: str) -> str:
    normalised = codecs.lookup(encoding).name
    if normalised not in (
        "utf-8",
        "ascii",
        "latin-1",
        "iso8859-1",
        "utf-16",
        "utf-16-le",
        "cp1252",
    ):
        raise LookupError(encoding)
    return normalised


def _bounded(
    decompressor: zlib._Decompress | lzma.LZMADecompressor | bz2.BZ2Decompressor,
    data: bytes,
    limit: int,
) -> bytes | None:
    out = decompressor.decompress(data, max(limit, 0) + 1)
    return out if len(out) <= limit else None


def decode(
    name: str, payload: Folded | None, extra: list[Folded | None], limit: int
) -> Folded | None:
    """Apply the decoder ``name`` to a folded value; None when it does not apply."""
    if isinstance(payload, str):
        data = payload.encode("latin-1", "replace")
    elif isinstance(payload, bytes):
        data = payload
    else:
        return None
    try:
        if name in (
            "base64.b64decode",
            "base64.standard_b64decode",
            "base64.decodebytes",
            "base64.decodestring",
            "binascii.a2b_base64",
        ):
            return base64.b64decode(data)
        if name == "base64.urlsafe_b64decode":
            return base64.urlsafe_b64decode(data)
        if name == "base64.b32decode":
            return base64.b32decode(data)
        if name == "base64.b16decode":
            return base64.b16decode(data, casefold=True)
        if name == "base64.b85decode":
            return base64.b85decode(data)
        if name == "base64.a85decode":
            return base64.a85decode(data)
        if name in ("bytes.fromhex", "bytearray.fromhex"):
            return bytes.fromhex(data.decode("latin-1"))
        if name in ("binascii.unhexlify", "binascii.a2b_hex"):
            return binascii.unhexlify(data)
        if name == "zlib.decompress":
            wbits = extra[1] if len(extra) > 1 and isinstance(extra[1], int) else 15
            wbits = extra[0] if extra and isinstance(extra[0], int) else wbits
            return _bounded(zlib.decompressobj(wbits), data, limit)
        if name == "gzip.decompress":
            return _bounded(zlib.decompressobj(31), data, limit)
        if name == "lzma.decompress":
            return _bounded(lzma.LZMADecompressor(), data, limit)
        if name == "bz2.decompress":
            return _bounded(bz2.BZ2Decompressor(), data, limit)
        if name == "codecs.decode" and extra and isinstance(extra[0], str):
            return _codecs_decode(payload, extra[0], limit)
    except _DECODE_ERRORS:
        return None
    return None


def _codecs_decode(payload: str | bytes, codec: str, limit: int) -> Folded | None:
    codec = codec.lower().replace("-", "_")
    if codec in ("rot13", "rot_13") and isinstance(payload, str):
        return codecs.decode(payload, "rot13")
    table = {
        "base64": "base64.b64decode",
        "base_64": "base64.b64decode",
        "hex": "bytes.fromhex",
        "zlib": "zlib.decompress",
        "zip": "zlib.decompress",
        "bz2": "bz2.decompress",
    }
    if codec in table:
        return decode(table[codec], payload, [], limit)
    return None

"""A central record's extra field, read as CPython's ``zipfile`` reads it (3.12/3.13).

Two blocks change what a reader sees:

- zip64 (0x0001): the sizes and offset that do not fit in 32 bits.  zipfile
  (``ZipInfo._decodeExtra``) takes the values it needs from the first block in
  the order file size, compressed size, header offset, and refuses the archive
  when one is missing or when any block runs past the extra field.  A second
  zip64 block is ignored by zipfile but may be read by others: hostile.
- Unicode Path (0x7075, Info-ZIP): version 1 with the CRC-32 of the header name
  replaces that name in zipfile 3.12+ and in ``unzip`` 6.0, but not in zipfile
  3.11 (nor in wellcheck before this check).  A block that names something else
  than the header name is hostile (``unicode-path-mismatch``): the two readers
  would install different files.  Several such blocks are hostile too.
"""

from __future__ import annotations

import struct
import zlib

from wellcheck.errors import ArtifactError, HostileArtifactError

_BLOCK = struct.Struct("<2H")
_UNICODE_HEAD = struct.Struct("<BL")
_ZIP64_TAG, _UNICODE_PATH_TAG = 0x0001, 0x7075
_MASK32, _MASK64 = 0xFFFFFFFF, 0xFFFFFFFFFFFFFFFF

#: (size, compressed size, local header offset) of a central record
Sizes = tuple[int, int, int]


def extra_fields(extra: bytes, sizes: Sizes, raw_name: bytes, name: str, label: str) -> Sizes:
    """The record's sizes and offset after its zip64 block; checks its Unicode Path blocks.

    Raises ArtifactError where zipfile refuses the archive and HostileArtifactError
    where readers would disagree.
    """
    pos, seen = 0, set()
    while len(extra) - pos >= 4:
        tag, length = _BLOCK.unpack_from(extra, pos)
        body = extra[pos + 4 : pos + 4 + length]
        pos += 4 + length
        if pos > len(extra):
            raise ArtifactError(
                f"{label}: corrupt zip (member {name!r} has a corrupt extra field {tag:04x})"
            )
        if tag not in (_ZIP64_TAG, _UNICODE_PATH_TAG):
            continue
        if tag in seen:
            raise HostileArtifactError(
                name, "ambiguous-extra-field", f"two extra fields {tag:04x}: readers pick either"
            )
        seen.add(tag)
        if tag == _ZIP64_TAG:
            sizes = _zip64(body, sizes, name, label)
        else:
            _unicode_path(body, raw_name, name, label)
    return sizes


def _zip64(body: bytes, sizes: Sizes, name: str, label: str) -> Sizes:
    size, compressed, offset = sizes
    values = [value for (value,) in struct.iter_unpack("<Q", body[: len(body) // 8 * 8])]
    wanted = (size in (_MASK32, _MASK64)) + (compressed == _MASK32) + (offset == _MASK32)
    if len(values) < wanted:
        raise ArtifactError(f"{label}: corrupt zip (member {name!r}: zip64 extra field too short)")
    if size in (_MASK32, _MASK64):
        size = values.pop(0)
    if compressed == _MASK32:
        compressed = values.pop(0)
    if offset == _MASK32:
        offset = values.pop(0)
    return size, compressed, offset


def _unicode_path(body: bytes, raw_name: bytes, name: str, label: str) -> None:
    if len(body) < _UNICODE_HEAD.size:
        raise ArtifactError(f"{label}: corrupt zip (member {name!r}: short Unicode Path field)")
    version, crc = _UNICODE_HEAD.unpack_from(body)
    if version != 1 or crc != zlib.crc32(raw_name):
        return  # stale or foreign: every reader keeps the header name
    try:
        unicode_name = body[_UNICODE_HEAD.size :].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ArtifactError(
            f"{label}: corrupt zip (member {name!r}: Unicode Path field is not UTF-8)"
        ) from exc
    # zipfile cuts a name at its first NUL; an empty name leaves the header name
    unicode_name = unicode_name.partition("\x00")[0]
    if unicode_name and unicode_name != name:
        raise HostileArtifactError(
            name,
            "unicode-path-mismatch",
            f"its Unicode Path field names {unicode_name[:200]!r}: zipfile 3.12+ and unzip "
            "use that name, zipfile 3.11 the header's",
        )

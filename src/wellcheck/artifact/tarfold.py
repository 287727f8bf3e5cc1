"""One tar member from its header block and the extended headers before it.

The rules are Go's (Go 1.22 src/archive/tar/reader.go: ``Reader.next``,
``mergePAX``, ``readGNUSparsePAXHeaders``), which containerd's
``pkg/archive/tar.go`` (``applyNaive``) and Docker use to apply image layers:

- the name is the GNU long name (``L``) if not empty, else the PAX ``path`` if
  not empty, else the header's name with its ustar prefix; a PAX sparse member
  takes ``GNU.sparse.name``.  ``K`` and ``linkpath`` work alike for link targets;
- an empty PAX value keeps the header's value; a malformed PAX number is an error;
- typeflag NUL with a name ending in ``/`` is a directory; ``0`` with such a name
  is a regular file (containerd then cleans the name);
- a member is sparse only in GNU's PAX formats 0.1 and 1.0 (recognised as Go
  does); any other ``GNU.sparse.*`` key leaves it a regular file.

CPython's ``tarfile`` (3.11-3.13) reads some of these differently: the *first*
of two extended headers wins, a global header's ``path`` renames later members,
an empty PAX value replaces the header's, only the header's own name decides
whether a NUL-typeflag member is a directory, ``GNU.sparse.name``/``size`` apply
to any member.  Where the two readers would see a different member, it is
refused (``ambiguous-tar-header``), so no reader sees content wellcheck did not.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from wellcheck.artifact.tarheader import (
    AMBIGUOUS,
    UNSUPPORTED,
    Header,
    HeaderError,
    header_names,
    nts,
    pax_decimal,
    pax_records,
    pax_signed_ok,
    pax_time_ok,
)

_SPARSE = b"GNU.sparse."
_SPARSE_MAP, _SPARSE_BLOCKS = b"GNU.sparse.map", b"GNU.sparse.numblocks"
_SPARSE_NAME, _SPARSE_SIZE, _SPARSE_REAL = (
    b"GNU.sparse.name",
    b"GNU.sparse.size",
    b"GNU.sparse.realsize",
)
_SPARSE_MAJOR, _SPARSE_MINOR = b"GNU.sparse.major", b"GNU.sparse.minor"
# what CPython's _apply_pax_info takes from any pax header, global ones included
_APPLIED = (b"path", b"linkpath", b"size", _SPARSE_NAME, _SPARSE_SIZE, _SPARSE_REAL)
_KNOWN_TYPES = (b"0", b"\0", b"1", b"2", b"3", b"4", b"5", b"6", b"7")
FILE_TYPES = (b"0", b"7")  # after folding: typeflag NUL is '0' or '5'


@dataclass
class Pending:
    """Extended headers read so far for the next member: at most one of each kind."""

    pax: dict[bytes, bytes] | None = None
    long_name: bytes | None = None
    long_link: bytes | None = None
    after_global: bool = False  # a global header came last (CPython then needs a member)

    def empty(self) -> bool:
        return self.pax is None and self.long_name is None and self.long_link is None

    def add(self, kind: bytes, payload: bytes) -> None:
        """Take one extended header (``x``, ``g``, ``L`` or ``K``) and its data."""
        self.after_global = kind == b"g"
        if kind == b"g":
            self._global(pax_records(payload))
        elif kind == b"x":
            if self.pax is not None:  # Go keeps the last, CPython the first
                raise HeaderError("two pax headers for one member", AMBIGUOUS)
            self.pax = pax_records(payload)
        elif kind == b"L":
            if self.long_name is not None:
                raise HeaderError("two GNU long names for one member", AMBIGUOUS)
            self.long_name = nts(payload)
        else:
            if self.long_link is not None:
                raise HeaderError("two GNU long link names for one member", AMBIGUOUS)
            self.long_link = nts(payload)

    def _global(self, records: dict[bytes, bytes]) -> None:
        """containerd ignores global headers (and Go drops what came before one);
        CPython keeps pending headers and applies a global ``path``, ``size``...
        to later members.  Only a global header both ignore alike is accepted."""
        if not self.empty():
            raise HeaderError("an extended header before a global header", AMBIGUOUS)
        for key in records:
            if key in _APPLIED or key.startswith(_SPARSE):
                raise HeaderError(f"a global header sets {key.decode(errors='replace')}", AMBIGUOUS)


class Folded(NamedTuple):  # a NamedTuple: one is built per member, in the hot loop
    name: bytes
    linkname: bytes
    kind: bytes  # as applied: '0' or '7' file, '5' directory, '1'/'2' links, '3'/'4'/'6'
    size: int  # bytes of data after the header (0 for header-only types)
    logical: int  # the file's size as read (a sparse file's real size)
    sparse: str | None = None  # "0.1" (map in ``fragments``) or "1.0" (map in the data)
    fragments: tuple[tuple[int, int], ...] = ()  # 0.1: (offset, length) of each data run


def fold(header: Header, pending: Pending) -> Folded:
    """The member Go reads from ``header`` and ``pending``; HeaderError if CPython
    would read another one, or Go would refuse it."""
    pax = pending.pax or {}
    _check_values(pax)
    sparse = _sparse_version(pax)
    go_name, name = _name(header, pending, pax, sparse is not None)
    kind = _kind(header, go_name)
    linkname = _linkname(header, pending, pax) if kind in (b"1", b"2") else b""
    size = pax_decimal(pax[b"size"], "size") if b"size" in pax else header.size
    if kind not in FILE_TYPES:
        if sparse is not None:  # Go: a sparse header-only type is ErrHeader
            raise HeaderError("sparse headers on a member that is not a file", None, name)
        return Folded(name, linkname, kind, 0, 0)
    if sparse is None:
        return Folded(name, linkname, kind, size, size)
    logical = _sparse_size(pax, size)
    fragments = _sparse_map_01(pax) if sparse == "0.1" else ()
    return Folded(name, linkname, kind, size, logical, sparse, fragments)


def _check_values(pax: dict[bytes, bytes]) -> None:
    """Go's ``mergePAX``: an empty value keeps the header's (CPython uses it: refused);
    a number Go cannot parse is ErrHeader."""
    for key, value in pax.items():
        if not value and (key in _APPLIED or key.startswith(_SPARSE)):
            raise HeaderError(f"an empty pax {key.decode(errors='replace')}", AMBIGUOUS)
        if not value:
            continue
        if key in (b"uid", b"gid") and not pax_signed_ok(value):
            raise HeaderError(f"invalid pax {key.decode()} {value[:40]!r}")
        if key in (b"atime", b"mtime", b"ctime") and not pax_time_ok(value):
            raise HeaderError(f"invalid pax {key.decode()} {value[:40]!r}")


def _name(
    header: Header, pending: Pending, pax: dict[bytes, bytes], sparse: bool
) -> tuple[bytes, bytes]:
    """(the name before ``GNU.sparse.name``, the final name), as Go reads them."""
    if header.block[345] == 0:  # no prefix field: both readers take the name field
        go_header = py_header = header.name_field
    else:
        go_header, py_header = header_names(header)
    overrides = [pending.long_name, pax.get(b"path"), pax.get(_SPARSE_NAME)]
    if overrides == [None, None, None]:
        if go_header.rstrip(b"/") != py_header.rstrip(b"/"):
            raise HeaderError("Go and CPython read different names", AMBIGUOUS, go_header)
        return go_header, go_header
    go = pending.long_name or pax.get(b"path") or go_header
    final = pax.get(_SPARSE_NAME, go) if sparse else go
    # CPython: the outermost extended header wins; GNU.sparse.name applies to any member
    present = {value.rstrip(b"/") for value in overrides if value is not None}
    if len(present) > 1:
        raise HeaderError("a GNU long name, pax path or sparse name disagree", AMBIGUOUS, go)
    py = present.pop() if present else py_header
    if final.rstrip(b"/") != py.rstrip(b"/"):
        raise HeaderError("Go and CPython read different names", AMBIGUOUS, go)
    return go, final


def _linkname(header: Header, pending: Pending, pax: dict[bytes, bytes]) -> bytes:
    go = pending.long_link or pax.get(b"linkpath") or header.link_field
    overrides = {v for v in (pending.long_link, pax.get(b"linkpath")) if v is not None}
    if len(overrides) > 1:
        raise HeaderError("a GNU long link name and a pax linkpath disagree", AMBIGUOUS)
    if go != (overrides.pop() if overrides else header.link_field):
        raise HeaderError("Go and CPython read different link targets", AMBIGUOUS)
    return go


def _kind(header: Header, go_name: bytes) -> bytes:
    kind = header.kind
    if kind == b"S":
        raise HeaderError("an old GNU sparse member (containerd refuses type 'S')", UNSUPPORTED)
    if kind not in _KNOWN_TYPES:
        raise HeaderError(f"member type {kind!r} (containerd refuses it)", UNSUPPORTED)
    if kind != b"\0":
        return kind
    # Go: the final name ends in '/'; CPython: the header's own name field does
    go_dir, py_dir = go_name.endswith(b"/"), header.name_field.endswith(b"/")
    if go_dir != py_dir:
        raise HeaderError("a typeflag-NUL member is a directory to one reader only", AMBIGUOUS)
    return b"5" if go_dir else b"0"


def _sparse_version(pax: dict[bytes, bytes]) -> str | None:
    """Go's ``readGNUSparsePAXHeaders`` classification, and CPython's ``_proc_pax``
    one; they must agree.  Other ``GNU.sparse.*`` keys leave a regular file."""
    if not any(key.startswith(_SPARSE) for key in pax):
        return None
    major, minor = pax.get(_SPARSE_MAJOR, b""), pax.get(_SPARSE_MINOR, b"")
    go: str | None = None
    if major == b"0" and minor in (b"0", b"1"):
        go = "0.1"  # Go reads 0.0 and 0.1 alike, from GNU.sparse.map
    elif major == b"1" and minor == b"0":
        go = "1.0"
    elif not major and not minor and _SPARSE_MAP in pax:
        go = "0.1"
    py: str | None = None
    if _SPARSE_MAP in pax:
        py = "0.1"
    elif _SPARSE_SIZE in pax:
        py = "0.0"
    elif major == b"1" and minor == b"0":
        py = "1.0"
    if go != py:
        raise HeaderError(f"GNU sparse headers read as {go} by Go, {py} by CPython", AMBIGUOUS)
    if go is None and any(key in pax for key in (_SPARSE_NAME, _SPARSE_SIZE, _SPARSE_REAL)):
        raise HeaderError("GNU sparse keys on a member that is not sparse", AMBIGUOUS)
    return go


def _sparse_size(pax: dict[bytes, bytes], physical: int) -> int:
    """The real size: ``GNU.sparse.size``, else ``realsize``, else the data size."""
    if b"size" in pax:  # CPython's size then depends on the order of the records
        raise HeaderError("a pax size on a sparse member", AMBIGUOUS)
    sizes = {pax[key] for key in (_SPARSE_SIZE, _SPARSE_REAL) if key in pax}
    if len(sizes) > 1:
        raise HeaderError("GNU.sparse.size and realsize disagree", AMBIGUOUS)
    return pax_decimal(sizes.pop(), "sparse size") if sizes else physical


def _sparse_map_01(pax: dict[bytes, bytes]) -> tuple[tuple[int, int], ...]:
    """Go's ``readGNUSparseMap0x1``: ``numblocks`` pairs of offset,length."""
    count = pax_decimal(pax.get(_SPARSE_BLOCKS, b""), "sparse numblocks")
    numbers = pax.get(_SPARSE_MAP, b"").split(b",")
    if numbers == [b""]:
        numbers = []
    if len(numbers) != 2 * count:
        raise HeaderError("GNU.sparse.map does not hold numblocks entries")
    values = [pax_decimal(n, "sparse map entry") for n in numbers]
    return tuple(zip(values[::2], values[1::2], strict=True))

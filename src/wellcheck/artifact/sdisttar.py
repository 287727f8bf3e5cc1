"""Tar source distributions (plain, gzip, bzip2, xz), read the way pip unpacks them.

Members are catalogued with the tar reader's own header parser
(:func:`wellcheck.artifact.tarsafe.iter_members`, which refuses '..', NUL bytes and
overlong names) and read in place.  A compressed sdist is inflated once into a
private temporary directory, removed when the tree is closed; every byte produced
counts against the limits (total size, ratio, one member's size at its header).

pip 24-25 (``pip._internal.utils.unpacking.untar_file``) extracts an sdist with
CPython's ``tarfile`` and the PEP 706 ``data`` filter, after stripping the leading
directory every member shares (``has_leading_dir``).  Where that extraction could
put other bytes at a path than this catalogue does, the sdist is refused as hostile:

* a backslash in a name (``backslash-path``): pip's ``split_leading_dir`` splits on
  it, a POSIX reading does not, so the two could disagree about the top directory;
* a symlink with an absolute target, or one leading out of the directory pip builds
  from (``link-escape``): the data filter refuses both (AbsoluteLinkError,
  LinkOutsideDestinationError);
* a symlink whose target goes through another symlink (``link-through-symlink``):
  the OS resolves ``link/..`` physically, a lexical reading would not;
* a member below a symlink (``through-symlink``): extraction writes where the link leads;
* a regular file, link or hardlink whose name an earlier member already used
  (``duplicate-member``): ``tarfile`` opens an existing path for writing without
  unlinking it, so the later member is written through an earlier link or hardlink,
  and a reader that keeps the first copy would see other bytes than pip, which keeps
  the last.  The one exception: a regular file repeated with the very same bytes, no
  hardlink involved (pyarrow's sdists carry ``LICENSE.txt`` twice): every reading
  agrees, and it is read once, with a warning;
* a hardlink to anything but an earlier regular file (``hardlink-target``): ``tarfile``
  looks the target up among the earlier members only.

A leading '/' is stripped (the data filter strips it too).  Devices, FIFOs and sparse
members are skipped with a warning: the data filter refuses them, so pip installs
nothing from such an sdist.
"""

from __future__ import annotations

import io
import shutil
import tempfile
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from wellcheck.artifact.base import Entry, EntryKind, Tree
from wellcheck.artifact.common import ChildIndex, Warnings, follow_links
from wellcheck.artifact.limits import Limits
from wellcheck.artifact.sdistinflate import Packing, inflate_tar
from wellcheck.artifact.tarsafe import (
    Budget,
    MemberKind,
    TarMember,
    iter_members,
    open_slice,
)
from wellcheck.errors import HostileArtifactError

#: files of which one must sit in the source directory (pip needs setup.py or pyproject.toml)
SDIST_MARKERS = ("PKG-INFO", "setup.py", "pyproject.toml")


def split_leading_dir(path: str) -> tuple[str, str]:
    """pip's ``split_leading_dir`` (pip 24-25, ``utils/unpacking.py``): the first
    component and the rest, a backslash before the first '/' separating too."""
    path = path.lstrip("/").lstrip("\\")
    slash, backslash = path.find("/"), path.find("\\")
    if slash >= 0 and (backslash < 0 or slash < backslash):
        head, _, rest = path.partition("/")
    elif backslash >= 0:
        head, _, rest = path.partition("\\")
    else:
        head, rest = path, ""
    return head, rest


def leading_dir(paths: Iterable[str]) -> str:
    """The first component every path shares, or '' (pip's ``has_leading_dir``)."""
    common: str | None = None
    for path in paths:
        head = split_leading_dir(path)[0]
        if not head:
            return ""
        if common is None:
            common = head
        elif head != common:
            return ""
    return common or ""


def source_root(paths: Iterable[str], is_file: Callable[[str], bool]) -> str | None:
    """The directory pip would build from (:func:`leading_dir`, stripped as pip strips
    it), when one of :data:`SDIST_MARKERS` is a file there; None when it is no sdist.
    A name with a backslash may make an sdist here that a POSIX reading would not: the
    tar catalogue then refuses it (``backslash-path``), the zip reader always does."""
    paths = list(paths)
    root = leading_dir(paths)
    for path in paths:
        rest = split_leading_dir(path)[1] if root else path
        if rest in SDIST_MARKERS and is_file(path):
            return root
    return None


class SdistTarTree(Tree):
    """A tar sdist's members, catalogued once, read in place from one tar file."""

    concurrent_open = True  # every open() is an independent file handle

    def __init__(
        self,
        entries: Mapping[str, Entry],
        locations: Mapping[str, int],
        tar_file: str,
        *,
        limits: Limits,
        chain: tuple[str, ...],
        warnings: Warnings,
        workdir: str | None,
    ) -> None:
        self.chain = chain
        self._entries = entries
        self._locations = locations
        self._file = tar_file
        self._limits = limits
        self._warnings = warnings
        self._children: ChildIndex | None = None
        self._cleanup = weakref.finalize(self, _remove_dir, workdir) if workdir else None

    @property
    def warnings(self) -> tuple[str, ...]:
        return self._warnings.as_tuple()

    def entries(self) -> Mapping[str, Entry]:
        return self._entries

    def iter_dir(self, directory: str) -> Iterator[Entry]:
        if self._children is None:
            self._children = ChildIndex(self._entries)
        return self._children.iter_dir(directory)

    def open(self, path: str) -> BinaryIO:
        target = follow_links(self._entries, path, self._limits)
        size = self._entries[target].size
        if size == 0:
            return io.BytesIO(b"")
        return open_slice(self._file, self._locations[target], size, path)

    def close(self) -> None:
        if self._cleanup is not None:
            self._cleanup()


@dataclass(frozen=True)
class PlainTar:
    """A tar whose names make no sdist, already unpacked: ``tar_file``, inside
    ``workdir`` when it was inflated (None: the file itself).  Whoever receives it
    removes ``workdir`` (:func:`remove_workdir`)."""

    tar_file: str
    workdir: str | None


def open_tar_sdist(
    path: str, kind: Packing, limits: Limits, budget: Budget, chain: tuple[str, ...], label: str
) -> SdistTarTree:
    """Catalogue the tar at ``path`` with the sdist rules (the caller closes the tree).

    ``budget`` counts the bytes inflated (or, for a plain tar, its size once) and the
    members catalogued.  Raises ArtifactError, HostileArtifactError, LimitExceededError.
    """
    tar_file, workdir, members = _unpack(path, kind, limits, budget, label)
    return _tree(tar_file, workdir, members, limits, chain, label)


def open_tar_if_sdist(
    path: str, kind: Packing, limits: Limits, budget: Budget, label: str
) -> SdistTarTree | PlainTar:
    """:func:`open_tar_sdist` for a tar whose names make an sdist; any other tar is
    handed back as a :class:`PlainTar` before the sdist rules apply (for another reader)."""
    tar_file, workdir, members = _unpack(path, kind, limits, budget, label)
    if not _names_an_sdist(members):
        return PlainTar(tar_file, workdir)
    return _tree(tar_file, workdir, members, limits, (), label)


def _unpack(
    path: str, kind: Packing, limits: Limits, budget: Budget, label: str
) -> tuple[str, str | None, list[TarMember]]:
    """(the tar file, the work dir it was inflated into or None, its members)."""
    workdir = tempfile.mkdtemp(prefix="wellcheck-sdist-") if kind is not Packing.TAR else None
    try:
        tar_file = path if workdir is None else inflate_tar(path, kind, workdir, budget, label)
        size = Path(tar_file).stat().st_size
        if workdir is None:
            budget.add_bytes(size, label)
        return tar_file, workdir, list(iter_members(tar_file, 0, size, limits, budget, label))
    except BaseException:
        remove_workdir(workdir)
        raise


def _tree(
    tar_file: str,
    workdir: str | None,
    members: list[TarMember],
    limits: Limits,
    chain: tuple[str, ...],
    label: str,
) -> SdistTarTree:
    try:
        warnings = Warnings()
        entries, locations = _catalogue(members, warnings, label, _same_bytes(tar_file))
    except BaseException:
        remove_workdir(workdir)
        raise
    return SdistTarTree(
        entries, locations, tar_file, limits=limits, chain=chain, warnings=warnings, workdir=workdir
    )


def _names_an_sdist(members: list[TarMember]) -> bool:
    kept = [m for m in members if m.name and m.kind is not MemberKind.SPECIAL]
    files = {m.name for m in kept if m.kind is not MemberKind.DIR}
    return source_root((m.name for m in kept), files.__contains__) is not None


def _same_bytes(tar_file: str) -> Callable[[int, int, int], bool]:
    """Whether the ``size`` bytes at two offsets of ``tar_file`` are equal."""

    def same(first: int, second: int, size: int) -> bool:
        with Path(tar_file).open("rb") as fh:
            done = 0
            while done < size:
                step = min(_COMPARE_CHUNK, size - done)
                fh.seek(first + done)
                a = fh.read(step)
                fh.seek(second + done)
                if a != fh.read(step) or len(a) < step:
                    return False
                done += step
        return True

    return same


_COMPARE_CHUNK = 1024 * 1024


def _catalogue(
    members: list[TarMember],
    warnings: Warnings,
    label: str,
    same: Callable[[int, int, int], bool] | None = None,
) -> tuple[dict[str, Entry], dict[str, int]]:
    entries: dict[str, Entry] = {}
    locations: dict[str, int] = {}
    linked: set[str] = set()  # hardlinks and their targets: written through, never twice
    for member in members:
        name = member.name
        if not name:
            continue  # the root directory itself
        if "\\" in name:
            raise HostileArtifactError(name, "backslash-path")
        if member.kind is MemberKind.SPECIAL:
            warnings.add(f"{label}: skipped {name} ({member.detail}): pip refuses such members")
            continue
        previous = entries.get(name)
        if previous is not None and not (
            previous.kind is EntryKind.DIR and member.kind is MemberKind.DIR
        ):
            if _repeated(previous, member, locations.get(name), linked, same):
                warnings.add(f"{label}: {name} appears twice with the same bytes: read once")
                continue
            raise HostileArtifactError(name, "duplicate-member", "an earlier member has this name")
        if member.kind is MemberKind.HARDLINK:
            linked.update((name, member.linkname))
            target = entries.get(member.linkname)
            if target is None or target.kind is not EntryKind.FILE:
                why = f"{member.linkname!r} is not an earlier regular file"
                raise HostileArtifactError(name, "hardlink-target", why)
            entries[name] = Entry(name, EntryKind.FILE, target.size)
            locations[name] = locations[member.linkname]
        elif member.kind is MemberKind.FILE:
            entries[name] = Entry(name, EntryKind.FILE, member.size)
            locations[name] = member.offset
        elif member.kind is MemberKind.SYMLINK:
            entries[name] = Entry(name, EntryKind.SYMLINK, 0, member.linkname)
        else:
            entries[name] = Entry(name, EntryKind.DIR)
    _check_links(entries, leading_dir(list(entries)))
    return dict(sorted(entries.items())), locations


def _repeated(
    previous: Entry,
    member: TarMember,
    location: int | None,
    linked: set[str],
    same: Callable[[int, int, int], bool] | None,
) -> bool:
    """A regular file repeated with the same bytes, no hardlink involved."""
    return (
        same is not None
        and location is not None
        and previous.kind is EntryKind.FILE
        and member.kind is MemberKind.FILE
        and member.name not in linked
        and previous.size == member.size
        and same(location, member.offset, member.size)
    )


def _check_links(entries: Mapping[str, Entry], root: str) -> None:
    """Refuse what pip's extraction would place or resolve differently (module doc)."""
    links = {path for path, entry in entries.items() if entry.kind is EntryKind.SYMLINK}
    if not links:
        return
    for path in entries:
        parent = path.rpartition("/")[0]
        while parent:
            if parent in links:
                raise HostileArtifactError(path, "through-symlink", f"{parent!r} is a symlink")
            parent = parent.rpartition("/")[0]
    floor = root.count("/") + 1 if root else 0
    for path in sorted(links):
        target = entries[path].link_target or ""
        if target.startswith("/") or "\x00" in target:
            raise HostileArtifactError(path, "link-escape", f"absolute target {target!r}")
        parts = path.split("/")[:-1]
        steps = [p for p in target.split("/") if p not in ("", ".")]
        for index, part in enumerate(steps):
            if part == "..":
                if len(parts) <= floor:
                    raise HostileArtifactError(path, "link-escape", f"{target!r} leads out")
                parts.pop()
                continue
            parts.append(part)
            if index < len(steps) - 1 and "/".join(parts) in links:
                raise HostileArtifactError(path, "link-through-symlink", f"target {target!r}")


def remove_workdir(path: str | None) -> None:
    if path is not None:
        _remove_dir(path)


def _remove_dir(path: str) -> None:
    shutil.rmtree(path, ignore_errors=True)

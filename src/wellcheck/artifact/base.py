"""The artifact seam: every artifact kind opens into one or more read-only Trees.

A Tree is a flat, already-normalised view of a filesystem inside an artifact:
paths are relative posix paths without '.', '..', or a leading '/'.  Links are
recorded, never followed outside the tree.  Readers enforce Limits on the bytes
they actually decompress.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import BinaryIO

from wellcheck.artifact.limits import Limits
from wellcheck.models import ArtifactInfo


class EntryKind(StrEnum):
    FILE = "file"
    DIR = "dir"
    SYMLINK = "symlink"


@dataclass(frozen=True)
class Entry:
    path: str  # normalised relative posix path
    kind: EntryKind
    size: int = 0  # uncompressed size (as declared; readers enforce on actual bytes)
    link_target: str | None = None  # for symlinks, verbatim
    layer: str | None = None  # image layer digest that provided this entry


#: sha256 (hex) and byte count of one file, as ``Tree.hash_files`` returns them
FileDigest = tuple[str, int]
HASH_CHUNK = 1024 * 1024  # read size when hashing: big enough that zlib/hashlib drop the GIL


def file_digest(data: bytes) -> FileDigest:
    """sha256 and length of a whole file's bytes (what ``hash_stream`` gives for it)."""
    import hashlib

    return hashlib.sha256(data).hexdigest(), len(data)


def hash_stream(fh: BinaryIO) -> FileDigest:
    """sha256 and length of everything ``fh`` yields, streamed in HASH_CHUNK reads."""
    import hashlib

    digest = hashlib.sha256()
    size = 0
    while chunk := fh.read(HASH_CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


class Tree(abc.ABC):
    """A read-only filesystem view.  Readers are cheap to call repeatedly."""

    #: nested archives leading to this tree, outermost first; () for the artifact itself
    chain: tuple[str, ...] = ()
    #: members a scan reads (code, start-up hooks, metadata) that this reader cannot
    #: decode (an unsupported compression method, encryption), as "path: reason"; the
    #: scan reports each one as not read (incomplete, exit 3), never as clean
    unread: tuple[str, ...] = ()

    @abc.abstractmethod
    def entries(self) -> Mapping[str, Entry]:
        """Every entry by normalised path (directories may be implicit, i.e. absent)."""

    @abc.abstractmethod
    def open(self, path: str) -> BinaryIO:
        """Stream a regular file's bytes; raises ArtifactError/LimitExceededError."""

    def read_bytes(self, path: str, limit: int | None = None) -> bytes:
        """Read a whole regular file, refusing more than ``limit`` bytes."""
        from wellcheck.errors import LimitExceededError

        with self.open(path) as fh:
            if limit is None:
                return fh.read()
            data = fh.read(limit + 1)
        if len(data) > limit:
            raise LimitExceededError(path, "max_metadata_size", f"larger than {limit} bytes")
        return data

    def iter_dir(self, directory: str) -> Iterator[Entry]:
        """Direct children of ``directory`` ('' is the root).  O(n) default."""
        prefix = f"{directory}/" if directory else ""
        seen: set[str] = set()
        for path, entry in self.entries().items():
            if not path.startswith(prefix) or path == directory:
                continue
            rest = path[len(prefix) :]
            head, sep, _ = rest.partition("/")
            if sep:
                child = f"{prefix}{head}"
                if child not in seen:
                    seen.add(child)
                    yield self.entries().get(child) or Entry(child, EntryKind.DIR)
            elif path not in seen:
                seen.add(path)
                yield entry

    #: a reader sets this when ``open`` may run in several threads at once (independent
    #: streams, thread-safe limit accounting); ``hash_files`` then uses worker threads
    concurrent_open: bool = False

    def hash_files(self, paths: Iterable[str], *, workers: int = 1) -> dict[str, FileDigest]:
        """sha256 and size of each regular file in ``paths``, streamed in 1 MiB chunks.

        Paths that are not regular files (absent, directory, symlink) and files the reader
        cannot read (a plain ArtifactError) are left out of the result; hostile-artifact and
        limit errors propagate.  With ``workers`` > 1 and ``concurrent_open`` the files are
        spread over that many threads, balanced by size.  Files whose digests the tree
        was given (``remember_digests``) are not read again.  Readers may override this.
        """
        entries = self.entries()
        known = self.known_digests()
        digests: dict[str, FileDigest] = {}
        sizes: dict[str, int] = {}
        for path in paths:
            entry = entries.get(path)
            if entry is None or entry.kind is not EntryKind.FILE:
                continue
            if path in known:
                digests[path] = known[path]
            else:
                sizes[path] = entry.size
        if workers <= 1 or not self.concurrent_open or len(sizes) < 2:
            digests.update(self._hash_serially(list(sizes)))
            return digests
        shards: list[list[str]] = [[] for _ in range(workers)]
        loads = [0] * workers
        for path in sorted(sizes, key=sizes.__getitem__, reverse=True):
            lightest = loads.index(min(loads))
            shards[lightest].append(path)
            loads[lightest] += sizes[path]
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(workers, thread_name_prefix="wellcheck-hash") as pool:
            for part in pool.map(self._hash_serially, shards):
                digests.update(part)
        return digests

    def remember_digests(self, digests: Mapping[str, FileDigest]) -> None:
        """Keep the digests (``file_digest``) of regular files that were read whole
        through this tree's reader, or a reopened copy of it in another process, with
        every check its ``open`` makes: ``hash_files`` returns them instead of reading
        those files again (the behaviour check reads every Python file; the integrity
        check, after it, hashes them)."""
        remembered: dict[str, FileDigest] = vars(self).setdefault("_remembered_digests", {})
        remembered.update(digests)

    def known_digests(self) -> Mapping[str, FileDigest]:
        """The digests ``remember_digests`` kept, by path."""
        remembered: dict[str, FileDigest] = vars(self).get("_remembered_digests", {})
        return remembered

    def reopener(self) -> Callable[[], Tree] | None:
        """A picklable callable opening an independent copy of this tree (in a worker
        process), e.g. ``functools.partial(open_zip_file, path, ...)``; None when the tree
        cannot be reopened (in memory, nested).  Integrity hashing uses it to spread the
        work over processes when threads would contend for the GIL."""
        return None

    def _hash_serially(self, paths: list[str]) -> dict[str, FileDigest]:
        from wellcheck.errors import ArtifactError, HostileArtifactError

        digests: dict[str, FileDigest] = {}
        for path in paths:
            try:
                with self.open(path) as fh:
                    digests[path] = hash_stream(fh)
            except HostileArtifactError:
                raise
            except ArtifactError:
                continue
        return digests

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release file handles; trees for nested archives are closed by their parent."""


@dataclass
class OpenedArtifact:
    """An artifact opened for reading: its identity and its trees."""

    info: ArtifactInfo
    trees: list[Tree]  # the artifact's own tree first, then nested archives
    not_scanned: list[str]  # nested archives skipped (depth limit...), with the reason

    def close(self) -> None:
        for tree in self.trees:
            tree.close()

    def __enter__(self) -> OpenedArtifact:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class ArtifactReader(abc.ABC):
    """One implementation per artifact kind; registered in wellcheck.artifact.open."""

    kind: str

    @abc.abstractmethod
    def matches(self, path: str, head: bytes) -> bool:
        """Content sniffing: ``head`` is the first 4 KiB (b'' for directories)."""

    @abc.abstractmethod
    def open(self, path: str, limits: Limits) -> OpenedArtifact:
        """Open the artifact; raise ArtifactError or HostileArtifactError."""

"""Where an image's files live: inside an outer tar, or in an OCI layout directory.

Both sources answer the same questions: does a name exist, where are its bytes
(file, offset, size), and what does a small JSON file say.  Names are looked
up in the source's own namespace; links inside an outer tar are followed only
inside it, and an OCI directory is never left (containment by resolved path).

A blob read by digest (index, manifest, config; a layer whose content no
``diff_id`` covers) must hash to that digest and have the size its descriptor
declares: otherwise it is hostile (``digest-mismatch``, ``size-mismatch``).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wellcheck.artifact.limits import Limits
from wellcheck.artifact.paths import lexical_target
from wellcheck.artifact.tarsafe import Budget, MemberKind, TarMember, iter_members, open_slice
from wellcheck.errors import ArtifactError, HostileArtifactError, LimitExceededError

_DIGEST = re.compile(r"^(sha256|sha384|sha512):([0-9a-f]{64,128})$")
_HEX_LENGTH = {"sha256": 64, "sha384": 96, "sha512": 128}
# a docker-save config named by its digest: "<hex>.json" (docker, podman), "sha256:<hex>" (crane)
_CONFIG_NAME = re.compile(r"^(?:([0-9a-f]{64})\.json|sha256:([0-9a-f]{64}))$")
_INDEX_DEPTH = 3  # members deeper than this in an outer tar are not image metadata


@dataclass(frozen=True)
class Location:
    file: str  # a file on disk
    offset: int
    size: int


def blob_name(digest: object) -> str:
    """``blobs/<algorithm>/<hex>`` for a digest; anything else is refused."""
    match = _DIGEST.match(digest) if isinstance(digest, str) else None
    if match is None or len(match.group(2)) != _HEX_LENGTH[match.group(1)]:
        raise HostileArtifactError(str(digest)[:100], "invalid-digest")
    return f"blobs/{match.group(1)}/{match.group(2)}"


def digest_in_name(name: str, *, config: bool = False) -> str | None:
    """The digest a member's name claims for its content: ``blobs/<alg>/<hex>``, and
    for a docker-save config also ``<hex>.json`` or ``sha256:<hex>``; else None."""
    parts = name.split("/")
    if len(parts) == 3 and parts[0] == "blobs":
        digest = f"{parts[1]}:{parts[2]}"
        match = _DIGEST.match(digest)
        if match and len(match.group(2)) == _HEX_LENGTH[match.group(1)]:
            return digest
        return None
    match = _CONFIG_NAME.match(name) if config else None
    return f"sha256:{match.group(1) or match.group(2)}" if match else None


def check_size(name: str, size: int, declared: int | None, what: str) -> None:
    """A blob must have the size its descriptor declares (when it declares one)."""
    if declared is not None and declared != size:
        raise HostileArtifactError(
            name, "size-mismatch", f"the {what} has {size} bytes, its descriptor says {declared}"
        )


def check_digest(name: str, digest: str, actual: str, what: str) -> None:
    """``actual`` (hex) must be the hex of ``digest``; the error names the blob."""
    algorithm, _, expected = digest.partition(":")
    if actual != expected.lower():
        raise HostileArtifactError(
            name, "digest-mismatch", f"the {what} hashes to {algorithm}:{actual}"
        )


def verify_location(where: Location, digest: str, name: str, what: str) -> None:
    """The bytes at ``where`` must hash to ``digest`` (read once, in 1 MiB chunks)."""
    hasher = hashlib.new(digest.partition(":")[0])
    with open_slice(where.file, where.offset, where.size, name) as fh:
        while chunk := fh.read(1024 * 1024):
            hasher.update(chunk)
    check_digest(name, digest, hasher.hexdigest(), what)


class ImageSource:
    label: str

    def exists(self, name: str) -> bool:
        raise NotImplementedError

    def locate(self, name: str) -> Location:
        raise NotImplementedError

    def read_json(
        self,
        name: str,
        limits: Limits,
        *,
        digest: str | None = None,
        size: int | None = None,
        what: str = "",
    ) -> Any:
        """A small JSON file; with ``digest`` (and ``size``) its bytes are verified first."""
        where = self.locate(name)
        check_size(name, where.size, size, what)
        if where.size > limits.max_metadata_size:
            raise LimitExceededError(name, "max_metadata_size", f"{where.size} bytes")
        with open_slice(where.file, where.offset, where.size, name) as fh:
            data = fh.read()
        if digest is not None:
            actual = hashlib.new(digest.partition(":")[0], data).hexdigest()
            check_digest(name, digest, actual, what)
        try:
            return json.loads(data)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ArtifactError(f"{self.label}: {name} is not valid JSON ({exc})") from exc
        except RecursionError:  # json.loads recurses once per nesting level
            raise ArtifactError(f"{self.label}: {name} is JSON nested too deeply") from None

    def read_descriptor(self, descriptor: Mapping[str, Any], limits: Limits, what: str) -> Any:
        """The JSON blob an OCI descriptor points to, checked against its digest and size."""
        digest = descriptor.get("digest")
        name = blob_name(digest)
        size = descriptor.get("size")
        if size is not None and (not isinstance(size, int) or isinstance(size, bool) or size < 0):
            raise ArtifactError(f"{self.label}: the {what} descriptor has a malformed size")
        return self.read_json(name, limits, digest=str(digest), size=size, what=what)


class TarSource(ImageSource):
    """The top-level members of an uncompressed tar (docker save, OCI tar)."""

    def __init__(self, path: str, label: str, limits: Limits) -> None:
        self.path, self.label, self.limits = path, label, limits
        self._members: dict[str, TarMember] = {}
        size = Path(path).stat().st_size
        for member in iter_members(path, 0, size, limits, Budget(limits), label):
            if member.name and member.name.count("/") < _INDEX_DEPTH:
                self._members[member.name] = member  # duplicate names: last wins

    def exists(self, name: str) -> bool:
        return name in self._members

    def locate(self, name: str) -> Location:
        hops = 0
        while True:
            member = self._members.get(name)
            if member is None:
                raise ArtifactError(f"{self.label}: {name} is missing from the archive")
            if member.kind is MemberKind.FILE and member.sparse is not None:
                raise ArtifactError(f"{self.label}: {name} is a sparse member, not an image blob")
            if member.kind is MemberKind.FILE:
                return Location(self.path, member.offset, member.size)
            if member.kind not in (MemberKind.SYMLINK, MemberKind.HARDLINK):
                raise ArtifactError(f"{self.label}: {name} is not a regular file")
            hops += 1
            if hops > self.limits.max_symlink_depth:
                raise LimitExceededError(name, "max_symlink_depth", "link loop or chain too deep")
            if member.kind is MemberKind.HARDLINK:
                name = member.linkname
                continue
            target = lexical_target(name, member.linkname)
            if not target:
                raise HostileArtifactError(name, "link-escape", f"-> {member.linkname}")
            name = target


class DirectorySource(ImageSource):
    """An OCI image layout directory; nothing outside it is ever opened."""

    def __init__(self, root: str) -> None:
        self.root = os.path.realpath(root)
        self.label = root

    def _path(self, name: str) -> str:
        full = os.path.realpath(Path(self.root).joinpath(*name.split("/")))
        if os.path.commonpath([self.root, full]) != self.root:
            raise HostileArtifactError(name, "link-escape", "leaves the image directory")
        return full

    def exists(self, name: str) -> bool:
        return Path(self._path(name)).is_file()

    def locate(self, name: str) -> Location:
        full = self._path(name)
        if not Path(full).is_file():
            raise ArtifactError(f"{self.label}: {name} is missing from the image layout")
        return Location(full, 0, Path(full).stat().st_size)

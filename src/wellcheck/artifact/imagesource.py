"""Where an image's files live: inside an outer tar, or in an OCI layout directory.

Both sources answer the same questions: does a name exist, where are its bytes
(file, offset, size), and what does a small JSON file say.  Names are looked
up in the source's own namespace; links inside an outer tar are followed only
inside it, and an OCI directory is never left (containment by resolved path).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wellcheck.artifact.limits import Limits
from wellcheck.artifact.paths import lexical_target
from wellcheck.artifact.tarsafe import Budget, MemberKind, TarMember, iter_members, open_slice
from wellcheck.errors import ArtifactError, HostileArtifactError, LimitExceededError

_DIGEST = re.compile(r"^(sha256|sha384|sha512):([0-9a-f]{64,128})$")
_INDEX_DEPTH = 3  # members deeper than this in an outer tar are not image metadata


@dataclass(frozen=True)
class Location:
    file: str  # a file on disk
    offset: int
    size: int


def blob_name(digest: object) -> str:
    """``blobs/<algorithm>/<hex>`` for a digest; anything else is refused."""
    match = _DIGEST.match(digest) if isinstance(digest, str) else None
    if match is None:
        raise HostileArtifactError(str(digest)[:100], "invalid-digest")
    return f"blobs/{match.group(1)}/{match.group(2)}"


class ImageSource:
    label: str

    def exists(self, name: str) -> bool:
        raise NotImplementedError

    def locate(self, name: str) -> Location:
        raise NotImplementedError

    def read_json(self, name: str, limits: Limits) -> Any:
        where = self.locate(name)
        if where.size > limits.max_metadata_size:
            raise LimitExceededError(name, "max_metadata_size", f"{where.size} bytes")
        with open_slice(where.file, where.offset, where.size, name) as fh:
            data = fh.read()
        try:
            return json.loads(data)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ArtifactError(f"{self.label}: {name} is not valid JSON ({exc})") from exc


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

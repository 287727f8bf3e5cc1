"""Normalising archive member names, refusing the hostile ones.

Every reader passes each member name through :func:`normalise_member` before it
is used for anything.  The result is a relative posix path with no empty, '.'
or '..' components; anything that would escape the root is refused, never
clamped.  Link targets are resolved with :func:`resolve_link` inside the tree's
own namespace, never on the real filesystem.
"""

from __future__ import annotations

import re

from wellcheck.errors import HostileArtifactError

_DRIVE = re.compile(r"^[A-Za-z]:")
MAX_NAME_LENGTH = 4096


def normalise_member(name: str, *, allow_root: bool = False) -> str:
    """Return the safe relative path for an archive member name.

    Refuses: absolute paths, drive letters, UNC paths, backslashes used as
    separators, NUL bytes, '..' components and overlong names.  A member that
    names the root itself ('./', '.') returns '' when ``allow_root`` is true.
    """
    if "\x00" in name:
        raise HostileArtifactError(name.replace("\x00", "\\x00"), "nul-byte-in-name")
    if len(name) > MAX_NAME_LENGTH:
        raise HostileArtifactError(name[:80] + "...", "name-too-long")
    if "\\" in name:
        raise HostileArtifactError(name, "backslash-path")
    if name.startswith("/") or _DRIVE.match(name):
        raise HostileArtifactError(name, "absolute-path")
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if parts and _DRIVE.match(parts[0]):  # './C:/x' would become the drive path 'C:/x'
        raise HostileArtifactError(name, "absolute-path")
    if any(p == ".." for p in parts):
        raise HostileArtifactError(name, "path-traversal")
    path = "/".join(parts)
    if not path and not allow_root:
        raise HostileArtifactError(name, "empty-name")
    return path


def resolve_link(link_path: str, target: str) -> str | None:
    """Resolve a symlink target relative to the link, inside the tree.

    Returns the normalised path the link points at, or None when the target
    leaves the tree (absolute targets are taken as tree-absolute, like a
    container runtime would, but '..' past the root is an escape).  Targets with
    a NUL byte or a backslash are refused (None).
    """
    if "\x00" in target or "\\" in target:
        return None
    return lexical_target(link_path, target)


def lexical_target(link_path: str, target: str) -> str | None:
    """Where a symlink points, resolved lexically in the tree; None when it leaves it.

    Absolute targets are tree-root-relative.  Unlike :func:`resolve_link`, any
    character is allowed (image layers treat backslashes as ordinary characters).
    """
    base = "" if target.startswith("/") else link_path.rpartition("/")[0]
    parts = [p for p in base.split("/") if p]
    for part in target.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                return None
            parts.pop()
        else:
            parts.append(part)
    return "/".join(parts)

"""Property tests (Hypothesis) for member-name normalisation and link resolution.

``normalise_member`` either refuses a name (HostileArtifactError) or returns a
path that is relative, free of '.', '..' and empty parts, has no backslash or
NUL, and is a fixed point.  ``resolve_link`` never returns a path that climbs
out of the tree, and agrees with a reference resolution on the real filesystem
semantics (posixpath.normpath under a fake root).
"""

from __future__ import annotations

import posixpath

from hypothesis import example, given
from hypothesis import strategies as st

from wellcheck.artifact.paths import MAX_NAME_LENGTH, normalise_member, resolve_link
from wellcheck.errors import HostileArtifactError

PIECES = st.sampled_from(["a", "b", "..", ".", "", "/", "\\", "C:", "\x00", "é", " ", "..."])
NAMES = st.lists(PIECES, max_size=12).map("".join) | st.text(max_size=60)
SEGMENT = st.sampled_from(["a", "b", "c", "..", ".", ""])
RELATIVE = st.lists(SEGMENT, max_size=8).map("/".join)
LINK_PATH = st.lists(st.sampled_from(["a", "b", "c"]), min_size=1, max_size=5).map("/".join)
TARGET = st.tuples(st.booleans(), RELATIVE).map(lambda t: ("/" if t[0] else "") + t[1])


def _is_safe(path: str) -> bool:
    parts = path.split("/")
    return (
        not path.startswith("/")
        and "\\" not in path
        and "\x00" not in path
        and (path == "" or all(p not in ("", ".", "..") for p in parts))
    )


@given(NAMES, st.booleans())
@example("C:/evil", False)
@example("./C:/evil", False)
@example("./C:", True)
@example("\\\\server\\share", False)
@example("a/../../b", False)
@example("./", True)
def test_normalised_names_are_safe_and_idempotent(name: str, allow_root: bool) -> None:
    try:
        path = normalise_member(name, allow_root=allow_root)
    except HostileArtifactError as exc:
        assert exc.rule in {
            "nul-byte-in-name",
            "name-too-long",
            "backslash-path",
            "absolute-path",
            "path-traversal",
            "empty-name",
        }
        return
    assert _is_safe(path)
    assert path or allow_root
    assert len(path) <= MAX_NAME_LENGTH
    assert normalise_member(path, allow_root=True) == path
    # the same file: only '.' and empty parts were dropped
    assert [p for p in name.split("/") if p not in ("", ".")] == (path.split("/") if path else [])


@given(LINK_PATH, TARGET)
@example("a/b", "../../..")
@example("a", "/")
@example("a/b", "/../x")
def test_resolved_links_stay_inside_and_match_a_reference(link: str, target: str) -> None:
    resolved = resolve_link(link, target)
    base = "/" if target.startswith("/") else "/" + posixpath.dirname(link)
    # reference: walk the parts, refusing to pop past the root (like the tree does)
    depth_ok = True
    parts: list[str] = [p for p in base.split("/") if p]
    for part in target.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                depth_ok = False
                break
            parts.pop()
        else:
            parts.append(part)
    if not depth_ok:
        assert resolved is None
        return
    assert resolved is not None and _is_safe(resolved)
    assert resolved == "/".join(parts)
    assert posixpath.normpath("/root/" + resolved).startswith("/root")
    if resolved:
        assert resolve_link(link, "/" + resolved) == resolved  # tree-absolute round trip


@given(LINK_PATH, st.text(max_size=20))
def test_links_with_nul_or_backslash_never_resolve(link: str, target: str) -> None:
    resolved = resolve_link(link, target)
    if "\x00" in target or "\\" in target:
        assert resolved is None
    elif resolved is not None:
        assert _is_safe(resolved) or resolved == ""

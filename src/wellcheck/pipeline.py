"""The first two stages, joined: open an artifact, inventory every tree in it."""

from __future__ import annotations

from collections.abc import Callable

from wellcheck.artifact import open_artifact
from wellcheck.artifact.limits import DEFAULT_LIMITS, Limits
from wellcheck.inventory import collect
from wellcheck.models import ArtifactInfo, Component


class Inventory:
    """One artifact: its identity, its components, the nested archives not opened.

    ``artifact`` may be given as a function returning it, called on first read:
    the artifact's sha256 is computed in a background thread, and waiting for it
    only when a report needs it lets it overlap the work in between (importing
    and building the SBOM library's model: ~60 ms on a 150 MB zip).
    """

    __slots__ = ("_artifact", "_preview", "components", "not_scanned")

    def __init__(
        self,
        artifact: ArtifactInfo | Callable[[], ArtifactInfo],
        components: tuple[Component, ...],
        not_scanned: tuple[str, ...],  # nested archives not opened, members not read: why
        *,
        preview: ArtifactInfo | None = None,
    ) -> None:
        self._artifact = artifact
        self._preview = preview
        self.components = components
        self.not_scanned = not_scanned

    @property
    def artifact(self) -> ArtifactInfo:
        if not isinstance(self._artifact, ArtifactInfo):
            self._artifact = self._artifact()
        return self._artifact

    @property
    def artifact_preview(self) -> ArtifactInfo:
        """``artifact`` without waiting: all but ``sha256`` and ``size``, which may be
        unset still (path, kind, Python version, layers and warnings are final)."""
        if isinstance(self._artifact, ArtifactInfo) or self._preview is None:
            return self.artifact
        return self._preview

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Inventory):
            return NotImplemented
        return (self.artifact, self.components, self.not_scanned) == (
            other.artifact,
            other.components,
            other.not_scanned,
        )

    __hash__ = None  # type: ignore[assignment]  # mutable-looking value: not hashable

    def __repr__(self) -> str:
        return (
            f"Inventory(artifact={self.artifact!r}, components=<{len(self.components)}>, "
            f"not_scanned={self.not_scanned!r})"
        )


def inventory_artifact(path: str, limits: Limits = DEFAULT_LIMITS) -> Inventory:
    """Open ``path`` safely and list every component in it (nested archives included);
    for an SBOM, the components it lists.

    Raises WellcheckError subclasses; one about hashing the artifact (it became
    unreadable mid-way) is raised when ``artifact`` is first read.
    """
    from wellcheck.artifact.digest import DigestingArtifact
    from wellcheck.artifact.sbomfile import listed_components

    opened = open_artifact(path, limits)
    try:
        known = opened.info_before_digest if isinstance(opened, DigestingArtifact) else opened.info
        components: list[Component] = list(listed_components(opened) or ())
        for tree in opened.trees:
            components.extend(collect(tree, artifact_python=known.python_version))
        unread = (f"member not read: {what}" for tree in opened.trees for what in tree.unread)
        not_scanned = (*opened.not_scanned, *unread)
    except BaseException:
        opened.close()
        raise
    if isinstance(opened, DigestingArtifact):
        opened.close_trees()  # the sha256 goes on in the background
        return Inventory(lambda: opened.info, tuple(components), not_scanned, preview=known)
    opened.close()
    return Inventory(opened.info, tuple(components), not_scanned)

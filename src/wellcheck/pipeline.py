"""The first two stages, joined: open an artifact, inventory every tree in it."""

from __future__ import annotations

from dataclasses import dataclass

from wellcheck.artifact import open_artifact
from wellcheck.artifact.limits import DEFAULT_LIMITS, Limits
from wellcheck.inventory import collect
from wellcheck.models import ArtifactInfo, Component


@dataclass(frozen=True)
class Inventory:
    artifact: ArtifactInfo
    components: tuple[Component, ...]
    not_scanned: tuple[str, ...]  # nested archives that were not opened, with the reason


def inventory_artifact(path: str, limits: Limits = DEFAULT_LIMITS) -> Inventory:
    """Open ``path`` safely and list every component in it (nested archives included)."""
    with open_artifact(path, limits) as opened:
        components: list[Component] = []
        for tree in opened.trees:
            components.extend(collect(tree, artifact_python=opened.info.python_version))
        return Inventory(opened.info, tuple(components), tuple(opened.not_scanned))

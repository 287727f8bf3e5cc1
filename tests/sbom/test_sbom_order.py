"""Components are added to the BOM pre-sorted in the library's own order."""

from __future__ import annotations

import itertools
import random

from cyclonedx.model.component import Component, ComponentType
from sortedcontainers import SortedSet

from wellcheck.sbom.cyclonedx import _order


def test_the_presort_key_is_the_library_order() -> None:
    components = [
        Component(type=kind, name=name, version=version, group=group, bom_ref=f"r{n}")
        for n, (kind, name, version, group) in enumerate(
            itertools.product(
                (ComponentType.LIBRARY, ComponentType.FILE, ComponentType.APPLICATION),
                ("b", "a", "A"),
                (None, "1.0", "0.9", ""),
                (None, "g"),
            )
        )
    ]
    components += [
        Component(type=ComponentType.LIBRARY, name="a", bom_ref=f"dup{n}") for n in (2, 1)
    ]
    library = list(SortedSet(components))
    shuffled = random.Random(1).sample(components, len(components))
    ours = sorted(shuffled, key=_order)
    assert len(ours) == len(library)
    assert all(a is b for a, b in zip(ours, library, strict=True))

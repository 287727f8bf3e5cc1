"""Bounds on the analysis of one file: bytes, syntax nodes, facts, decoded bytes, time.

A file that reaches a bound is not analysed further and is reported as "not
checked" with the bound it hit (``BoundExceeded``), never as clean.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from wellcheck.signals.behaviour.fold import FoldBudget


@dataclass(frozen=True)
class Bounds:
    """Per-file limits.  The defaults leave the largest legitimate files measured
    (docs/behaviour.md) far inside and stop hostile ones within about a second."""

    max_bytes: int = 8 * 1024 * 1024  # source bytes parsed
    max_read: int = 64 * 1024 * 1024  # bytes read for the prefilter
    max_nodes: int = 2_000_000  # syntax nodes walked, nested literals included
    max_seconds: float = 5.0  # wall time walking one file
    max_decoded: int = 8 * 1024 * 1024  # bytes produced by folding and decoding literals
    max_facts: int = 5_000  # facts kept per file (more are dropped, not an error)

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if value <= 0:
                raise ValueError(f"behaviour bound {name} must be positive, got {value}")


class BoundExceeded(Exception):
    """The file hit a bound: its analysis stops and it is reported as not checked."""


class Budget:
    """What one file's analysis may still spend; shared with literals walked inside it."""

    def __init__(self, bounds: Bounds) -> None:
        self.bounds = bounds
        self.nodes = 0
        self.facts = 0
        self.deadline = time.monotonic() + bounds.max_seconds
        self.fold = FoldBudget(bounds.max_decoded)

    def tick(self) -> None:
        self.nodes += 1
        if self.nodes > self.bounds.max_nodes:
            raise BoundExceeded(f"more than {self.bounds.max_nodes} syntax nodes")
        if self.nodes & 0xFFF == 0 and time.monotonic() > self.deadline:
            raise BoundExceeded(f"analysis took longer than {self.bounds.max_seconds:g} s")

    def fact(self) -> None:
        self.facts += 1

    @property
    def full(self) -> bool:
        return self.facts >= self.bounds.max_facts

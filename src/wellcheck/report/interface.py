"""The report seam: one Reporter per output format, one file each.

A reporter turns a scan outcome and its verdict into text.  It is emitted also
when nothing was found, and it never decides anything (the verdict is given).
"""

from __future__ import annotations

import abc
from dataclasses import dataclass

from wellcheck.models import ScanOutcome
from wellcheck.policy import Verdict


@dataclass(frozen=True)
class ShardInfo:
    """Which part of a sharded scan (``--shard K/N``) a report holds, for ``wellcheck merge``."""

    index: int  # K, 1-based
    count: int  # N
    total: int  # arguments in the whole, unsharded list


#: table width off a terminal (CI logs are wide; a pipe has no width of its own)
DEFAULT_WIDTH = 120


@dataclass(frozen=True)
class ReportOptions:
    color: bool = False  # ANSI colours (table only); the CLI sets it for a TTY without NO_COLOR
    width: int = DEFAULT_WIDTH  # table columns; the CLI passes the terminal's (or COLUMNS)
    reproducible: bool = False  # no timestamps or random serials (golden tests)
    shard: ShardInfo | None = None  # json/jsonl: record the shard (and positions) for merge
    positions: tuple[int, ...] = ()  # per result: its argument's position (empty: its index)


class Reporter(abc.ABC):
    name: str  # the --format value
    extension: str  # suggested file suffix, e.g. ".sarif"

    def __init__(self, options: ReportOptions | None = None) -> None:
        self.options = options or ReportOptions()

    @abc.abstractmethod
    def render(self, outcome: ScanOutcome, verdict: Verdict) -> str:
        """The whole report as text (ending with a newline)."""

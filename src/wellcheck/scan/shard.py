"""``--shard K/N``: which of the given artifacts one process of a fleet scans."""

from __future__ import annotations

import re
from dataclasses import dataclass

from wellcheck.errors import WellcheckError


class ShardError(WellcheckError):
    """``--shard`` is not K/N with 1 <= K <= N (usage error, exit 2)."""


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` of ``count`` (1-based): argument i belongs to shard (i % count) + 1."""

    index: int
    count: int

    def __post_init__(self) -> None:
        if self.count < 1 or not 1 <= self.index <= self.count:
            raise ShardError(f"--shard must be K/N with 1 <= K <= N, got {self}")

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    @classmethod
    def parse(cls, text: str) -> Shard:
        match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
        if match is None:
            raise ShardError(f"--shard takes K/N, e.g. 2/4; got {text!r}")
        return cls(int(match.group(1)), int(match.group(2)))

    def positions(self, total: int) -> tuple[int, ...]:
        """The argument positions (0-based, in the order given) this shard scans."""
        return tuple(i for i in range(total) if i % self.count == self.index - 1)

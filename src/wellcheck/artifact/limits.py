"""Archive limits: one validated object, enforced on bytes actually read."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

from wellcheck.errors import WellcheckError

MiB = 1024 * 1024
GiB = 1024 * MiB


@dataclass(frozen=True)
class Limits:
    max_member_size: int = 2 * GiB  # one decompressed member
    max_total_size: int = 16 * GiB  # all decompressed bytes of one artifact
    max_ratio: float = 250.0  # decompressed / compressed, per member above 1 MiB
    max_members: int = 1_000_000  # entries in one archive (or all image layers)
    max_depth: int = 3  # nested archives (a .whl in a .zip in a .tar) below the top
    max_symlink_depth: int = 40  # links followed while resolving one path
    max_metadata_size: int = 32 * MiB  # one metadata file read into memory
    max_layers: int = 512  # image layers

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if not isinstance(value, int | float) or value <= 0:
                raise WellcheckError(f"limit {f.name} must be a positive number, got {value!r}")
        if self.max_member_size > self.max_total_size:
            raise WellcheckError("limit max_member_size cannot exceed max_total_size")


DEFAULT_LIMITS = Limits()


def with_values(base: Limits, changes: Mapping[str, float | int]) -> Limits:
    """``base`` with ``changes`` (field names) applied, validated.

    A ``max_total_size`` below the member size lowers ``max_member_size`` to it,
    unless ``changes`` sets a member size too (then a member size above the total is
    an error): one member can never produce more than the whole artifact may.
    """
    total = changes.get("max_total_size")
    if total is not None and "max_member_size" not in changes:
        changes = {**changes, "max_member_size": min(base.max_member_size, int(total))}
    values: dict[str, Any] = {name: getattr(base, name) for name in _LIMIT_NAMES}
    return Limits(**(values | dict(changes)))


_UNITS = {"": 1, "k": 1024, "kib": 1024, "m": MiB, "mib": MiB, "g": GiB, "gib": GiB}
_LIMIT_NAMES = tuple(f.name for f in fields(Limits))


def with_overrides(base: Limits, values: Sequence[str]) -> Limits:
    """``NAME=VALUE`` overrides (``--limit``) on top of ``base``; sizes take KiB/MiB/GiB."""
    if not values:
        return base
    changes: dict[str, float | int] = {}
    for value in values:
        name, sep, raw = value.partition("=")
        name = name.strip().replace("-", "_")
        if not name.startswith("max_"):
            name = f"max_{name}"
        if not sep or name not in _LIMIT_NAMES:
            known = ", ".join(n.removeprefix("max_") for n in _LIMIT_NAMES)
            raise WellcheckError(
                f"--limit takes NAME=VALUE with NAME one of {known}; got {value!r}"
            )
        changes[name] = _number(name, raw)
    return with_values(base, changes)


def _number(name: str, raw: str) -> float | int:
    match = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]*)\s*", raw)
    unit = match.group(2).lower() if match else ""
    if match is None or unit not in _UNITS:
        raise WellcheckError(f"--limit {name}: {raw!r} is not a number (sizes: 512MiB, 2GiB)")
    number = float(match.group(1)) * _UNITS[unit]
    return number if name == "max_ratio" else int(number)

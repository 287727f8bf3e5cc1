"""Archive limits: one validated object, enforced on bytes actually read."""

from __future__ import annotations

from dataclasses import dataclass, fields

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

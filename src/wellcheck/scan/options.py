"""What a scan was asked to do: plain values, built once by the CLI (no behaviour here)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from wellcheck.advisories.locations import DEFAULT_MAX_AGE_DAYS
from wellcheck.artifact.base import OpenedArtifact
from wellcheck.artifact.limits import DEFAULT_LIMITS, Limits
from wellcheck.checks import Check
from wellcheck.models import ArtifactResult, SkippedCheck
from wellcheck.policy import FailOn, Listing
from wellcheck.scan.shard import Shard

#: below this many bytes of artifacts, scanning them in one process is faster
PARALLEL_MIN_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class ScanOptions:
    """Everything ``wellcheck scan`` was asked to do (built once by the CLI)."""

    artifacts: tuple[str, ...]
    limits: Limits = DEFAULT_LIMITS
    fail_on: FailOn = FailOn.HIGH
    # --severity, --ignore-unfixed: what is listed (and may fail)
    listing: Listing = field(default_factory=Listing)
    ignore_file: Path | None = None
    vex: tuple[Path, ...] = ()  # --vex: OpenVEX / CycloneDX VEX documents, applied as ignores
    advisories: bool = True  # False: --no-advisories
    source: str = "osv-offline"  # one of scan.checks.ADVISORY_SOURCES
    db: Path | None = None  # the offline index (else WELLCHECK_DB / the cache dir)
    db_max_age_days: float = DEFAULT_MAX_AGE_DAYS  # its newest record older: a report note
    skip_db_update: bool = False  # a missing index is an error, not a first-run download
    index_unavailable: str | None = None  # the first-run download failed: why (not checked)
    offline: bool = False  # no network: online sources and PyPI lookups are "not checked"
    signals: bool = True  # the offline signal checks (typosquat, integrity, behaviour)
    pypi: bool = False  # PyPI metadata signals and, with signals, behaviour drift (online)
    typosquat_allow: tuple[str, ...] = ()  # legitimate near-names (config)
    internal_packages: frozenset[str] = frozenset()  # never looked up on PyPI (config)
    cooldown_days: float = 7.0  # "too fresh" threshold for the PyPI signals (config)
    expect: Path | None = None  # lambda: targets: the zip or SBOM CI built (CodeSha256)
    region: str | None = None  # lambda: targets: AWS region (else the usual AWS settings)
    extra_checks: tuple[Check, ...] = field(default_factory=tuple)
    jobs: int | None = None  # processes to use, at most (None: the CPU count; 1: this one)
    parallel_min_bytes: int = PARALLEL_MIN_BYTES  # less to read: one process is faster
    shard: Shard | None = None  # scan only this shard of the artifacts (--shard K/N)
    hash_workers: int | None = None  # integrity hashing processes (None: as many as jobs)
    baseline: Path | None = None  # owners baseline for the PyPI signals (--baseline)
    verify_upstream: bool = False  # compare installed files with PyPI's wheels


Opener = Callable[[str, Limits], OpenedArtifact]


@dataclass(frozen=True)
class ScanTarget:
    """One thing to scan, for routes that prepare artifacts first (e.g. ``lambda:NAME``)."""

    path: str  # what to open
    label: str | None = None  # what reports call it (default: path)
    # run on this target only, after the common checks; one replaces a common check of its name
    checks: tuple[Check, ...] = ()
    error: str | None = None  # it already failed (e.g. download): reported as an input error
    skipped: tuple[SkippedCheck, ...] = ()  # already known to be not checked


#: called as each artifact finishes: (argument position, result with the ignore file applied)
ResultCallback = Callable[[int, ArtifactResult], None]

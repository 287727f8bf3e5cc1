"""The default advisory source: the local SQLite index (no network)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from wellcheck.advisories.interface import Advisory, AdvisorySource, Pair, SourceResult
from wellcheck.advisories.locations import DEFAULT_MAX_AGE_DAYS, index_path
from wellcheck.advisories.matching import CompiledRecord
from wellcheck.advisories.records import to_advisory
from wellcheck.models import SkippedCheck


class OfflineSource(AdvisorySource):
    """Matches against ``--db PATH`` / ``WELLCHECK_DB`` / the cached index.

    Opening fails with DatabaseError (exit 2, with the recovery command) when the
    index is missing or corrupt.  When its newest record is more than ``max_age``
    days old (or its data date is unknown), ``stale_warning`` says so, for reports
    (``scan_run`` also logs it, once, however many processes open the index).
    """

    name = "osv-offline"

    def __init__(self, db: str | Path | None = None, max_age: float = DEFAULT_MAX_AGE_DAYS) -> None:
        from wellcheck.advisories.index import AdvisoryIndex

        self.path = index_path(db)
        self._index = AdvisoryIndex(self.path)
        self.status = self._index.status(max_age)
        self.stale_warning = self.status.stale_warning()

    def close(self) -> None:
        self._index.close()

    def __enter__(self) -> OfflineSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def query(self, packages: Sequence[Pair]) -> SourceResult:
        records = self._index.records_for(name for name, _ in packages)
        found: dict[Pair, list[Advisory]] = {}
        skipped: list[SkippedCheck] = []
        versions: dict[str, list[str]] = {}
        for name, version in dict.fromkeys(packages):
            versions.setdefault(name, []).append(version)
        for name, wanted in versions.items():
            for record in records.get(name, ()):
                compiled = CompiledRecord(record, name)  # parsed once for every version
                for version in wanted:
                    verdict = compiled.verdict(version)
                    if verdict.affected:
                        advisory = to_advisory(record, verdict.fixed)
                        found.setdefault((name, version), []).append(advisory)
                    elif verdict.undecidable:
                        reason = f"{record['id']}: {verdict.undecidable}"
                        skipped.append(SkippedCheck(self.name, reason, name, version))
        return SourceResult(found, tuple(skipped))

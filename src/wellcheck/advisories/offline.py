"""The default advisory source: the local SQLite index (no network)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from wellcheck.advisories.interface import Advisory, AdvisorySource, Pair, SourceResult
from wellcheck.advisories.locations import index_path, max_age_days
from wellcheck.advisories.matching import CompiledRecord
from wellcheck.advisories.records import to_advisory
from wellcheck.models import SkippedCheck

log = logging.getLogger(__name__)


class OfflineSource(AdvisorySource):
    """Matches against ``--db PATH`` / ``WELLCHECK_DB`` / the cached index.

    Opening fails with DatabaseError (exit 2, with the recovery command) when the
    index is missing or corrupt; a stale index logs a loud warning, and
    ``stale_warning`` carries it for reports.
    """

    name = "osv-offline"

    def __init__(self, db: str | Path | None = None, max_age: float | None = None) -> None:
        from wellcheck.advisories.index import AdvisoryIndex

        self.path = index_path(db)
        self._index = AdvisoryIndex(self.path)
        self.status = self._index.status(max_age_days(max_age))
        self.stale_warning = self.status.stale_warning()
        if self.stale_warning:
            log.warning("%s", self.stale_warning)

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

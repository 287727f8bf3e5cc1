"""What an advisory index says about itself: its ``meta`` table and the date of its data.

Standard library only, so that ``wellcheck version`` can read an index at start-up
without loading the matcher, the HTTP client or the export reader.

**The data date** is the newest record's ``modified`` time (its ``published`` time
when it has no ``modified``), taken at import time and stored as ``meta.data_date``.
It says how recent the advisories are, whatever the day they were imported: an old
export imported today is still old.  A time that is not an RFC 3339 date, or lies
more than :data:`CLOCK_SKEW` after the import, is no evidence that the data is
recent: it is not counted (and the import says how many were left out).

**Older indexes.** Indexes built before the data date was stored have no
``data_date`` key: they still open and match as before, and their date is
"unknown" (run ``wellcheck db update``).  Their ``newest_modified`` key was the
lexical maximum of any string found, unchecked, so it is not used.  The format
stays ``1``: the tables are unchanged and a key was only added, so an older
wellcheck reads a newer index too (it ignores the key).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from wellcheck.errors import DatabaseError

FORMAT = "1"
NO_INDEX = "no advisory index at {}; run `wellcheck db update` or `wellcheck db import FILE`"
RECOVERY = "rebuild it with `wellcheck db update` or `wellcheck db import FILE`"
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
CLOCK_SKEW = timedelta(days=1)  # records dated this far past the import still count
DAY = 86400.0


@dataclass(frozen=True)
class IndexStatus:
    """An index's meta data, and how old its data is against ``max_age_days``."""

    path: str
    source: str
    imported_at: str  # ISO 8601 UTC
    record_count: int
    data_date: str | None  # the newest record's date; None: built by an older wellcheck
    source_sha256: str | None
    age_days: float | None  # days since data_date; None when the date is unknown
    max_age_days: float

    @property
    def stale(self) -> bool:
        """Older than ``max_age_days``, or of unknown age."""
        return self.age_days is None or self.age_days > self.max_age_days

    def stale_warning(self) -> str | None:
        if self.age_days is None:
            return (
                f"WARNING: the advisory index {self.path} has no data date (built by an older "
                "wellcheck): data date unknown, run `wellcheck db update`."
            )
        if not self.stale:
            return None
        # no running age in the text: every shard of one fleet scan says the same
        # (``wellcheck db status`` gives the age)
        return (
            f"WARNING: the newest record in the advisory index {self.path} has data date "
            f"{self.data_date}, more than {self.max_age_days:g} days ago; results may miss "
            "recent advisories. Run `wellcheck db update`."
        )


def describe_date(data_date: str | None, age: float | None) -> str:
    """``2026-12-06T21:14:03Z (0.3 days old)``, or why the date is unknown."""
    if data_date is None or age is None:
        return "unknown (built by an older wellcheck; run `wellcheck db update`)"
    return f"{data_date} ({age:.1f} days old)"


def parse_time(value: object) -> datetime | None:
    """An OSV timestamp (RFC 3339; a bare date too) in UTC, or None if it is none."""
    if not isinstance(value, str) or not 10 <= len(value) <= 40:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)  # OSV times are UTC; a bare date is midnight UTC
    return when.astimezone(UTC)


class DataDate:
    """The newest record date seen while importing (mutable on purpose)."""

    def __init__(self, now: datetime | None = None) -> None:
        self.latest_allowed = (now or datetime.now(UTC)) + CLOCK_SKEW
        self.newest: datetime | None = None
        self.ignored = 0  # records whose date is missing, malformed or in the future

    def add(self, record: Mapping[str, Any]) -> None:
        raw = record.get("modified")
        when = parse_time(raw if raw is not None else record.get("published"))
        if when is None or when > self.latest_allowed:
            self.ignored += 1
            return
        if self.newest is None or when > self.newest:
            self.newest = when

    def text(self) -> str | None:
        return self.newest.strftime(TIME_FORMAT) if self.newest else None


def age_days(stamp: str | None, now: float | None = None) -> float | None:
    """Days from ``stamp`` (TIME_FORMAT or RFC 3339) to now; None if it is not a date."""
    when = parse_time(stamp)
    if when is None:
        return None
    return max(0.0, ((time.time() if now is None else now) - when.timestamp()) / DAY)


def connect_readonly(path: Path) -> tuple[sqlite3.Connection, dict[str, str | None]]:
    """A read-only connection to the index at ``path`` and its meta table.

    DatabaseError (with the recovery command) when it is missing, unreadable or not
    a wellcheck index."""
    if not path.is_file():
        raise DatabaseError(NO_INDEX.format(path))
    uri = f"{path.resolve().as_uri()}?mode=ro"
    try:
        conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
    except sqlite3.Error as exc:
        raise DatabaseError(f"advisory index {path} is unreadable ({exc}); {RECOVERY}") from exc
    try:
        rows = conn.execute("SELECT key, value FROM meta").fetchall()
    except sqlite3.Error as exc:
        conn.close()
        raise DatabaseError(f"advisory index {path} is unreadable ({exc}); {RECOVERY}") from exc
    meta: dict[str, str | None] = {str(k): None if v is None else str(v) for k, v in rows}
    if meta.get("format") != FORMAT:
        conn.close()
        raise DatabaseError(f"{path} is not a wellcheck advisory index; {RECOVERY}")
    return conn, meta


def status_of(path: Path, meta: dict[str, str | None], max_age_days: float) -> IndexStatus:
    data_date = meta.get("data_date")
    count = meta.get("record_count") or "0"
    return IndexStatus(
        path=str(path),
        source=meta.get("source") or "",
        imported_at=meta.get("imported_at") or "",
        record_count=int(count) if count.isdigit() else 0,
        data_date=data_date,
        source_sha256=meta.get("source_sha256"),
        age_days=age_days(data_date),
        max_age_days=max_age_days,
    )


def read_status(path: Path, max_age_days: float) -> IndexStatus:
    """The status of the index at ``path`` (opened read-only and closed again)."""
    conn, meta = connect_readonly(path)
    conn.close()
    return status_of(path, meta, max_age_days)

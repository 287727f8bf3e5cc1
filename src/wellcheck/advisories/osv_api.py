"""Online advisory source: the OSV REST API (``/v1/querybatch`` + ``/v1/vulns/{id}``).

Batches of at most 1000 queries; a query whose result carries a
``next_page_token`` is asked again with that token (bounded pages).  Full
records are fetched per id, through a local cache with a TTL; the ids the cache
does not hold are fetched concurrently by a small bounded thread pool
(``FETCH_WORKERS``, one requests.Session per worker thread, the same retry
policy), while the cache is read and written on the calling thread only (one
SQLite transaction per record).  Results do not depend on the order in which
the fetches finish.  Anything that
could not be consulted (a failed batch, a malformed response, a record that
could not be fetched) becomes a SkippedCheck for the pairs it concerns:
never an exception, never a silent "clean".
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wellcheck.advisories.apicache import CACHE_NAME, RecordCache
from wellcheck.advisories.interface import Advisory, AdvisorySource, Pair, SourceResult
from wellcheck.advisories.locations import cache_dir
from wellcheck.advisories.matching import ECOSYSTEM, fixes_above, match_record
from wellcheck.advisories.records import is_valid_record, to_advisory
from wellcheck.errors import SourceError
from wellcheck.http import RetryPolicy, new_session, send
from wellcheck.models import SkippedCheck

if TYPE_CHECKING:
    import requests

API_URL_ENV = "WELLCHECK_OSV_API_URL"
DEFAULT_API_URL = "https://api.osv.dev"
MAX_BATCH = 1000
FETCH_WORKERS = 8  # concurrent GET /v1/vulns/{id} requests

Hit = tuple[str, str | None]  # (record id, modified)


class MalformedResponse(SourceError):
    pass


class OsvApiSource(AdvisorySource):
    name = "osv-api"

    def __init__(
        self,
        base_url: str | None = None,
        *,
        policy: RetryPolicy | None = None,
        batch_size: int = MAX_BATCH,
        max_pages: int = 20,
        cache_path: Path | None = None,
        cache_ttl: float = 24 * 3600.0,
        fetch_workers: int = FETCH_WORKERS,
    ) -> None:
        self.base_url = (base_url or os.environ.get(API_URL_ENV) or DEFAULT_API_URL).rstrip("/")
        self.policy = policy or RetryPolicy()
        self.batch_size = max(1, min(batch_size, MAX_BATCH))
        self.max_pages = max_pages
        self.cache_path = cache_path or cache_dir() / CACHE_NAME
        self.cache_ttl = cache_ttl
        self.fetch_workers = max(1, fetch_workers)
        self.malformed = 0  # malformed responses seen (counted across queries)
        self._count_lock = threading.Lock()

    def query(self, packages: Sequence[Pair]) -> SourceResult:
        pairs = list(dict.fromkeys(packages))
        skipped: dict[Pair, str] = {}
        with new_session() as session:
            hits = self._find(session, pairs, skipped)
            wanted = {hit for pair, found in hits.items() if pair not in skipped for hit in found}
            records, failed = self._fetch(session, wanted)
        advisories: dict[Pair, list[Advisory]] = {}
        for pair, found in hits.items():
            if pair in skipped:
                continue
            for rid, _ in found:
                if rid in failed:
                    skipped[pair] = f"{rid}: {failed[rid]}"
                    continue
                advisory = self._advisory(records[rid], pair)
                if advisory is not None:
                    advisories.setdefault(pair, []).append(advisory)
        gone = tuple(SkippedCheck(self.name, why, n, v) for (n, v), why in skipped.items())
        return SourceResult(advisories, gone)

    @staticmethod
    def _advisory(record: dict[str, Any], pair: Pair) -> Advisory | None:
        if record.get("withdrawn"):
            return None
        name, version = pair
        verdict = match_record(record, name, version)
        fixed = verdict.fixed if verdict.affected else fixes_above(record, name, version)
        return to_advisory(record, fixed)

    def _find(
        self, session: requests.Session, pairs: list[Pair], skipped: dict[Pair, str]
    ) -> dict[Pair, list[Hit]]:
        hits: dict[Pair, list[Hit]] = {pair: [] for pair in pairs}
        pending: list[tuple[Pair, str | None]] = [(pair, None) for pair in pairs]
        for _page in range(self.max_pages):
            if not pending:
                break
            following: list[tuple[Pair, str | None]] = []
            for start in range(0, len(pending), self.batch_size):
                batch = pending[start : start + self.batch_size]
                try:
                    results = self._batch(session, batch)
                except SourceError as exc:
                    skipped.update((pair, str(exc)) for pair, _ in batch)
                    continue
                for (pair, _), (found, token) in zip(batch, results, strict=True):
                    hits[pair].extend(found)
                    if token:
                        following.append((pair, token))
            pending = following
        for pair, _ in pending:
            skipped.setdefault(pair, f"more than {self.max_pages} result pages")
        return hits

    def _batch(
        self, session: requests.Session, batch: list[tuple[Pair, str | None]]
    ) -> list[tuple[list[Hit], str | None]]:
        queries: list[dict[str, Any]] = []
        for (name, version), token in batch:
            query: dict[str, Any] = {
                "package": {"name": name, "ecosystem": ECOSYSTEM},
                "version": version,
            }
            if token:
                query["page_token"] = token
            queries.append(query)
        url = f"{self.base_url}/v1/querybatch"
        body = self._json(send(session, "POST", url, self.policy, json={"queries": queries}), url)
        results = body.get("results")
        if not isinstance(results, list) or len(results) != len(batch):
            raise self._malformed(url, "results do not match the queries")
        out: list[tuple[list[Hit], str | None]] = []
        for result in results:
            if not isinstance(result, dict):
                raise self._malformed(url, "result is not an object")
            vulns = result.get("vulns") or []
            if not isinstance(vulns, list) or not all(is_valid_record(v) for v in vulns):
                raise self._malformed(url, "vulns is not a list of {id}")
            token = result.get("next_page_token")
            found = [(str(v["id"]), v.get("modified")) for v in vulns]
            out.append((found, token if isinstance(token, str) and token else None))
        return out

    def _fetch(
        self, session: requests.Session, wanted: set[Hit]
    ) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
        records: dict[str, dict[str, Any]] = {}
        failed: dict[str, str] = {}
        missing: list[str] = []
        seen: set[str] = set()
        cache = RecordCache(self.cache_path, self.cache_ttl)
        try:
            for rid, modified in sorted(wanted, key=lambda h: (h[0], h[1] or "")):
                if rid in seen:
                    continue  # the first (rid, modified) in sorted order decides
                seen.add(rid)
                record = cache.get(rid, modified if isinstance(modified, str) else None)
                if record is None:
                    missing.append(rid)
                else:
                    records[rid] = record
            for rid, outcome in zip(missing, self._download(session, missing), strict=True):
                if isinstance(outcome, str):
                    failed[rid] = outcome
                else:
                    cache.put(outcome)
                    records[rid] = outcome
        finally:
            cache.close()
        return records, failed

    def _download(self, session: requests.Session, ids: list[str]) -> list[dict[str, Any] | str]:
        """Each record, or why it could not be fetched, in the order of ``ids``."""
        if len(ids) < 2 or self.fetch_workers == 1:
            return [self._record(session, rid) for rid in ids]
        local = threading.local()
        sessions: list[requests.Session] = []
        lock = threading.Lock()

        def fetch(rid: str) -> dict[str, Any] | str:
            own: requests.Session | None = getattr(local, "session", None)
            if own is None:  # requests.Session is not thread-safe: one per worker
                own = local.session = new_session()
                with lock:
                    sessions.append(own)
            return self._record(own, rid)

        pool = ThreadPoolExecutor(min(self.fetch_workers, len(ids)), "wellcheck-osv")
        try:
            return list(pool.map(fetch, ids))  # results in the order of ids
        finally:
            pool.shutdown(wait=True, cancel_futures=True)  # on an interrupt: no new fetches
            for own in sessions:
                own.close()

    def _record(self, session: requests.Session, rid: str) -> dict[str, Any] | str:
        url = f"{self.base_url}/v1/vulns/{rid}"
        try:
            record = self._json(send(session, "GET", url, self.policy), url)
            if record.get("id") != rid:
                raise self._malformed(url, "record id does not match")
        except SourceError as exc:
            return str(exc)
        return record

    def _json(self, response: requests.Response, url: str) -> dict[str, Any]:
        import requests

        try:
            body = response.json()
        except (ValueError, requests.RequestException) as exc:
            raise self._malformed(url, f"invalid JSON ({type(exc).__name__})") from exc
        if not isinstance(body, dict):
            raise self._malformed(url, "not a JSON object")
        return body

    def _malformed(self, url: str, why: str) -> MalformedResponse:
        with self._count_lock:
            self.malformed += 1
        return MalformedResponse(f"malformed response from {url}: {why}")

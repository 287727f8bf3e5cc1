"""Online advisory source: the OSV REST API (``/v1/querybatch`` + ``/v1/vulns/{id}``).

Batches of at most 1000 queries; a query whose result carries a
``next_page_token`` is asked again with that token (bounded pages).  Full
records are fetched per id, through a local cache with a TTL.  Anything that
could not be consulted (a failed batch, a malformed response, a record that
could not be fetched) becomes a SkippedCheck for the pairs it concerns:
never an exception, never a silent "clean".  A version that is not PEP 440 is
asked about by package name alone and every record is evaluated here, as the
offline index does: a record with ranges it cannot place the version in makes
the pair "not checked" (the API itself would answer "no vulnerabilities").
Malformed includes JSON nested
deeper than ``MAX_DEPTH`` (or deep enough to exhaust the recursion limit).  A
hit whose ``modified`` is not a string is kept, its ``modified`` ignored.

Concurrent fetches.  The ids the cache does not hold are fetched by at most
``FETCH_WORKERS`` daemon threads of our own (not a ThreadPoolExecutor: its
threads are joined at interpreter exit, so one GET stuck in a 30 s read timeout
would hold up a Ctrl-C).  Workers take ids from a queue, share the source's
``HttpClient`` (its deadline, caps and retry policy), and hand each outcome back through
a second queue; the calling thread polls that queue with a short timeout (so a
Ctrl-C is noticed within ``_POLL`` seconds even where lock waits are not
interruptible) and writes each record to the cache as it arrives: the cache is
only touched on the calling thread, one SQLite transaction per record, so an
interrupted scan keeps the records it fetched and nothing half-written.
Whatever ends the fetch (Ctrl-C included) sets a stop event: workers take no
new id, the client starts no retry, and a GET still in flight is abandoned
within ``http_transfer.POLL`` seconds.  Results do not depend on the order in
which the fetches finish.  Every answer is bounded by the client: a deadline per
request, ``max_body`` bytes as received and as decoded.
"""

from __future__ import annotations

import json
import os
import queue
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from wellcheck.advisories.apicache import CACHE_NAME, RecordCache
from wellcheck.advisories.interface import (
    Advisory,
    AdvisorySource,
    Pair,
    PurlResult,
    SourceResult,
)
from wellcheck.advisories.locations import cache_dir
from wellcheck.advisories.matching import ECOSYSTEM, fixes_above, match_record, parse_version
from wellcheck.advisories.records import is_valid_record, to_advisory
from wellcheck.errors import SourceError
from wellcheck.http import HttpClient, RetryPolicy
from wellcheck.models import SkippedCheck

API_URL_ENV = "WELLCHECK_OSV_API_URL"
DEFAULT_API_URL = "https://api.osv.dev"
MAX_BATCH = 1000
FETCH_WORKERS = 8  # concurrent GET /v1/vulns/{id} requests
MAX_DEPTH = 64  # OSV JSON nests a handful of levels; deeper is malformed
_POLL = 0.2  # seconds the calling thread waits on the workers between interrupt checks

Hit = tuple[str, str | None]  # (record id, modified)
Key = Pair | str  # what one query asks about: a PyPI (name, version), or a purl with its version
Outcome = dict[str, Any] | str  # a record, or why it could not be fetched


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
        self.policy = policy or RetryPolicy.from_env()
        self.batch_size = max(1, min(batch_size, MAX_BATCH))
        self.max_pages = max_pages
        self.cache_path = cache_path or cache_dir() / CACHE_NAME
        self.cache_ttl = cache_ttl
        self.fetch_workers = max(1, fetch_workers)
        self.malformed = 0  # malformed responses seen (counted across queries)
        self._count_lock = threading.Lock()
        self.client = HttpClient(self.policy)

    def close(self) -> None:
        self.client.close()

    def query(self, packages: Sequence[Pair]) -> SourceResult:
        pairs = list(dict.fromkeys(packages))
        skipped: dict[Key, str] = {}
        hits = self._find(pairs, skipped)
        wanted = {hit for pair, found in hits.items() if pair not in skipped for hit in found}
        records, failed = self._fetch(wanted)
        advisories: dict[Pair, list[Advisory]] = {}
        for pair in pairs:
            if pair in skipped:
                continue
            for rid, _ in hits[pair]:
                if rid in failed:
                    skipped[pair] = f"{rid}: {failed[rid]}"
                    continue
                advisory = self._advisory(records[rid], pair)
                if isinstance(advisory, str):
                    skipped[pair] = advisory
                elif advisory is not None:
                    advisories.setdefault(pair, []).append(advisory)
        gone = tuple(SkippedCheck(self.name, skipped[p], *p) for p in pairs if p in skipped)
        return SourceResult(advisories, gone)

    def query_purls(self, purls: Sequence[str]) -> PurlResult:
        """Packages of any ecosystem OSV covers, asked by purl; OSV matches the version."""
        from wellcheck.advisories.bundled import bundled_advisory, osv_query

        queries: dict[str, str] = {}  # purl -> the purl OSV is asked about
        not_covered: dict[str, str] = {}
        for purl in dict.fromkeys(purls):
            query, why = osv_query(purl)
            if query is None:
                not_covered[purl] = why
            else:
                queries[purl] = query
        skipped: dict[Key, str] = {}
        hits = self._find(sorted(set(queries.values())), skipped)
        wanted = {hit for key, found in hits.items() if key not in skipped for hit in found}
        records, failed = self._fetch(wanted)
        advisories: dict[str, list[Advisory]] = {}
        gone: dict[str, str] = {}
        for purl, query in queries.items():
            if query in skipped:
                gone[purl] = skipped[query]
                continue
            for rid, _ in hits.get(query, ()):
                if rid in failed:
                    gone[purl] = f"{rid}: {failed[rid]}"
                elif (advisory := bundled_advisory(records[rid], query)) is not None:
                    advisories.setdefault(purl, []).append(advisory)
        found = {purl: found for purl, found in advisories.items() if purl not in gone}
        return PurlResult(found, gone, not_covered)

    @staticmethod
    def _advisory(record: dict[str, Any], pair: Pair) -> Advisory | str | None:
        """The advisory ``record`` gives ``pair``; None; or why it cannot be decided."""
        if record.get("withdrawn"):
            return None
        name, version = pair
        verdict = match_record(record, name, version)
        if parse_version(version) is None:  # asked by name alone: decided here, as offline
            if verdict.undecidable and not verdict.affected:
                return f"{record.get('id')}: {verdict.undecidable}"
            return to_advisory(record, verdict.fixed) if verdict.affected else None
        fixed = verdict.fixed if verdict.affected else fixes_above(record, name, version)
        return to_advisory(record, fixed)

    def _find(self, pairs: Sequence[Key], skipped: dict[Key, str]) -> dict[Key, list[Hit]]:
        hits: dict[Key, list[Hit]] = {pair: [] for pair in pairs}
        pending: list[tuple[Key, str | None]] = [(pair, None) for pair in pairs]
        for _page in range(self.max_pages):
            if not pending:
                break
            following: list[tuple[Key, str | None]] = []
            for start in range(0, len(pending), self.batch_size):
                batch = pending[start : start + self.batch_size]
                try:
                    results = self._batch(batch)
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

    def _batch(self, batch: list[tuple[Key, str | None]]) -> list[tuple[list[Hit], str | None]]:
        queries: list[dict[str, Any]] = []
        for key, token in batch:
            query: dict[str, Any]
            if isinstance(key, str):  # a purl with its version (OSV: no separate version)
                query = {"package": {"purl": key}}
            else:
                name, version = key
                query = {"package": {"name": name, "ecosystem": ECOSYSTEM}}
                if parse_version(version) is not None:  # else every record of the package
                    query["version"] = version
            if token:
                query["page_token"] = token
            queries.append(query)
        url = f"{self.base_url}/v1/querybatch"
        body = self._json(self.client.fetch("POST", url, json={"queries": queries}).body, url)
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
            found = [(str(v["id"]), _text(v.get("modified"))) for v in vulns]
            out.append((found, token if isinstance(token, str) and token else None))
        return out

    def _fetch(self, wanted: set[Hit]) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
        records: dict[str, dict[str, Any]] = {}
        failed: dict[str, str] = {}
        first: dict[str, str | None] = {}  # the first (rid, modified) in sorted order decides
        for rid, modified in sorted(wanted, key=lambda h: (h[0], h[1] or "")):
            first.setdefault(rid, modified)
        cache = RecordCache(self.cache_path, self.cache_ttl)
        stop = threading.Event()
        try:
            missing: list[str] = []
            for rid, modified in first.items():
                record = cache.get(rid, modified)
                if record is None:
                    missing.append(rid)
                else:
                    records[rid] = record
            for rid, outcome in self._download(missing, stop):
                if isinstance(outcome, str):
                    failed[rid] = outcome
                else:
                    cache.put(outcome)
                    records[rid] = outcome
        finally:
            stop.set()  # done or interrupted: the workers start nothing new
            cache.close()
        return records, failed

    def _download(self, ids: list[str], stop: threading.Event) -> Iterator[tuple[str, Outcome]]:
        """Each id with its record or why it could not be fetched, as the fetches finish."""
        if len(ids) < 2 or self.fetch_workers == 1:
            for rid in ids:  # on the calling thread: a Ctrl-C lands here directly
                yield rid, self._record(rid)
            return
        todo: queue.SimpleQueue[str] = queue.SimpleQueue()
        for rid in ids:
            todo.put(rid)
        done: queue.SimpleQueue[tuple[str, Outcome | BaseException]] = queue.SimpleQueue()

        def work() -> None:
            while not stop.is_set():
                try:
                    rid = todo.get_nowait()
                except queue.Empty:
                    return
                try:
                    done.put((rid, self._record(rid, stop)))
                except BaseException as exc:  # a bug: re-raised on the calling thread
                    done.put((rid, exc))
                    return

        for n in range(min(self.fetch_workers, len(ids))):
            threading.Thread(target=work, name=f"wellcheck-osv-{n}", daemon=True).start()
        for _ in ids:
            while True:
                try:
                    rid, outcome = done.get(timeout=_POLL)
                    break
                except queue.Empty:
                    continue
            if isinstance(outcome, BaseException):
                raise outcome
            yield rid, outcome

    def _record(self, rid: str, stop: threading.Event | None = None) -> Outcome:
        url = f"{self.base_url}/v1/vulns/{rid}"
        try:
            record = self._json(self.client.fetch("GET", url, stop=stop).body, url)
            if record.get("id") != rid:
                raise self._malformed(url, "record id does not match")
        except SourceError as exc:
            return str(exc)
        return record

    def _json(self, data: bytes, url: str) -> dict[str, Any]:
        try:
            body = json.loads(data)
        except (ValueError, RecursionError) as exc:
            raise self._malformed(url, f"invalid JSON ({type(exc).__name__})") from exc
        if not isinstance(body, dict):
            raise self._malformed(url, "not a JSON object")
        if _deeper_than(body, MAX_DEPTH):  # later json.dumps/matching would recurse on it
            raise self._malformed(url, f"JSON nested more than {MAX_DEPTH} levels")
        return body

    def _malformed(self, url: str, why: str) -> MalformedResponse:
        with self._count_lock:
            self.malformed += 1
        return MalformedResponse(f"malformed response from {url}: {why}")


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _deeper_than(value: object, limit: int) -> bool:
    """Whether ``value`` nests more than ``limit`` levels (walked without recursion)."""
    stack: list[tuple[object, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Iterator[object] = iter(item.values())
        elif isinstance(item, list):
            children = iter(item)
        else:
            continue
        if depth >= limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False

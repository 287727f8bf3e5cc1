"""pip-audit's vulnerability services (``OsvService``, ``PyPIService``) behind our interface.

pip-audit has no severity data, so its advisories are Severity.UNKNOWN (MAL-
ids are still CRITICAL).  Its OSV service asks ``WELLCHECK_OSV_API_URL`` when
that is set, like ``--source osv-api`` (pip-audit's own default is api.osv.dev).
pip-audit fetches itself, through a requests session of its own: ``BoundedAdapter``
is mounted on it (behind pip-audit's HTTP cache), so each of its exchanges has
wellcheck's deadline and body caps.  Any failure of a query (pip-audit's ServiceError
or ConnectionError, a requests error, a timeout escaping as a traceback upstream, an
answer over its cap or past its deadline) becomes a SkippedCheck for that pair;
pip-audit's own SkippedDependency too.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

from wellcheck.advisories.interface import Advisory, AdvisorySource, Pair, SourceResult
from wellcheck.advisories.locations import cache_dir
from wellcheck.advisories.records import OSV_URL, is_malicious
from wellcheck.http_policy import RetryPolicy
from wellcheck.models import Severity, SkippedCheck

log = logging.getLogger(__name__)
SERVICES = ("osv", "pypi")


class PipAuditSource(AdvisorySource):
    name = "pip-audit"

    def __init__(
        self,
        service: str = "osv",
        *,
        osv_url: str | None = None,
        timeout: int = 30,
        cache: Path | None = None,
    ) -> None:
        if service not in SERVICES:
            raise ValueError(f"unknown pip-audit service {service!r}; expected one of {SERVICES}")
        self.service_name = service
        self.osv_url = osv_url or _osv_url_from_environment()
        self.timeout = timeout
        self.cache = cache or cache_dir() / "pip-audit"
        self.policy = RetryPolicy.from_env()  # a malformed limit is an input error, now
        self._service: Any = None

    def _make_service(self) -> Any:
        from pip_audit._service import OsvService, PyPIService

        if self.service_name == "pypi":
            service = PyPIService(cache_dir=self.cache, timeout=self.timeout)
        elif self.osv_url:
            service = OsvService(cache_dir=self.cache, timeout=self.timeout, osv_url=self.osv_url)
        else:
            service = OsvService(cache_dir=self.cache, timeout=self.timeout)
        bound(service.session, self.policy)
        return service

    def query(self, packages: Sequence[Pair]) -> SourceResult:
        found: dict[Pair, list[Advisory]] = {}
        skipped: list[SkippedCheck] = []
        try:
            from pip_audit._service import ResolvedDependency

            if self._service is None:
                self._service = self._make_service()
        except Exception as exc:  # pip-audit missing or broken: nothing consulted
            reason = f"pip-audit unavailable: {type(exc).__name__}: {exc}"
            return SourceResult(
                {}, tuple(SkippedCheck(self.name, reason, n, v) for n, v in packages)
            )
        for name, version in dict.fromkeys(packages):
            try:
                parsed = Version(version)
            except InvalidVersion:
                skipped.append(SkippedCheck(self.name, "version is not PEP 440", name, version))
                continue
            try:
                spec, results = self._service.query(ResolvedDependency(name=name, version=parsed))
            except Exception as exc:  # any failure of a third-party service -> not checked
                why = f"{type(exc).__name__}: {exc}".rstrip(": ")
                skipped.append(SkippedCheck(self.name, why, name, version))
                continue
            if spec.is_skipped():
                skipped.append(SkippedCheck(self.name, str(spec.skip_reason), name, version))
                continue
            advisories = [_convert(result, parsed) for result in results]
            if advisories:
                found[(name, version)] = advisories
        return SourceResult(found, tuple(skipped))


def bound(session: Any, policy: RetryPolicy) -> None:
    """Carry ``session``'s exchanges through ``BoundedAdapter``, keeping its HTTP cache."""
    from cachecontrol.adapter import CacheControlAdapter

    from wellcheck.http_adapter import BoundedAdapter

    current = session.get_adapter("https://")
    if isinstance(current, CacheControlAdapter):

        class CachedBounded(CacheControlAdapter, BoundedAdapter):
            """CacheControlAdapter.send calls super().send: BoundedAdapter on a cache miss."""

        adapter: BoundedAdapter = CachedBounded(
            cache=current.cache,
            heuristic=current.heuristic,
            cacheable_methods=current.cacheable_methods,
            policy=policy,
        )
    else:
        adapter = BoundedAdapter(policy=policy)
    session.mount("https://", adapter)
    session.mount("http://", adapter)


def _osv_url_from_environment() -> str | None:
    """``WELLCHECK_OSV_API_URL`` (a base URL, as for osv-api) as pip-audit's query URL."""
    import os

    from wellcheck.advisories.osv_api import API_URL_ENV

    base = os.environ.get(API_URL_ENV)
    return f"{base.rstrip('/')}/v1/query" if base else None


def _convert(result: Any, installed: Version) -> Advisory:
    fixes = sorted(v for v in result.fix_versions if v > installed)
    ident = str(result.id)
    aliases = tuple(sorted(str(a) for a in result.aliases if str(a) != ident))
    malicious = is_malicious(ident) or any(is_malicious(a) for a in aliases)
    summary = " ".join(str(result.description).split())
    return Advisory(
        id=ident,
        aliases=aliases,
        summary=summary[:159] + "…" if len(summary) > 160 else summary,
        severity=Severity.CRITICAL if malicious else Severity.UNKNOWN,
        fixed=str(fixes[0]) if fixes else None,
        malicious=malicious,
        url=OSV_URL.format(ident),
        published=result.published.isoformat() if result.published else None,
    )

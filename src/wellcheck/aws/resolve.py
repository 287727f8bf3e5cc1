"""Resolve ``lambda:``/``layer:`` targets through the Lambda API and fetch their code.

Calls used: GetFunction (with Qualifier), ListFunctions (paginated, for
``lambda:*``; the ``$LATEST`` of each function) and GetLayerVersionByArn.  boto3
is imported lazily (the ``wellcheck[aws]`` extra).  The endpoint comes from the
argument or ``WELLCHECK_LAMBDA_ENDPOINT_URL``; the region from the argument,
``AWS_REGION``, ``AWS_DEFAULT_REGION`` or the profile; credentials from boto3's
usual chain.

Failures: a malformed argument, or a target the user named that Lambda does not
know, raises (LambdaTargetError, LambdaNotFoundError, exit 2); the API being
unreachable for a named target or for ListFunctions raises LambdaApiError
(exit 3).  For functions found by ``lambda:*`` and for attached layers the
failure is recorded on the target (``LambdaTarget.error``), so one broken
function does not hide the rest of the region; so are download and integrity
failures.  A layer shared by several functions is fetched once.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import os
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from pathlib import Path
from typing import Any, NotRequired, TypedDict, cast

from wellcheck import __version__
from wellcheck.aws.download import DownloadPolicy, download_code
from wellcheck.aws.targets import (
    LambdaApiError,
    LambdaCodeIntegrityError,
    LambdaCodeUnavailableError,
    LambdaError,
    LambdaNotFoundError,
    LambdaTarget,
    LambdaTargetError,
    TargetSpec,
    layer_name_and_version,
    parse_target,
)
from wellcheck.errors import WellcheckError

log = logging.getLogger(__name__)

ENDPOINT_ENV = "WELLCHECK_LAMBDA_ENDPOINT_URL"
IMAGE_REASON = "image-packaged function: scan the image tarball instead (docker save)"
PAGE_SIZE = 50
DEFAULT_JOBS = 4  # functions of lambda:* fetched at a time (I/O bound)


class LayerRef(TypedDict):
    Arn: str
    CodeSize: NotRequired[int]


class FunctionConfiguration(TypedDict, total=False):
    FunctionName: str
    FunctionArn: str
    Runtime: str
    Timeout: int
    CodeSha256: str
    CodeSize: int
    PackageType: str
    Version: str
    Layers: list[LayerRef]


class FunctionCodeLocation(TypedDict, total=False):
    RepositoryType: str
    Location: str
    ImageUri: str


class GetFunctionResponse(TypedDict, total=False):
    Configuration: FunctionConfiguration
    Code: FunctionCodeLocation


class LayerVersionContent(TypedDict, total=False):
    Location: str
    CodeSha256: str
    CodeSize: int


class GetLayerVersionResponse(TypedDict, total=False):
    Content: LayerVersionContent
    LayerArn: str
    LayerVersionArn: str
    Version: int
    CompatibleRuntimes: list[str]


def lambda_client(endpoint_url: str | None = None, region: str | None = None) -> Any:
    """A boto3 Lambda client with bounded timeouts and retries."""
    try:
        import boto3
        from botocore.config import Config
        from botocore.exceptions import BotoCoreError
    except ImportError as exc:
        raise LambdaError(
            "lambda: and layer: targets need boto3 (the wellcheck[aws] extra): pip install boto3"
        ) from exc
    endpoint = endpoint_url or os.environ.get(ENDPOINT_ENV) or None
    region = region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    config = Config(
        connect_timeout=5,
        read_timeout=30,
        retries={"max_attempts": 4, "mode": "standard"},
        user_agent_extra=f"wellcheck/{__version__}",
    )
    try:
        session = boto3.session.Session(region_name=region or None)
        if not session.region_name:
            raise LambdaTargetError(
                "no AWS region for the Lambda API: set AWS_REGION or pass --region"
            )
        return session.client("lambda", endpoint_url=endpoint, config=config)
    except BotoCoreError as exc:
        raise LambdaApiError(f"cannot create a Lambda API client: {exc}") from exc


def resolve_targets(
    args: Sequence[str],
    *,
    workdir: Path,
    endpoint_url: str | None = None,
    region: str | None = None,
    policy: DownloadPolicy | None = None,
    jobs: int = DEFAULT_JOBS,
) -> list[LambdaTarget]:
    """Resolve every argument, downloading and verifying each code zip into ``workdir``.

    Targets come back in argument order (``lambda:*`` in ListFunctions order),
    each once; ``jobs`` functions found by ``lambda:*`` are fetched at a time.
    """
    return list(
        iter_targets(
            args,
            workdir=workdir,
            endpoint_url=endpoint_url,
            region=region,
            policy=policy,
            jobs=jobs,
        )
    )


def iter_targets(
    args: Sequence[str],
    *,
    workdir: Path,
    endpoint_url: str | None = None,
    region: str | None = None,
    policy: DownloadPolicy | None = None,
    jobs: int = DEFAULT_JOBS,
    client: Any = None,
) -> Iterator[LambdaTarget]:
    """Like resolve_targets, one target at a time (a region can hold thousands)."""
    specs = [parse_target(arg) for arg in args]  # every argument checked before any call
    client = client or lambda_client(endpoint_url, region)
    seen: set[str] = set()
    with ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="lambda") as pool:
        resolver = _Resolver(client, workdir, policy, pool)
        resolver.regional = functools.cache(lambda r: lambda_client(endpoint_url, r))
        for spec in specs:
            for target in resolver.resolve(spec):
                if target.label not in seen:
                    seen.add(target.label)
                    yield target


class _Resolver:
    """Resolves specs; thread-safe so that ``lambda:*`` can fetch functions in parallel."""

    def __init__(
        self, client: Any, workdir: Path, policy: DownloadPolicy | None, pool: Executor
    ) -> None:
        self.client = client  # boto3 clients are thread-safe
        self.workdir = workdir
        self.policy = policy or DownloadPolicy()
        self.pool = pool
        self.layers: dict[str, LambdaTarget] = {}  # a shared layer is fetched once
        self.count = 0
        self._lock = threading.Lock()
        self._layer_locks: dict[str, threading.Lock] = {}
        self.regional: Callable[[str], Any] = lambda region: client

    def client_for(self, arn: str) -> Any:
        """A layer named with ``layer:`` may live in another region than the client's."""
        region = arn.split(":")[3]
        if region == getattr(getattr(self.client, "meta", None), "region_name", region):
            return self.client
        with self._lock:
            return self.regional(region)

    def resolve(self, spec: TargetSpec) -> Iterator[LambdaTarget]:
        if spec.kind == "all-functions":
            yield from self.all_functions()
        elif spec.kind == "layer":
            yield self.layer(spec.name, attached=False)
        else:
            yield self.function(spec, listed=False)

    def all_functions(self) -> Iterator[LambdaTarget]:
        pages = self.client.get_paginator("list_functions").paginate(
            PaginationConfig={"PageSize": PAGE_SIZE}
        )
        it = iter(pages)
        while (page := _call("lambda:*", lambda: next(it, None))) is not None:
            functions = page.get("Functions", [])
            specs = [TargetSpec("function", c.get("FunctionName", "")) for c in functions]
            yield from self.pool.map(self._listed_function, specs)

    def _listed_function(self, spec: TargetSpec) -> LambdaTarget:
        return self.function(spec, listed=True)

    def function(self, spec: TargetSpec, *, listed: bool) -> LambdaTarget:
        label = spec.label
        params: dict[str, str] = {"FunctionName": spec.name}
        if spec.qualifier:
            params["Qualifier"] = spec.qualifier
        try:
            resp = cast(
                GetFunctionResponse,
                _call(label, lambda: self.client.get_function(**params)),
            )
        except WellcheckError as exc:
            if not listed:
                raise
            return _failed_function(label, spec, exc)
        config = resp.get("Configuration", {})
        package_type = config.get("PackageType", "Zip")
        base = LambdaTarget(
            label=label,
            zip_path=None,
            function_name=config.get("FunctionName", spec.name),
            runtime=config.get("Runtime"),
            timeout=config.get("Timeout"),
            code_sha256=config.get("CodeSha256"),
            package_type=package_type,
            arn=config.get("FunctionArn"),
            version=config.get("Version"),
            qualifier=spec.qualifier,
            code_size=config.get("CodeSize"),
        )
        if package_type == "Image":
            return _replace(base, not_scannable_reason=IMAGE_REASON)
        layers = tuple(self.layer(ref["Arn"], attached=True) for ref in config.get("Layers", []))
        location = resp.get("Code", {}).get("Location")
        if not location:
            missing = LambdaCodeUnavailableError(f"{label}: Lambda returned no code location")
            return _replace(base, layers=layers, error=missing)
        zip_path, error = self.download(
            label, f"function-{spec.name}", location, base.code_sha256, base.code_size
        )
        size = _unzipped(zip_path)
        return _replace(base, zip_path=zip_path, layers=layers, error=error, unzipped_size=size)

    def layer(self, arn: str, *, attached: bool) -> LambdaTarget:
        with self._lock:
            lock = self._layer_locks.setdefault(arn, threading.Lock())
        with lock:
            if arn not in self.layers:
                self.layers[arn] = self._fetch_layer(arn, attached=attached)
            return self.layers[arn]

    def _fetch_layer(self, arn: str, *, attached: bool) -> LambdaTarget:
        name, number = layer_name_and_version(arn)
        try:
            resp = cast(
                GetLayerVersionResponse,
                _call(arn, lambda: self.client_for(arn).get_layer_version_by_arn(Arn=arn)),
            )
        except WellcheckError as exc:
            if not attached:
                raise
            if isinstance(exc, LambdaNotFoundError):
                exc = LambdaCodeUnavailableError(
                    f"{arn}: layer version not found (deleted?); functions still run its "
                    "code but it cannot be scanned"
                )
            target = _layer_target(arn, number, error=exc)
        else:
            content = resp.get("Content", {})
            target = _layer_target(
                resp.get("LayerVersionArn", arn),
                str(resp.get("Version", number)),
                code_sha256=content.get("CodeSha256"),
                code_size=content.get("CodeSize"),
                compatible_runtimes=tuple(resp.get("CompatibleRuntimes", ())),
            )
            location = content.get("Location")
            if not location:
                missing = LambdaCodeUnavailableError(f"{arn}: Lambda returned no content location")
                target = _replace(target, error=missing)
            else:
                zip_path, error = self.download(
                    arn, f"layer-{name}-{number}", location, target.code_sha256, target.code_size
                )
                size = _unzipped(zip_path)
                target = _replace(target, zip_path=zip_path, error=error, unzipped_size=size)
        return target

    def download(
        self, label: str, hint: str, url: str, sha256: str | None, size: int | None
    ) -> tuple[Path | None, WellcheckError | None]:
        with self._lock:
            self.count += 1
            number = self.count
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", hint)[:80]
        dest = self.workdir / f"{number:04d}-{safe}.zip"
        try:
            path = download_code(
                url,
                dest,
                label=label,
                expected_sha256=sha256,
                expected_size=size,
                policy=self.policy,
            )
        except (LambdaCodeUnavailableError, LambdaCodeIntegrityError) as exc:
            log.warning("%s", exc)
            return None, exc
        return path, None


def _call(label: str, fn: Callable[[], Any]) -> Any:
    """Run one API call, turning botocore's exceptions into wellcheck's."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return fn()
    except ClientError as exc:
        error = exc.response.get("Error", {})
        code = error.get("Code", "") or "UnknownError"
        message = error.get("Message", "") or str(exc)
        if code == "ResourceNotFoundException":
            raise LambdaNotFoundError(f"{label}: not found ({code}: {message})") from exc
        if code in {"InvalidParameterValueException", "ValidationException"}:
            raise LambdaTargetError(f"{label}: rejected by the Lambda API: {message}") from exc
        raise LambdaApiError(f"{label}: Lambda API error {code}: {message}") from exc
    except BotoCoreError as exc:
        raise LambdaApiError(f"{label}: could not consult the Lambda API: {exc}") from exc


def _failed_function(label: str, spec: TargetSpec, error: WellcheckError) -> LambdaTarget:
    return LambdaTarget(
        label=label,
        zip_path=None,
        function_name=spec.name,
        runtime=None,
        timeout=None,
        code_sha256=None,
        package_type="Zip",
        qualifier=spec.qualifier,
        error=error,
    )


def _layer_target(
    arn: str,
    version: str,
    *,
    code_sha256: str | None = None,
    code_size: int | None = None,
    compatible_runtimes: tuple[str, ...] = (),
    error: WellcheckError | None = None,
) -> LambdaTarget:
    return LambdaTarget(
        label=arn,
        zip_path=None,
        function_name=None,
        runtime=None,
        timeout=None,
        code_sha256=code_sha256,
        package_type="Layer",
        kind="layer",
        arn=arn,
        version=version or None,
        code_size=code_size,
        compatible_runtimes=compatible_runtimes,
        error=error,
    )


def _unzipped(zip_path: Path | None) -> int | None:
    """What a verified code zip unzips to (Lambda's 250 MB limit counts the layers too)."""
    from wellcheck.aws.size import zip_unzipped_size

    return zip_unzipped_size(zip_path) if zip_path is not None else None


def _replace(target: LambdaTarget, **changes: Any) -> LambdaTarget:
    return dataclasses.replace(target, **changes)

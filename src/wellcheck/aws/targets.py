"""What a deployed-Lambda target is: the spellings users type and the resolved value.

Spellings (what ``wellcheck scan`` accepts besides paths):

- ``lambda:NAME`` or ``lambda:NAME:QUALIFIER`` (a version number, an alias or
  ``$LATEST``); NAME may also be a full function ARN (its qualifier, if any, is
  part of the ARN);
- ``lambda:*``: every function in the region (ListFunctions, paginated);
- ``layer:ARN``: one layer version, by its full LayerVersionArn.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from wellcheck.errors import ArtifactError, SourceError, WellcheckError

LAMBDA_PREFIX = "lambda:"
LAYER_PREFIX = "layer:"
ALL_FUNCTIONS = "lambda:*"

_NAME = re.compile(r"^[A-Za-z0-9_-]{1,140}$")
_QUALIFIER = re.compile(r"^(\$LATEST|[A-Za-z0-9_-]{1,128})$")
_FUNCTION_ARN = re.compile(
    r"^arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,140}"
    r"(:(\$LATEST|[A-Za-z0-9_-]{1,128}))?$"
)
_LAYER_ARN = re.compile(
    r"^arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:layer:(?P<name>[A-Za-z0-9_-]{1,140})"
    r":(?P<version>[0-9]{1,10})$"
)


class LambdaError(WellcheckError):
    """Root of the deployed-Lambda route (bad target, missing boto3...)."""


class LambdaTargetError(LambdaError):
    """A ``lambda:``/``layer:`` argument is malformed or cannot be resolved."""


class LambdaNotFoundError(LambdaTargetError):
    """The Lambda API answered ResourceNotFoundException for a named target."""


class LambdaApiError(SourceError):
    """The Lambda API could not be consulted (network, credentials, throttling)."""


class LambdaCodeUnavailableError(SourceError):
    """The code of a function or layer could not be downloaded: scan incomplete."""


class LambdaCodeIntegrityError(ArtifactError):
    """The downloaded code does not match what Lambda reports (CodeSha256, CodeSize)."""


@dataclass(frozen=True)
class TargetSpec:
    """One parsed command-line target, before the API is asked."""

    kind: str  # "function", "all-functions" or "layer"
    name: str = ""  # function name or ARN; the LayerVersionArn for layers
    qualifier: str | None = None

    @property
    def label(self) -> str:
        if self.kind == "all-functions":
            return ALL_FUNCTIONS
        if self.kind == "layer":
            return self.name
        suffix = f":{self.qualifier}" if self.qualifier else ""
        return f"{LAMBDA_PREFIX}{self.name}{suffix}"


@dataclass(frozen=True)
class LambdaTarget:
    """A function version or a layer version resolved through the Lambda API.

    ``zip_path`` is the verified code zip inside the caller's workdir, or None
    when there is nothing to scan: then ``not_scannable_reason`` (by design,
    e.g. an image-packaged function) or ``error`` (a failure: the scan of this
    target is incomplete or the code was rejected) says why.
    """

    label: str  # lambda:NAME[:QUALIFIER], or the LayerVersionArn for layers
    zip_path: Path | None  # inside the caller's workdir
    function_name: str | None  # None for layers
    runtime: str | None
    timeout: int | None  # seconds
    code_sha256: str | None  # base64, as Lambda reports it
    package_type: str  # "Zip", "Image", or "Layer" for layer versions
    layers: tuple[LambdaTarget, ...] = ()
    not_scannable_reason: str | None = None
    kind: str = "function"  # "function" or "layer"
    arn: str | None = None  # FunctionArn or LayerVersionArn
    version: str | None = None  # "$LATEST", "7", or the layer version number
    qualifier: str | None = None  # as the user asked (alias or version), None when not given
    code_size: int | None = None  # bytes, as Lambda reports it
    unzipped_size: int | None = None  # bytes its downloaded zip unzips to (None: not read)
    compatible_runtimes: tuple[str, ...] = ()  # layers only
    error: WellcheckError | None = field(default=None, compare=False)

    @property
    def python_version(self) -> str | None:
        """``"3.12"`` for the ``python3.12`` runtime, else None."""
        if self.runtime and self.runtime.startswith("python"):
            return self.runtime.removeprefix("python") or None
        return None

    @property
    def scannable(self) -> bool:
        return self.zip_path is not None


def is_lambda_target(arg: str) -> bool:
    """True when ``arg`` is meant for the Lambda API rather than a local path."""
    return arg.startswith((LAMBDA_PREFIX, LAYER_PREFIX))


def parse_target(arg: str) -> TargetSpec:
    """Parse one ``lambda:``/``layer:`` argument; LambdaTargetError if malformed."""
    if arg == ALL_FUNCTIONS:
        return TargetSpec("all-functions")
    if arg.startswith(LAYER_PREFIX):
        arn = arg.removeprefix(LAYER_PREFIX)
        if not _LAYER_ARN.fullmatch(arn):
            raise LambdaTargetError(
                f"{arg}: expected layer:arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION"
            )
        return TargetSpec("layer", arn)
    if not arg.startswith(LAMBDA_PREFIX):
        raise LambdaTargetError(f"{arg}: not a lambda: or layer: target")
    rest = arg.removeprefix(LAMBDA_PREFIX)
    if rest.startswith("arn:"):
        if not _FUNCTION_ARN.fullmatch(rest):
            raise LambdaTargetError(
                f"{arg}: expected lambda:arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]"
            )
        return TargetSpec("function", rest)
    name, colon, qualifier = rest.partition(":")
    if not _NAME.fullmatch(name) or (colon and not _QUALIFIER.fullmatch(qualifier)):
        raise LambdaTargetError(
            f"{arg}: expected lambda:NAME[:QUALIFIER] (letters, digits, - and _), lambda:* "
            "or layer:ARN"
        )
    return TargetSpec("function", name, qualifier or None)


def layer_name_and_version(arn: str) -> tuple[str, str]:
    """``("my-layer", "3")`` for a LayerVersionArn; ``(arn, "")`` when it does not parse."""
    match = _LAYER_ARN.fullmatch(arn)
    if not match:
        return arn, ""
    return match["name"], match["version"]


def flatten_targets(targets: Iterable[LambdaTarget]) -> list[LambdaTarget]:
    """Each function followed by its layers, every label once: one entry per artifact to scan.

    A layer shared by many functions (or also named with ``layer:``) appears once,
    at its first use.
    """
    out: list[LambdaTarget] = []
    seen: set[str] = set()
    for target in targets:
        for item in (target, *target.layers):
            if item.label not in seen:
                seen.add(item.label)
                out.append(item)
    return out

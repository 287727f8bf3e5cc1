"""Lambda's unzipped size limit: a function or layer that Lambda would refuse.

Lambda refuses a function whose code and layers unzip to more than 250 MB: CreateFunction
and UpdateFunctionCode answer "Unzipped size must be smaller than 262144000 bytes" (AWS
Lambda quotas, "Deployment package (.zip file archive) size": 250 MB unzipped, including
layers and custom runtimes).  The size is the sum of the uncompressed sizes of the files in
the zips (their central directories, as the zip reader lists them; what the limits of the
reader then enforce on the bytes actually read).

Rule (kind ``"lambda"``):

- WC-LAMBDA-SIZE (info): the function (with its layers, where they are known) or the layer
  unzips to 262,144,000 bytes or more.  Info: it is not a supply-chain risk, but it
  will not deploy, and an artifact suddenly that large deserves a look.

Local artifacts are recognised by their kind (``lambda-zip``, ``lambda-layer``); a local
function zip does not say which layers it will run with, so its own size is the figure.
For a deployed ``lambda:`` function the layers Lambda attaches are downloaded too, and
their sizes are added (``LambdaTarget.unzipped_size``); a layer that could not be read is
named as not counted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from wellcheck.artifact.base import EntryKind, Tree
from wellcheck.aws.targets import LambdaTarget, layer_name_and_version
from wellcheck.checks import Check, CheckContext, CheckResult
from wellcheck.models import Component, Finding, Severity

UNZIPPED_LIMIT = 262_144_000  # bytes: "250 MB" in Lambda's quotas, as its API enforces it
RULE_SIZE = "WC-LAMBDA-SIZE"
LAMBDA_KINDS = frozenset({"lambda-zip", "lambda-layer"})
MIB = 1024 * 1024  # Lambda's "250 MB" is 262,144,000 bytes: 250 MiB


def unzipped_size(tree: Tree) -> int:
    """What the tree's files weigh once unzipped (their declared sizes)."""
    return sum(e.size for e in tree.entries().values() if e.kind is EntryKind.FILE)


def zip_unzipped_size(path: Path) -> int | None:
    """The unzipped size of a zip on disk; None when it cannot be read as one."""
    from wellcheck.artifact.common import Budget
    from wellcheck.artifact.limits import DEFAULT_LIMITS
    from wellcheck.artifact.zipreader import open_zip_file
    from wellcheck.errors import ArtifactError

    try:
        tree = open_zip_file(str(path), DEFAULT_LIMITS, Budget(DEFAULT_LIMITS), ())
    except ArtifactError:
        return None
    try:
        return unzipped_size(tree)
    finally:
        tree.close()


@dataclass(frozen=True)
class Part:
    """A layer counted with a function: its label and unzipped size (None: not known)."""

    label: str
    size: int | None


class LambdaSizeCheck(Check):
    """WC-LAMBDA-SIZE for a Lambda zip, or a deployed function with its ``layers``.

    ``deployed``: the artifact is a function or layer Lambda holds (its kind is then not
    looked at); ``package``/``version`` name it in the finding.  A scan target's own check
    replaces the scan-wide one of the same name (see ``scan.target``).
    """

    name = "lambda-size"

    def __init__(
        self,
        layers: Sequence[Part] = (),
        *,
        deployed: bool = False,
        package: str = "",
        version: str = "",
        limit: int = UNZIPPED_LIMIT,
    ) -> None:
        self.layers = tuple(layers)
        self.deployed = deployed
        self.package = package
        self.version = version
        self.limit = limit

    def run(self, components: Sequence[Component], context: CheckContext) -> CheckResult:
        if not self.deployed and context.artifact.kind not in LAMBDA_KINDS:
            return CheckResult()
        own = next((t for t in context.trees if not t.chain), None)
        if own is None:
            return CheckResult()
        size = unzipped_size(own)
        known = [part for part in self.layers if part.size is not None]
        total = size + sum(part.size or 0 for part in known)
        if total < self.limit:  # "must be smaller than 262144000 bytes"
            return CheckResult()
        return CheckResult((self._finding(context, size, total, known),))

    def _finding(self, context: CheckContext, size: int, total: int, known: list[Part]) -> Finding:
        what = "layer" if context.artifact.kind == "lambda-layer" else "function"
        parts = [f"{what} {_mb(size)}"]
        parts += [f"layer {part.label} {_mb(part.size or 0)}" for part in known]
        evidence = f"{' + '.join(parts)} = {total:,} bytes unzipped"
        unknown = [part.label for part in self.layers if part.size is None]
        if unknown:
            evidence += f"; not counted (not read): {', '.join(unknown)}"
        with_layers = " with its layers" if known else ""
        return Finding(
            kind="lambda",
            rule=RULE_SIZE,
            package=self.package,
            version=self.version,
            severity=Severity.INFO,
            title=f"the {what}{with_layers} unzips to {_mb(total)}: Lambda's limit is 250 MiB",
            location=context.artifact.path,
            confidence="high",
            evidence=f"{evidence}; Lambda's limit is {self.limit:,} bytes (250 MiB)",
            remediation="Lambda will refuse it: trim the bundle (tests, docs, unused "
            "dependencies) or package the function as a container image (10 GB).",
            url="https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html",
        )


def deployed_size_check(target: LambdaTarget) -> LambdaSizeCheck:
    """The size check of a deployed function (with its layers) or layer."""
    package = target.function_name or layer_name_and_version(target.arn or target.label)[0]
    layers = [Part(layer.label, layer.unzipped_size) for layer in target.layers]
    version = target.version or target.qualifier or ""
    return LambdaSizeCheck(layers, deployed=True, package=package, version=version)


def _mb(size: int) -> str:
    return f"{size / MIB:.1f} MiB"

"""``wellcheck sbom`` as a plain function: inventory every artifact, then render.

Every artifact is opened and inventoried before anything is rendered, and
every document is rendered (and validated) before anything is written, so a
bad artifact or an invalid document leaves no file behind.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from wellcheck.artifact.limits import DEFAULT_LIMITS, Limits
from wellcheck.sbom import SbomFormat, render_sbom
from wellcheck.sbom.output import ensure_directory, is_directory_target, per_artifact_paths

if TYPE_CHECKING:
    from wellcheck.pipeline import Inventory


@dataclass(frozen=True)
class SbomJob:
    artifacts: tuple[str, ...]
    fmt: SbomFormat = SbomFormat.CYCLONEDX_JSON
    spec: str = "1.6"
    output: str | None = None  # None: stdout; a file; or a directory (one SBOM per artifact)
    reproducible: bool = False
    validate: bool = False
    limits: Limits = DEFAULT_LIMITS


@dataclass(frozen=True)
class Document:
    path: Path | None  # None: standard output
    text: str


def run_sbom(job: SbomJob) -> list[Document]:
    """Build the documents ``job`` asks for; raises WellcheckError subclasses."""
    from wellcheck.pipeline import inventory_artifact

    inventories = [inventory_artifact(path, job.limits) for path in job.artifacts]

    def render(selected: Sequence[Inventory]) -> str:
        return render_sbom(
            selected,
            job.fmt,
            spec=job.spec,
            reproducible=job.reproducible,
            validate=job.validate,
        )

    if job.output is None:
        return [Document(None, render(inventories))]
    if not is_directory_target(job.output):
        return [Document(Path(job.output), render(inventories))]
    from wellcheck.sbom.graph import artifact_name

    names = [artifact_name(inv.artifact_preview) for inv in inventories]
    paths = per_artifact_paths(job.output, names, job.fmt.suffix)
    documents = [Document(p, render([inv])) for p, inv in zip(paths, inventories, strict=True)]
    ensure_directory(job.output)
    return documents

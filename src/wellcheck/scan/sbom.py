"""Which checks run when the artifact is an SBOM (no files, only the components it lists).

Advisories and the name-only signals (typosquat, PyPI metadata) run as for any artifact.
Checks that read files cannot:

- the default file checks (RECORD integrity and start-up hooks, both done by the
  ``integrity`` check, and the ``behaviour`` check's code analysis) do not apply to
  an SBOM, as integrity does not apply to a vendored copy or with ``--no-signals``:
  the user chose an input without files.  They are
  reported as not applicable (``ArtifactResult.not_applicable``), and the scan is not
  incomplete for them: otherwise every daily re-check of a kept SBOM would exit 3, CI
  would have to tolerate 3, and a real outage of the advisory source would pass unseen.
- a file check the user asked for explicitly (``--verify-upstream``) is "not checked"
  (``skipped``: the scan is incomplete, exit 3), as ``--offline`` with an online
  advisory source is: what was asked for was not done.

Entries the SBOM lists that could not become a checkable PyPI component (no purl, an
invalid name; not another ecosystem's purl) are one ``inventory`` SkippedCheck: what
the document lists was not all checked, so the scan is incomplete, never a pass.
"""

from __future__ import annotations

from collections.abc import Sequence

from wellcheck.artifact.base import OpenedArtifact
from wellcheck.checks import Check
from wellcheck.models import SkippedCheck

NO_FILES = "input is an SBOM: no files"

#: check name -> the SkippedCheck sources it stands for (on by default)
DEFAULT_FILE_CHECKS: dict[str, tuple[str, ...]] = {
    "integrity": ("integrity", "startup"),
    "behaviour": ("behaviour",),
    # --pypi's behaviour drift compares code: with no files it has nothing to compare,
    # as the behaviour check has not (the PyPI-metadata part of --pypi still runs)
    "drift": ("drift",),
}
#: check name -> sources, for file checks that run only when asked for
REQUESTED_FILE_CHECKS: dict[str, tuple[str, ...]] = {"upstream": ("upstream",)}


def checks_for_sbom(
    checks: Sequence[Check], opened: OpenedArtifact | None = None
) -> tuple[list[Check], list[SkippedCheck], list[SkippedCheck]]:
    """(checks to run, not checked, not applicable) for an SBOM input; ``opened`` (the
    SBOM) adds what it lists that could not be checked."""
    from wellcheck.artifact.sbomfile import SbomArtifact

    runnable: list[Check] = []
    skipped: list[SkippedCheck] = []
    not_applicable: list[SkippedCheck] = []
    if isinstance(opened, SbomArtifact) and opened.document is not None:
        reason = opened.document.unusable_reason
        if reason:
            skipped.append(SkippedCheck(source="inventory", reason=reason))
    for check in checks:
        if check.name in DEFAULT_FILE_CHECKS:
            sources = DEFAULT_FILE_CHECKS[check.name]
            not_applicable.extend(SkippedCheck(source, NO_FILES) for source in sources)
        elif check.name in REQUESTED_FILE_CHECKS:
            sources = REQUESTED_FILE_CHECKS[check.name]
            skipped.extend(SkippedCheck(source, NO_FILES) for source in sources)
        else:
            runnable.append(check)
    return runnable, skipped, not_applicable

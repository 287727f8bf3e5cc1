"""Root exceptions.  Each seam has one root; the CLI maps them to exit codes."""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    """Process exit codes, documented in README.md."""

    CLEAN = 0  # nothing at or above the --fail-on threshold
    FINDINGS = 1  # findings at or above the threshold (or drift with --fail-on-drift)
    INPUT_ERROR = 2  # usage error, unreadable or hostile input, corrupt local data
    INCOMPLETE = 3  # a source could not be consulted: the result is not a clean bill


class WellcheckError(Exception):
    """Base of every error wellcheck reports as one line on stderr."""

    exit_status: ExitStatus = ExitStatus.INPUT_ERROR


class ArtifactError(WellcheckError):
    """The artifact cannot be opened or read (corrupt, truncated, unsupported)."""


class HostileArtifactError(ArtifactError):
    """The artifact breaks a safety rule (traversal, bomb, link escape...).

    ``member`` names the offending archive member and ``rule`` the rule it broke.
    """

    def __init__(self, member: str, rule: str, detail: str = "") -> None:
        self.member = member
        self.rule = rule
        self.detail = detail
        text = self._headline()
        super().__init__(f"{text}: {detail}" if detail else text)

    def _headline(self) -> str:
        return f"hostile artifact: member {self.member!r} breaks rule {self.rule}"


class LimitExceededError(HostileArtifactError):
    """An archive limit (size, ratio, count, depth) was exceeded.

    Not necessarily hostile (a big image may simply need ``--limit``), so the
    message says "limit exceeded" and names the limit; the exit status is the same.
    """

    def _headline(self) -> str:
        return f"limit exceeded: {self.rule} (member {self.member!r})"


class MetadataError(WellcheckError):
    """Package metadata could not be parsed."""


class SourceError(WellcheckError):
    """A knowledge source (advisory index, OSV API, PyPI) could not be consulted."""

    exit_status = ExitStatus.INCOMPLETE


class DatabaseError(WellcheckError):
    """A local database wellcheck owns is missing, corrupt or locked."""


class OutputError(WellcheckError):
    """A report or SBOM could not be produced or written."""

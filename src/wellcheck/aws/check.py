"""Findings about a deployed function's configuration (the ``lambda-config`` check).

Rules (kind ``"lambda"``; package = the function or layer name, version = the
version Lambda reports, e.g. ``$LATEST`` or ``7``):

- WC-LAMBDA-RUNTIME-EOL (medium): the Python runtime is past AWS's end of
  support (no more patches to the interpreter or the OS it runs on);
- WC-LAMBDA-TIMEOUT-MAX (medium): the timeout is the 900 s maximum, so a payload
  injected into a dependency has all the time there is;
- WC-LAMBDA-CODE-MISMATCH (high): the deployed code's CodeSha256 is not the one
  of the artifact or SBOM given with ``--expect``: what runs is not what CI built.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from wellcheck.aws.runtimes import RUNTIMES_SOURCE, deprecation_date
from wellcheck.aws.targets import LambdaTarget, layer_name_and_version
from wellcheck.checks import Check, CheckContext, CheckResult
from wellcheck.models import Component, Finding, Severity, SkippedCheck

MAX_TIMEOUT = 900  # seconds: Lambda's upper bound
RULE_RUNTIME_EOL = "WC-LAMBDA-RUNTIME-EOL"
RULE_TIMEOUT_MAX = "WC-LAMBDA-TIMEOUT-MAX"
RULE_CODE_MISMATCH = "WC-LAMBDA-CODE-MISMATCH"


class LambdaConfigCheck(Check):
    """Configuration findings for one resolved target (components are not looked at)."""

    name = "lambda-config"

    def __init__(
        self,
        target: LambdaTarget,
        *,
        expected_sha256: str | None = None,  # base64, like CodeSha256
        expected_from: str = "",  # the --expect file, for the evidence
        today: date | None = None,
    ) -> None:
        self.target = target
        self.expected_sha256 = expected_sha256
        self.expected_from = expected_from
        self.today = today or datetime.now(UTC).date()

    def run(self, components: Sequence[Component], context: CheckContext) -> CheckResult:
        findings: list[Finding] = []
        skipped: list[SkippedCheck] = []
        for finding in (self._runtime(), self._timeout()):
            if finding is not None:
                findings.append(finding)
        if self.expected_sha256 is not None:
            if self.target.code_sha256 is None:
                skipped.append(
                    SkippedCheck(
                        source=self.name,
                        reason=f"{self.target.label}: Lambda reported no CodeSha256 to compare",
                        package=self._package(),
                        version=self._version(),
                    )
                )
            elif self.target.code_sha256 != self.expected_sha256:
                findings.append(self._mismatch(self.target.code_sha256, self.expected_sha256))
        return CheckResult(tuple(findings), tuple(skipped))

    def _package(self) -> str:
        target = self.target
        if target.function_name:
            return target.function_name
        return layer_name_and_version(target.arn or target.label)[0]

    def _version(self) -> str:
        return self.target.version or self.target.qualifier or ""

    def _finding(self, rule: str, severity: Severity, title: str, **extra: Any) -> Finding:
        return Finding(
            kind="lambda",
            rule=rule,
            package=self._package(),
            version=self._version(),
            severity=severity,
            title=title,
            location=self.target.label,
            confidence="high",
            **extra,
        )

    def _runtime(self) -> Finding | None:
        runtime = self.target.runtime
        when = deprecation_date(runtime) if runtime else None
        if runtime is None or when is None or self.today < when:
            return None
        return self._finding(
            RULE_RUNTIME_EOL,
            Severity.MEDIUM,
            f"runtime {runtime} is past AWS end of support ({when.isoformat()})",
            evidence=f"Runtime={runtime}; deprecated on {when.isoformat()}",
            remediation="move the function to a supported Python runtime and redeploy",
            url=RUNTIMES_SOURCE,
        )

    def _timeout(self) -> Finding | None:
        timeout = self.target.timeout
        if timeout is None or timeout < MAX_TIMEOUT:
            return None
        return self._finding(
            RULE_TIMEOUT_MAX,
            Severity.MEDIUM,
            f"timeout is the {MAX_TIMEOUT} s maximum: injected code gets all the time there is",
            evidence=f"Timeout={timeout}",
            remediation="set the timeout just above the function's real worst case",
        )

    def _mismatch(self, actual: str, expected: str) -> Finding:
        source = f" ({self.expected_from})" if self.expected_from else ""
        return self._finding(
            RULE_CODE_MISMATCH,
            Severity.HIGH,
            "deployed code differs from the expected build (CodeSha256 mismatch)",
            evidence=f"CodeSha256={actual}; expected {expected}{source}",
            remediation="find out who deployed this code and how; redeploy the CI artifact",
        )

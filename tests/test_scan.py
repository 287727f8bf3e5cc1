"""Scan orchestration on real (generated) artifacts with fake checks."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from wellcheck.checks import Check, CheckContext, CheckResult
from wellcheck.errors import ExitStatus, SourceError, WellcheckError
from wellcheck.models import Component, ComponentKind, Finding, Severity, SkippedCheck
from wellcheck.policy import FailOn
from wellcheck.scan.checks import UnavailableCheck, build_checks
from wellcheck.scan.options import ScanOptions
from wellcheck.scan.run import run_scan
from wellcheck.scan.target import scan_artifacts


def metadata(name: str, version: str) -> bytes:
    return f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\n".encode()


def lambda_zip(path: Path, packages: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("lambda_function.py", "def handler(event, context):\n    return 1\n")
        for name, version in packages.items():
            info = f"{name}-{version}.dist-info"
            zf.writestr(f"{info}/METADATA", metadata(name, version))
            zf.writestr(f"{info}/RECORD", f"{name}/__init__.py,,\n{info}/METADATA,,\n")
            zf.writestr(f"{name}/__init__.py", "")
    return path


class FakeAdvisories(Check):
    """Flags every component whose (name, version) is listed."""

    name = "fake-advisories"

    def __init__(self, bad: dict[tuple[str, str], Severity]) -> None:
        self.bad = bad

    def run(self, components: Sequence[Component], context: CheckContext) -> CheckResult:
        return CheckResult(
            findings=tuple(
                Finding(
                    kind="advisory",
                    rule=f"GHSA-{c.name}",
                    package=c.name,
                    version=c.version,
                    severity=self.bad[(c.name, c.version)],
                    title="bad",
                    location=c.display_location,
                    id=f"GHSA-{c.name}",
                    aliases=(f"CVE-{c.name}",),
                )
                for c in components
                if (c.name, c.version) in self.bad
            )
        )


class ReadsMetadata(Check):
    """A file-level check: reads each METADATA through the context's trees."""

    name = "reads-metadata"

    def __init__(self) -> None:
        self.seen: list[bytes] = []

    def run(self, components: Sequence[Component], context: CheckContext) -> CheckResult:
        for component in components:
            if component.kind is not ComponentKind.DIST_INFO:
                continue  # the handler module itself is an "unclaimed" component
            (tree,) = context.trees
            self.seen.append(tree.read_bytes(f"{component.location}/METADATA"))
        return CheckResult()


class Unreachable(Check):
    name = "fake-online"

    def __init__(self, raise_it: bool) -> None:
        self.raise_it = raise_it

    def run(self, components: Sequence[Component], context: CheckContext) -> CheckResult:
        if self.raise_it:
            raise SourceError("connection refused")
        return CheckResult(skipped=(SkippedCheck(self.name, "HTTP 503", "requests", "2.25.1"),))


@pytest.fixture
def function_zip(tmp_path: Path) -> Path:
    return lambda_zip(tmp_path / "function.zip", {"requests": "2.25.1", "urllib3": "1.26.4"})


def test_components_and_findings_per_artifact(function_zip: Path) -> None:
    check = FakeAdvisories({("urllib3", "1.26.4"): Severity.HIGH})
    (result,) = scan_artifacts([str(function_zip)], [check]).results
    assert result.artifact.path == str(function_zip)
    dists = sorted(c.name for c in result.components if c.kind is ComponentKind.DIST_INFO)
    assert dists == ["requests", "urllib3"]
    assert [(f.package, f.rule) for f in result.findings] == [("urllib3", "GHSA-urllib3")]
    assert result.complete


def test_trees_stay_open_while_file_level_checks_run(function_zip: Path) -> None:
    check = ReadsMetadata()
    scan_artifacts([str(function_zip)], [check])
    assert sorted(check.seen) == [metadata("requests", "2.25.1"), metadata("urllib3", "1.26.4")]


def test_unreadable_artifact_is_an_input_error_and_others_are_still_scanned(
    tmp_path: Path, function_zip: Path
) -> None:
    corrupt = tmp_path / "corrupt.zip"
    corrupt.write_bytes(b"PK\x03\x04" + b"\0" * 64)
    options = ScanOptions(
        artifacts=(str(tmp_path / "missing.zip"), str(corrupt), str(function_zip)),
        advisories=False,
        signals=False,
    )
    outcome, verdict = run_scan(options, [FakeAdvisories({("requests", "2.25.1"): S.CRITICAL})])
    missing, broken, good = outcome.results
    assert missing.error and broken.error
    assert not good.error
    assert [f.package for f in good.findings] == ["requests"]
    assert verdict.status is ExitStatus.INPUT_ERROR
    assert verdict.errors == 2
    assert verdict.failing == 1


S = Severity


class Buggy(Check):
    """A check with a bug that only one artifact triggers: it raises what no check may."""

    name = "buggy"

    def __init__(self, victim: str) -> None:
        self.victim = victim

    def run(self, components: Sequence[Component], context: CheckContext) -> CheckResult:
        if context.artifact.path.endswith(self.victim):
            raise KeyError("no such field")
        return CheckResult()


def test_an_unexpected_exception_fails_that_artifact_and_the_others_are_reported(
    tmp_path: Path, function_zip: Path
) -> None:
    """Issue 11: a crash on one artifact used to lose the whole report.  Now it is that
    artifact's internal error (exit 2) and every other artifact is scanned and reported."""
    from wellcheck.report import get_reporter

    other = lambda_zip(tmp_path / "other.zip", {"idna": "3.6"})
    options = ScanOptions(
        artifacts=(str(function_zip), str(other)), advisories=False, signals=False
    )
    bad = FakeAdvisories({("idna", "3.6"): S.HIGH})
    outcome, verdict = run_scan(options, [Buggy("function.zip"), bad])
    crashed, scanned = outcome.results
    assert crashed.error == "internal error: KeyError: 'no such field'"
    assert not scanned.error
    assert [f.package for f in scanned.findings] == ["idna"]
    assert verdict.status is ExitStatus.INPUT_ERROR
    report = get_reporter("json").render(outcome, verdict)
    assert "internal error: KeyError" in report and "idna" in report


@pytest.mark.parametrize("raise_it", [False, True])
def test_a_source_that_cannot_be_consulted_makes_the_scan_incomplete(
    function_zip: Path, raise_it: bool
) -> None:
    options = ScanOptions(artifacts=(str(function_zip),), advisories=False, signals=False)
    outcome, verdict = run_scan(options, [Unreachable(raise_it)])
    (result,) = outcome.results
    assert result.skipped[0].source == "fake-online"
    assert verdict.status is ExitStatus.INCOMPLETE


def test_ignore_file_and_threshold_give_the_verdict(tmp_path: Path, function_zip: Path) -> None:
    ignore = tmp_path / "ignore.toml"
    ignore.write_text(
        '[[ignore]]\nid = "CVE-urllib3"\nreason = "not reachable from the handler"\n',
        encoding="utf-8",
    )
    check = FakeAdvisories({("urllib3", "1.26.4"): S.HIGH, ("requests", "2.25.1"): S.MEDIUM})
    options = ScanOptions(artifacts=(str(function_zip),), ignore_file=ignore)
    outcome, verdict = run_scan(options, [check])
    assert [f.package for f in outcome.results[0].ignored] == ["urllib3"]
    assert verdict.status is ExitStatus.CLEAN  # medium is under the default threshold
    stricter = ScanOptions(artifacts=options.artifacts, ignore_file=ignore, fail_on=FailOn.MEDIUM)
    assert run_scan(stricter, [check])[1].status is ExitStatus.FINDINGS


def test_bad_ignore_file_fails_before_any_scanning(tmp_path: Path, function_zip: Path) -> None:
    ignore = tmp_path / "ignore.toml"
    ignore.write_text('[[ignore]]\nid = "CVE-1"\n', encoding="utf-8")
    check = ReadsMetadata()
    with pytest.raises(WellcheckError, match="reason"):
        run_scan(ScanOptions(artifacts=(str(function_zip),), ignore_file=ignore), [check])
    assert check.seen == []


def test_offline_makes_online_sources_not_checked(function_zip: Path) -> None:
    options = ScanOptions(
        artifacts=(str(function_zip),), source="osv-api", offline=True, signals=False
    )
    (check,) = build_checks(options)
    assert isinstance(check, UnavailableCheck)
    outcome, verdict = run_scan(options, [check])
    assert outcome.results[0].skipped[0].source == "osv-api"
    assert verdict.status is ExitStatus.INCOMPLETE


def test_unknown_source_is_a_usage_error() -> None:
    with pytest.raises(WellcheckError, match="--source must be one of"):
        build_checks(ScanOptions(artifacts=(), source="nvd"))


def test_missing_offline_index_is_an_error_that_says_how_to_get_one(tmp_path: Path) -> None:
    pytest.importorskip("wellcheck.advisories.offline", reason="offline index not present")
    options = ScanOptions(artifacts=(), db=tmp_path / "none.sqlite3", signals=False)
    with pytest.raises(WellcheckError, match="wellcheck db"):
        build_checks(options)


def test_stale_index_warning_reaches_the_report_notes(tmp_path: Path, function_zip: Path) -> None:
    index = pytest.importorskip("wellcheck.advisories.index", reason="offline index not present")
    record = {
        "id": "GHSA-j8r2-6x86-q33q",
        "modified": "2023-06-12T20:41:08Z",
        "summary": "Unintended leak of Proxy-Authorization header in requests",
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": "requests"},
                "ranges": [
                    {"type": "ECOSYSTEM", "events": [{"introduced": "2.3.0"}, {"fixed": "2.31.0"}]}
                ],
            }
        ],
    }
    db = tmp_path / "osv.sqlite3"
    index.build_index([record], db, source="test")  # imported now; its data is from 2023
    options = ScanOptions(artifacts=(str(function_zip),), db=db, signals=False)
    outcome, verdict = run_scan(options)
    assert [f.id for f in outcome.results[0].findings] == ["GHSA-j8r2-6x86-q33q"]
    (note,) = outcome.notes
    assert "data date 2023-06-12T20:41:08Z" in note and "wellcheck db update" in note
    lenient = ScanOptions(artifacts=(str(function_zip),), db=db, signals=False, db_max_age_days=1e5)
    assert run_scan(lenient)[0].notes == ()
    assert verdict.status is ExitStatus.CLEAN  # unscored: ranks as medium, under "high"


def test_prepared_targets_keep_their_label_and_own_checks(function_zip: Path) -> None:
    from wellcheck.scan.options import ScanTarget

    own = FakeAdvisories({("requests", "2.25.1"): S.LOW})
    targets = [
        ScanTarget(str(function_zip), label="lambda:orders:prod", checks=(own,)),
        ScanTarget("", label="lambda:gone", error="ResourceNotFoundException: function not found"),
    ]
    deployed, gone = scan_artifacts(targets, [FakeAdvisories({})]).results
    assert deployed.artifact.path == "lambda:orders:prod"
    assert deployed.artifact.kind == "lambda-zip"
    assert [f.package for f in deployed.findings] == ["requests"]
    assert gone.artifact.path == "lambda:gone"
    assert gone.error == "ResourceNotFoundException: function not found"


@pytest.fixture
def lambda_server(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Any]:
    """The loopback Lambda API server of tests/aws (skipped when it or boto3 is absent)."""
    pytest.importorskip("boto3", reason="wellcheck[aws] not installed")
    monkeypatch.syspath_prepend(str(Path(__file__).parent / "aws"))
    server_module = pytest.importorskip("lambda_server", reason="loopback Lambda server absent")
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    server = server_module.LambdaServer().start()
    fake = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": str(tmp_path / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-aws-credentials"),
        "WELLCHECK_LAMBDA_ENDPOINT_URL": server.url,
    }
    for key, value in fake.items():
        monkeypatch.setenv(key, value)
    try:
        yield server, server_module
    finally:
        server.stop()


def zip_bytes(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, text in files.items():
            zf.writestr(name, text)
    return buffer.getvalue()


def dist_files(prefix: str, name: str, version: str) -> dict[str, str]:
    info = f"{prefix}{name}-{version}.dist-info"
    return {f"{info}/METADATA": metadata(name, version).decode(), f"{info}/RECORD": ""}


def test_deployed_function_with_two_layers(lambda_server: Any, tmp_path: Path) -> None:
    server, module = lambda_server
    deps = module.FakeLayer(
        module.layer_arn("deps", 1), zip_bytes(dist_files("python/", "requests", "2.25.1"))
    )
    more = module.FakeLayer(
        module.layer_arn("more", 2), zip_bytes(dist_files("python/", "urllib3", "1.26.4"))
    )
    server.add_layer(deps)
    server.add_layer(more)
    code = zip_bytes({"lambda_function.py": "x = 1\n", **dist_files("", "idna", "2.10")})
    server.add_function(
        module.FakeFunction("orders", code, runtime="python3.7", layers=(deps.arn, more.arn))
    )
    built = tmp_path / "built.zip"
    built.write_bytes(zip_bytes({"lambda_function.py": "x = 2\n"}))  # CI built something else
    check = FakeAdvisories({("urllib3", "1.26.4"): S.HIGH})
    options = ScanOptions(
        artifacts=("lambda:orders", "lambda:missing"), expect=built, signals=False
    )
    outcome, verdict = run_scan(options, [check])
    labels = [r.artifact.path for r in outcome.results]
    assert labels == ["lambda:orders", deps.arn, more.arn, "lambda:missing"]
    function, _, layer, missing = outcome.results
    rules = {f.rule for f in function.findings}
    assert {"WC-LAMBDA-RUNTIME-EOL", "WC-LAMBDA-CODE-MISMATCH"} <= rules
    assert [f.package for f in layer.findings] == ["urllib3"]
    assert missing.error and "not found" in missing.error
    assert verdict.status is ExitStatus.INPUT_ERROR


class Recorder(Check):
    """Records when it runs; reports one not-checked entry named after itself."""

    def __init__(self, name: str, ran: list[str], *, late: bool = False) -> None:
        self.name = name
        self.ran = ran
        self.late = late

    def run(self, components: Sequence[Component], context: CheckContext) -> CheckResult:
        self.ran.append(self.name)
        return CheckResult(findings=(), skipped=(SkippedCheck(self.name, "recorded"),))


def test_a_late_check_runs_last_and_keeps_its_place_in_the_report(tmp_path: Path) -> None:
    artifact = lambda_zip(tmp_path / "fn.zip", {"requests": "2.0.0"})
    ran: list[str] = []
    checks = [Recorder("first", ran), Recorder("second", ran, late=True), Recorder("third", ran)]
    [result] = scan_artifacts([str(artifact)], checks).results
    assert ran == ["first", "third", "second"]
    assert [s.source for s in result.skipped] == ["first", "second", "third"]

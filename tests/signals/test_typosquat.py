"""Typosquat detector: table-driven positives and negatives, the check, the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from wellcheck.checks import CheckContext
from wellcheck.models import ArtifactInfo, Component, ComponentKind, Severity
from wellcheck.signals.popular import PopularList
from wellcheck.signals.typo_allowlist import Allowlist, parse_entries
from wellcheck.signals.typosquat import (
    THRESHOLD,
    TyposquatCheck,
    TyposquatDetector,
    check_name,
    severity_for,
)

# A small ranked list: real names at the top ranks, fillers after them.
RANKED = [
    "requests", "numpy", "setuptools", "python-dateutil", "colorama", "jellyfish",
    "django", "pandas", "urllib3", "beautifulsoup4", "boto3", "matplotlib", "pyyaml",
    "flatten-json", "pydantic", "tensorflow", "cryptography", "selenium", "faiss-cpu",
    "jax-gpu", "nltk",
]  # fmt: skip
FILLERS = [f"filler{i:04d}x" for i in range(6000)]
# "co1orama" stands for an established (ranked) project that looks like a squat.
NAMES = RANKED + FILLERS[:200] + ["co1orama", "boto"] + FILLERS[200:] + ["rare-library"]


@pytest.fixture(scope="module")
def detector() -> TyposquatDetector:
    return TyposquatDetector(PopularList("2026-11", "test", tuple(NAMES)), Allowlist())


# (transformation, suspect name, imitated project, legitimate name nearby that must pass)
CASES = [
    ("swap", "reqeusts", "requests", "requests"),
    ("swap", "ntlk", "nltk", "nltk"),  # a swap keeps every letter: half the short-name penalty
    ("insertion", "colourama", "colorama", "colorama"),
    ("deletion", "beautifulsup4", "beautifulsoup4", "beautifulsoup4"),
    ("substitution", "tensorfluw", "tensorflow", "tensorflow"),
    ("keyboard", "selenijm", "selenium", "selenium"),
    ("lookalike", "jeIlyfish", "jellyfish", "jellyfish"),
    ("lookalike", "nurnpy", "numpy", "numpy"),
    ("lookalike", "c0lorama", "colorama", "colorama"),
    ("lookalike", "setuptoo1s", "setuptools", "setuptools"),
    ("doubled-letter", "matplottlib", "matplotlib", "matplotlib"),
    ("dropped-letter", "urlib3", "urllib3", "urllib3"),
    ("separator", "setup-tools", "setuptools", "setuptools"),
    ("separator", "py_yaml", "pyyaml", "PyYAML"),
    ("reordered-words", "json-flatten", "flatten-json", "flatten_json"),
    ("affix", "python3-dateutil", "python-dateutil", "python-dateutil"),
    ("affix", "pydantic2", "pydantic", "pydantic"),
    ("affix", "numpy-python", "numpy", "numpy"),
    ("plural", "tensorflows", "tensorflow", "tensorflow"),
    ("singular", "request", "requests", "requests"),
    ("affix", "urllib", "urllib3", "urllib3"),
    ("typo-with-suffix", "matplitlib-terminal", "matplotlib", "matplotlib-terminal"),
    ("combination", "requests-pandas", "requests", "requests"),
    ("affix", "2022-requests", "requests", "requests"),
    ("two-edits", "tensorfioi", "tensorflow", "tensorflow"),
    ("two-edits", "requestsaa", "requests", "requests"),
    ("two-edits", "beautifilsoop", "beautifulsoup4", "beautifulsoup4"),
]


@pytest.mark.parametrize(("transformation", "squat", "target", "legit"), CASES)
def test_each_transformation_flags_the_squat_and_passes_the_real_name(
    detector: TyposquatDetector, transformation: str, squat: str, target: str, legit: str
) -> None:
    verdict = detector.check(squat)
    assert verdict.suspect, verdict
    assert verdict.target == target
    assert verdict.transformation == transformation
    assert verdict.target_rank == NAMES.index(target) + 1
    assert THRESHOLD <= verdict.score <= 1.0
    assert not detector.check(legit).suspect


# Names that look close but carry no evidence of imitation.
NEGATIVES = [
    ("unrelated name", "totally-unrelated-thing"),
    ("three edits away", "reqxxxts"),
    ("two edits on a name shorter than eight letters", "nunpx"),
    ("two edits from a name outside the two-edit top", "rere-libraty"),
    ("the changed word is a word popular names use", "faiss-gpu"),
    ("version-number affix on both sides", "urllib5"),
]

# Weak evidence: reported, but as low-severity, low-confidence suspects.
WEAK = [
    ("two plain substitutions", "reqxxsts"),
    ("edit on a short name", "numpx"),
    ("end letter of a five-letter name", "numpi"),
    ("squat of a low-ranked name", "rare-librry"),
]


@pytest.mark.parametrize(("why", "name"), NEGATIVES)
def test_near_names_without_evidence_are_not_suspects(
    detector: TyposquatDetector, why: str, name: str
) -> None:
    assert not detector.check(name).suspect, why


@pytest.mark.parametrize(("why", "name"), WEAK)
def test_weak_evidence_is_a_low_severity_suspect(
    detector: TyposquatDetector, why: str, name: str
) -> None:
    verdict = detector.check(name)
    assert verdict.suspect, why
    assert verdict.score < 0.7 and severity_for(verdict.score) is Severity.LOW, why


def test_popular_on_popular_pairs_are_not_flagged(detector: TyposquatDetector) -> None:
    verdict = detector.check("boto")  # popular itself, one digit from boto3
    assert not verdict.suspect
    assert verdict.rank == NAMES.index("boto") + 1


def test_top_checks_lower_ranked_names_with_an_established_prior(
    detector: TyposquatDetector,
) -> None:
    # Below --top, a ranked name is checked, but as an established project it needs
    # much stronger evidence than an unknown one: an affix is not enough, a look-alike is.
    boto = detector.check("boto", top=100)
    assert (boto.target, boto.transformation, boto.suspect) == ("boto3", "affix", False)
    alike = detector.check("co1orama", top=100)
    assert alike.suspect and (alike.target, alike.transformation) == ("colorama", "lookalike")
    assert not detector.check("co1orama").suspect  # within the default top: exempt


def test_rank_blind_detector_judges_ranked_names_like_unknown_ones() -> None:
    blind = TyposquatDetector(
        PopularList("2026-11", "test", tuple(NAMES)), Allowlist(), own_rank_factor=1.0
    )
    assert blind.check("boto", top=100).suspect


def test_top_limits_which_names_are_targets(detector: TyposquatDetector) -> None:
    assert detector.check("selenijm", top=20).suspect  # selenium is rank 18
    assert not detector.check("selenijm", top=10).suspect


def test_allowlist_exempts_named_pairs() -> None:
    allow = parse_entries(["reqeusts=requests  # our internal fork", "colourama"])
    det = TyposquatDetector(PopularList("d", "t", tuple(NAMES)), allow)
    assert not det.check("reqeusts").suspect
    assert not det.check("colourama").suspect
    assert det.check("requestss").suspect


def test_user_allowlist_file_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    allow = tmp_path / "allow.txt"
    allow.write_text("# reviewed 2026-11\nreqeusts=requests\n", encoding="utf-8")
    monkeypatch.setenv("WELLCHECK_TYPO_ALLOWLIST", str(allow))
    det = TyposquatDetector(PopularList("d", "t", tuple(NAMES)))
    assert not det.check("reqeusts").suspect
    assert det.check("colourama").suspect


def _component(name: str, kind: ComponentKind = ComponentKind.DIST_INFO) -> Component:
    return Component(name=name, version="1.0", kind=kind, location=f"{name}-1.0.dist-info")


CONTEXT = CheckContext(ArtifactInfo(path="x.zip", kind="lambda-zip"))


def test_check_reports_findings_with_evidence() -> None:
    comps = [_component("reqeusts"), _component("requests"), _component("colourama")]
    result = TyposquatCheck().run(comps, CONTEXT)
    assert not result.skipped
    by_name = {f.package: f for f in result.findings}
    assert set(by_name) == {"reqeusts", "colourama"}
    finding = by_name["reqeusts"]
    assert finding.kind == "typosquat"
    assert finding.rule == "WC-TYPO-SWAP"
    assert finding.severity is Severity.HIGH
    assert finding.confidence == "high"
    assert "'requests' (rank 6)" in finding.evidence
    assert "swap" in finding.evidence
    assert "not among the popular projects" in finding.evidence
    assert "requests" in finding.remediation


def test_check_ignores_unclaimed_modules() -> None:
    result = TyposquatCheck().run([_component("reqeusts", ComponentKind.UNCLAIMED)], CONTEXT)
    assert result.findings == ()


def test_corrupt_popular_list_makes_the_check_not_checked(tmp_path: Path) -> None:
    bad = tmp_path / "popular.json"
    bad.write_text('{"generated": "x", "names": ', encoding="utf-8")
    result = TyposquatCheck(popular_path=bad).run([_component("reqeusts")], CONTEXT)
    assert result.findings == ()
    assert len(result.skipped) == 1
    assert result.skipped[0].source == "popular-names"
    assert "corrupt" in result.skipped[0].reason


def test_check_name_on_the_bundled_list() -> None:
    verdict = check_name("jeIlyfish")
    assert verdict.suspect and verdict.target == "jellyfish"
    assert not check_name("requests").suspect


def test_thousand_names_in_under_50ms() -> None:
    from wellcheck.signals.typosquat import default_detector

    det = default_detector()
    names = [n for n in det.popular.names[5000:6000] if n]
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for name in names:
            det.check(name, top=5000)
        best = min(best, time.perf_counter() - start)
    assert best < 0.05 * 2  # 2x headroom for loaded CI machines; the bench measures the goal


def _cli(*args: str, cache: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "WELLCHECK_CACHE_DIR": str(cache)}
    return subprocess.run(
        [sys.executable, "-m", "wellcheck", *args], capture_output=True, text=True, env=env
    )


def test_cli_json_has_one_object_per_name(tmp_path: Path) -> None:
    proc = _cli("typosquat", "reqeusts", "requests", "--format", "json", cache=tmp_path)
    assert proc.returncode == 1, proc.stderr
    rows = json.loads(proc.stdout)
    assert [r["name"] for r in rows] == ["reqeusts", "requests"]
    assert set(rows[0]) == {"name", "suspect", "target", "transformation", "target_rank", "score"}
    assert rows[0]["suspect"] is True and rows[0]["target"] == "requests"
    assert rows[0]["transformation"] == "swap" and rows[0]["target_rank"] == 6
    assert rows[1] == {
        "name": "requests", "suspect": False, "target": None,
        "transformation": None, "target_rank": None, "score": 0.0,
    }  # fmt: skip


def test_cli_exit_zero_when_nothing_is_suspect(tmp_path: Path) -> None:
    proc = _cli("typosquat", "requests", "numpy", cache=tmp_path)
    assert proc.returncode == 0
    assert "requests: ok (popular, rank 6)" in proc.stdout


def test_cli_top_semantics(tmp_path: Path) -> None:
    # boto is popular (so exempt) by default; below --top 100 it is checked, and its
    # affix relation to boto3 alone does not make an established project a suspect.
    assert _cli("typosquat", "boto", cache=tmp_path).returncode == 0
    proc = _cli("typosquat", "boto", "--top", "100", "--format", "json", cache=tmp_path)
    assert proc.returncode == 0
    row = json.loads(proc.stdout)[0]
    assert (row["target"], row["transformation"], row["suspect"]) == ("boto3", "affix", False)


def test_cli_allow_option_exempts_a_name(tmp_path: Path) -> None:
    assert _cli("typosquat", "reqeusts", "--allow", "reqeusts", cache=tmp_path).returncode == 0


def test_cli_corrupt_user_list_is_an_incomplete_result(tmp_path: Path) -> None:
    (tmp_path / "popular.json").write_text("not json", encoding="utf-8")
    proc = _cli("typosquat", "reqeusts", cache=tmp_path)
    assert proc.returncode == 3
    assert "corrupt" in proc.stderr
    assert proc.stdout == ""

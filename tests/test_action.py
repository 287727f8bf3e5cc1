"""action.yml and the CI examples in docs/ci.md, run for real on the demo artifacts.

A small runner plays GitHub Actions' part: it evaluates the ``${{ }}`` expressions
the files use, ``if:`` conditions, ``$GITHUB_OUTPUT`` and ``$GITHUB_STEP_SUMMARY``,
and runs every ``run:`` script with bash as a runner does.  ``pip install`` goes to
a stand-in ``python`` that records what would be installed; ``wellcheck db update``
downloads a zip of fixtures/osv from a server on 127.0.0.1.  Steps that are
GitHub's own actions (checkout, setup-python, artifacts) are no-ops; the SARIF
upload step checks that the file it would upload is a SARIF log.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from fixtures.build import build_all

yaml = pytest.importorskip("yaml", reason="PyYAML (a dev dependency) reads action.yml")
if shutil.which("bash") is None:  # pragma: no cover - every CI runner has bash
    pytest.skip("the action's steps are bash scripts", allow_module_level=True)

ROOT = Path(__file__).parents[1]
ACTION: dict[str, Any] = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
DOCS = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
README = (ROOT / "README.md").read_text(encoding="utf-8")
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
BIN = Path(sys.executable).parent


def docs_blocks() -> list[Any]:
    return [yaml.safe_load(b) for b in re.findall(r"```yaml\n(.*?)```", DOCS, re.S)]


# --- the runner -------------------------------------------------------------------------------


@dataclass
class Runner:
    workspace: Path
    env: dict[str, str]
    summary: Path
    matrix: dict[str, str] = field(default_factory=dict)
    installs: Path | None = None
    uploads: list[dict[str, str]] = field(default_factory=list)  # upload-sarif's inputs

    def dist(self) -> list[Path]:
        return list(self.workspace.glob("dist/*.zip"))

    def fleet(self) -> list[Path]:
        return list(self.workspace.glob("fleet/*.zip"))

    def run_steps(self, steps: list[dict[str, Any]], inputs: Mapping[str, str]) -> int:
        """Run steps as a job does; the job's status (0 or the failing step's)."""
        outputs: dict[str, dict[str, str]] = {}
        status = 0
        for n, step in enumerate(steps):
            context = Context(inputs, outputs, self.matrix)
            if not context.condition(str(step.get("if", "success()")), failed=status != 0):
                continue
            code = self.run_step(step, context, outputs.setdefault(step.get("id", f"_{n}"), {}))
            status = status or code
        return status

    def run_step(self, step: dict[str, Any], context: Context, outputs: dict[str, str]) -> int:
        with_ = {k: context.substitute(str(v)) for k, v in (step.get("with") or {}).items()}
        uses = str(step.get("uses", ""))
        if uses.startswith("github/codeql-action/upload-sarif@"):
            sarif = json.loads((self.workspace / with_["sarif_file"]).read_text())
            assert sarif["version"] == "2.1.0" and sarif["runs"][0]["tool"]["driver"]["name"]
            self.uploads.append(with_)
            return 0
        if uses.startswith("wellcheck/wellcheck@"):
            return self.run_action(with_)
        if uses:
            assert uses.startswith(("actions/checkout@", "actions/setup-python@", "actions/"))
            return 0
        env = {k: context.substitute(str(v)) for k, v in (step.get("env") or {}).items()}
        return self.bash(context.substitute(step["run"]), env, outputs)

    def run_action(self, given: Mapping[str, str]) -> int:
        unknown = set(given) - set(ACTION["inputs"])
        assert not unknown, f"inputs the action does not have: {unknown}"
        inputs = {name: str(spec.get("default", "")) for name, spec in ACTION["inputs"].items()}
        missing = [n for n, s in ACTION["inputs"].items() if s.get("required") and n not in given]
        assert not missing, f"required inputs not given: {missing}"
        return self.run_steps(ACTION["runs"]["steps"], {**inputs, **given})

    def bash(self, script: str, step_env: Mapping[str, str], outputs: dict[str, str]) -> int:
        output_file = self.workspace.parent / "github_output"
        output_file.write_text("", encoding="utf-8")
        env = {**self.env, **step_env, "GITHUB_OUTPUT": str(output_file)}
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
            cwd=self.workspace,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        for line in output_file.read_text(encoding="utf-8").splitlines():
            key, _, value = line.partition("=")
            outputs[key] = value
        if proc.returncode != 0 or "Traceback" in proc.stderr:
            print(script, proc.stdout, proc.stderr, sep="\n---\n")  # shown when a test fails
        return proc.returncode


@dataclass
class Context:
    inputs: Mapping[str, str]
    steps: Mapping[str, Mapping[str, str]]
    matrix: Mapping[str, str]

    def value(self, expression: str) -> str:
        parts = expression.split(".")
        if parts[0] == "inputs" and len(parts) == 2:
            assert parts[1] in self.inputs, f"no input {parts[1]!r}"
            return self.inputs[parts[1]]
        if parts[0] == "steps" and len(parts) == 4 and parts[2] == "outputs":
            return self.steps.get(parts[1], {}).get(parts[3], "")
        if parts[0] == "matrix" and len(parts) == 2:
            return self.matrix[parts[1]]
        if expression == "github.action_path":  # where the runner checked the action out
            return str(ROOT)
        raise AssertionError(f"the runner does not know ${{{{ {expression} }}}}")

    def substitute(self, text: str) -> str:
        return EXPRESSION.sub(lambda m: self.value(m.group(1)), text)

    def condition(self, expression: str, *, failed: bool) -> bool:
        expression = EXPRESSION.sub(lambda m: m.group(1), expression)
        names = re.compile(r"\b(?:inputs\.[\w-]+|steps\.[\w-]+\.outputs\.[\w-]+|matrix\.\w+)")
        python = names.sub(lambda m: repr(self.value(m.group(0))), expression)
        python = python.replace("always()", "True").replace("success()", repr(not failed))
        python = python.replace("&&", " and ").replace("||", " or ")
        return bool(eval(python, {"__builtins__": {}}))


# --- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def osv_server() -> Iterator[str]:
    """OSV's PyPI all.zip, built from fixtures/osv, served on 127.0.0.1."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for record in sorted((ROOT / "fixtures" / "osv").glob("*.json")):
            archive.writestr(record.name, record.read_bytes())
    body = buffer.getvalue()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/zip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/PyPI/all.zip"
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return build_all(tmp_path_factory.mktemp("demo"))


@pytest.fixture
def runner(tmp_path: Path, osv_server: str, demo: dict[str, Path]) -> Runner:
    """A workspace with dist/function.zip, dist/layer.zip and fleet/*.zip."""
    workspace = tmp_path / "workspace"
    (workspace / "dist").mkdir(parents=True)
    (workspace / "fleet").mkdir()
    shutil.copy(demo["demo-function.zip"], workspace / "dist" / "function.zip")
    shutil.copy(demo["demo-layer.zip"], workspace / "dist" / "layer.zip")
    for name in ("demo-function.zip", "demo-layer.zip", "demo-nested.zip"):
        shutil.copy(demo[name], workspace / "fleet" / name)
    shims = tmp_path / "bin"
    shims.mkdir()
    installs = tmp_path / "pip-installs.txt"
    python = shims / "python"  # pip install -> a record; anything else -> this interpreter
    python.write_text(
        f'#!/bin/sh\nif [ "$1 $2 $3" = "-m pip install" ]; then echo "$@" >> "{installs}"; '
        f'exit 0; fi\nexec "{sys.executable}" "$@"\n'
    )
    python.chmod(0o755)
    (shims / "pip").write_text(f'#!/bin/sh\necho "$@" >> "{installs}"\n')
    (shims / "pip").chmod(0o755)
    (shims / "build.sh").write_text("#!/bin/sh\n")
    summary = tmp_path / "step_summary.md"
    summary.write_text("", encoding="utf-8")
    env = {
        "PATH": os.pathsep.join([str(shims), str(BIN), os.environ.get("PATH", "")]),
        "HOME": str(tmp_path),
        "RUNNER_TEMP": str(tmp_path / "runner_temp"),
        "GITHUB_STEP_SUMMARY": str(summary),
        "WELLCHECK_OSV_EXPORT_URL": osv_server,
        "WELLCHECK_CACHE_DIR": str(tmp_path / "cache"),
        "WELLCHECK_DB": str(tmp_path / "cache" / "osv.sqlite3"),
    }
    (tmp_path / "runner_temp").mkdir()
    shutil.copy(shims / "build.sh", workspace / "build.sh")
    (workspace / "build.sh").chmod(0o755)
    return Runner(workspace, env, summary, installs=installs)


def wellcheck(runner: Runner, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "wellcheck"), *args],
        cwd=runner.workspace,
        env=runner.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


# --- action.yml -------------------------------------------------------------------------------


def test_action_is_a_composite_that_sets_up_python_scans_uploads_and_exits_last() -> None:
    assert ACTION["runs"]["using"] == "composite"
    assert ACTION["inputs"]["artifacts"]["required"] is True
    steps = ACTION["runs"]["steps"]
    assert steps[0]["uses"].startswith("actions/setup-python@")
    assert steps[0]["with"]["python-version"] == "${{ inputs.python-version }}"
    upload = next(s for s in steps if str(s.get("uses", "")).startswith("github/codeql-action/"))
    assert upload["uses"] == "github/codeql-action/upload-sarif@v3"
    assert "always()" in upload["if"]
    assert "$GITHUB_STEP_SUMMARY" in "".join(str(s.get("run", "")) for s in steps)
    last = steps[-1]
    assert last["if"] == "always()"
    assert last["env"]["WCA_EXIT"] == "${{ steps.scan.outputs.exit-code }}"
    for step in steps:
        if "run" in step:
            assert step["shell"] == "bash"
            assert "${{" not in step["run"], "inputs reach scripts through env only"


@pytest.mark.parametrize(
    ("inputs", "status", "headline"),
    [
        ({"artifacts": "dist/function.zip\ndist/layer.zip"}, 1, ":x: FAIL"),
        ({"artifacts": "dist/*.zip", "fail-on": "none", "jobs": "2"}, 0, "PASS"),
        ({"artifacts": "dist/layer.zip missing.zip", "db": "none"}, 2, ":no_entry: ERROR"),
    ],
)
def test_the_action_scans_writes_sarif_and_summary_and_exits_with_the_verdict(
    runner: Runner, inputs: dict[str, str], status: int, headline: str
) -> None:
    assert runner.run_action(inputs) == status
    sarif = runner.workspace / "wellcheck.sarif"
    assert runner.summary.read_text().startswith("## wellcheck ")
    assert headline in runner.summary.read_text().splitlines()[0]
    assert runner.installs is not None
    assert runner.installs.read_text().split() == [
        "-m",
        "pip",
        "install",
        "--disable-pip-version-check",
        "--quiet",
        str(ROOT),
    ]  # fmt: skip: the action's own checkout, never a name on an index
    # the SARIF the action writes is what `scan --format sarif` writes
    paths = inputs["artifacts"].split()
    if paths == ["dist/*.zip"]:
        paths = sorted(p.relative_to(runner.workspace).as_posix() for p in runner.dist())
    index = Path(runner.env["RUNNER_TEMP"]) / "wellcheck-osv.sqlite3"  # where `db update` wrote
    extra = ["--no-advisories"] if inputs.get("db") == "none" else ["--db", str(index)]
    fail_on = ["--fail-on", inputs["fail-on"]] if "fail-on" in inputs else []
    direct = wellcheck(runner, "scan", *paths, "-f", "sarif", *extra, *fail_on)
    assert direct.returncode == status
    assert sarif.read_text() == direct.stdout


def test_an_index_path_is_used_as_given(runner: Runner) -> None:
    index = runner.workspace.parent / "given.sqlite3"
    assert wellcheck(runner, "db", "update", "--db", str(index)).returncode == 0
    inputs = {"artifacts": "dist/function.zip", "db": str(index), "json": "out/report.json"}
    (runner.workspace / "out").mkdir()
    assert runner.run_action(inputs) == 1
    report = json.loads((runner.workspace / "out" / "report.json").read_text())
    assert report["artifacts"][0]["findings"]


def test_the_category_input_goes_to_the_sarif_upload(runner: Runner) -> None:
    """Two wellcheck steps in one workflow need two categories, or one replaces the other."""
    quick = {"db": "none", "fail-on": "none"}
    assert runner.run_action({"artifacts": "dist/function.zip", **quick}) == 0
    layers = {"artifacts": "dist/layer.zip", "category": "wellcheck-layers", **quick}
    assert runner.run_action(layers) == 0
    assert [upload["category"] for upload in runner.uploads] == ["wellcheck", "wellcheck-layers"]
    sarif = json.loads((runner.workspace / "wellcheck.sarif").read_text())
    uris = {a["location"]["uri"] for a in sarif["runs"][0]["artifacts"]}
    assert uris == {"dist/layer.zip"}  # the artifact is in every location, not only a base id


def test_install_from_a_given_wheel_and_no_summary(runner: Runner) -> None:
    wheel = "dist/wellcheck-0.1.0-py3-none-any.whl"
    inputs = {"artifacts": "dist/layer.zip", "install-from": wheel, "summary": "false"}
    runner.run_action(inputs)
    assert runner.installs is not None
    assert runner.installs.read_text().split()[-1] == wheel
    assert runner.summary.read_text() == ""


def test_nothing_is_installed_by_name_from_an_index() -> None:
    """Issue 12: ``pip install wellcheck`` ran whatever PyPI serves under a name that is not
    ours.  The action installs its own checkout; every example pins a tag or commit."""
    assert "version" not in ACTION["inputs"]
    [install] = [s for s in ACTION["runs"]["steps"] if s.get("name") == "Install wellcheck"]
    assert install["env"]["WCA_ACTION_PATH"] == "${{ github.action_path }}"
    installs = re.findall(r"pip install ([^\n`&|;]*)", DOCS + README)  # one command's arguments
    named = [args for args in installs if "wellcheck" in args]
    assert len(named) == 6  # docs/ci.md: 5 examples; README: the aws extra
    for args in named:
        assert "@ git+https://github.com/wellcheck/wellcheck@v0.1.0" in args, args


def test_docs_pin_the_action_by_tag_or_commit_sha() -> None:
    """docs/ci.md names a release tag (v0.1.0) and shows the commit-SHA form beside it."""
    uses = re.findall(r"uses: (wellcheck/wellcheck@\S+)(.*)", DOCS + README)
    assert uses
    refs = {ref for ref, _ in uses}
    assert refs == {"wellcheck/wellcheck@v0.1.0", "wellcheck/wellcheck@<commit"}
    assert any(comment.strip().endswith("# v0.1.0") for _, comment in uses)
    assert "git rev-parse 'v0.1.0^{commit}'" in DOCS


# --- docs/ci.md -------------------------------------------------------------------------------


def test_every_docs_example_is_valid_yaml_and_uses_only_real_action_inputs() -> None:
    blocks = docs_blocks()
    assert len(blocks) == 6
    for block in blocks:
        for step in iter_steps(block):
            if str(step.get("uses", "")).startswith("wellcheck/wellcheck@"):
                assert set(step.get("with") or {}) <= set(ACTION["inputs"])


def iter_steps(block: Any) -> Iterator[dict[str, Any]]:
    if isinstance(block, list):
        yield from block
    elif isinstance(block, dict):
        for job in (block.get("jobs") or {}).values():
            yield from job.get("steps", [])


def test_docs_github_example_with_the_action(runner: Runner) -> None:
    workflow = docs_blocks()[1]
    assert runner.run_steps(workflow["jobs"]["wellcheck"]["steps"], {}) == 1
    assert json.loads((runner.workspace / "wellcheck.json").read_text())["verdict"]["failing"]
    assert (runner.workspace / "wellcheck.sarif").is_file()
    assert runner.summary.read_text().startswith("## wellcheck :x:")


def test_docs_github_example_without_the_action(runner: Runner) -> None:
    steps = docs_blocks()[2]
    assert runner.run_steps(steps, {}) == 1  # the scan step fails the job on findings
    log = json.loads((runner.workspace / "wellcheck.sarif").read_text())
    assert log["runs"][0]["results"]


def test_docs_sharded_fleet_merges_to_the_serial_verdict(runner: Runner) -> None:
    workflow = docs_blocks()[3]
    scan = workflow["jobs"]["scan"]
    shards = scan["strategy"]["matrix"]["shard"]
    for shard in shards:
        runner.matrix = {"shard": str(shard)}
        runner.run_steps(scan["steps"], {})
    assert sorted(p.name for p in runner.workspace.glob("shard-*.jsonl")) == [
        f"shard-{k}.jsonl" for k in shards
    ]
    runner.matrix = {}
    assert runner.run_steps(workflow["jobs"]["merge"]["steps"], {}) == 1
    fleet = sorted(p.relative_to(runner.workspace).as_posix() for p in runner.fleet())
    serial = wellcheck(runner, "scan", *fleet, "-f", "json")
    shards = runner.workspace.glob("shard-*.jsonl")
    merged = wellcheck(runner, "merge", *map(str, shards), "-f", "json")
    assert merged.returncode == serial.returncode == 1
    assert json.loads(merged.stdout) == json.loads(serial.stdout)
    assert runner.summary.read_text().startswith("## wellcheck :x:")


def test_docs_gitlab_example_keeps_reports_and_fails_on_findings(runner: Runner) -> None:
    job = docs_blocks()[4]["wellcheck"]
    script = "\n".join(job["script"])  # GitLab runs the lines in one shell, stopping at errors
    assert runner.bash(script, {}, {}) == 1
    for path in (*job["artifacts"]["paths"], job["artifacts"]["reports"]["cyclonedx"]):
        assert (runner.workspace / path).is_file(), path
    bom = json.loads((runner.workspace / job["artifacts"]["reports"]["cyclonedx"]).read_text())
    assert (bom["bomFormat"], bom["specVersion"]) == ("CycloneDX", "1.5")
    assert (runner.workspace / "wellcheck.md").read_text().startswith("## wellcheck :x:")


@pytest.mark.parametrize("poisoned", [True, False])
def test_docs_scan_before_install_stops_pip_on_a_poisoned_sdist(
    runner: Runner, poisoned: bool
) -> None:
    """The wheelhouse is what ``pip download`` would have saved (the stand-in pip only
    records the command): the scan must stop the job before ``pip install`` when an sdist
    in it is known-malicious, and let it run when nothing is found."""
    steps = docs_blocks()[5]["jobs"]["install"]["steps"]
    house = runner.workspace / "wheelhouse"
    house.mkdir()
    (runner.workspace / "requirements.txt").write_text("attrs==23.2.0\nreqeusts==1.0\n")
    sdists = {"attrs": "23.2.0", **({"reqeusts": "1.0"} if poisoned else {})}
    for name, version in sdists.items():
        sdist_tar(house / f"{name}-{version}.tar.gz", name, version)
    assert runner.run_steps(steps, {}) == (1 if poisoned else 0)
    assert runner.installs is not None
    commands = runner.installs.read_text().splitlines()
    assert any(c.startswith("download --no-deps --only-binary=:all:") for c in commands)
    assert any("--no-index" in c for c in commands) is not poisoned
    results = json.loads((runner.workspace / "wellcheck.sarif").read_text())["runs"][0]["results"]
    assert {r["ruleId"] for r in results} >= ({"MAL-0000-0001"} if poisoned else set())


def sdist_tar(path: Path, name: str, version: str) -> None:
    """A small sdist whose setup.py would leave a file behind if it were run."""
    import tarfile

    top = f"{name}-{version}"
    files = {
        f"{top}/PKG-INFO": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\n",
        f"{top}/setup.py": f"open({str(path) + '.ran'!r}, 'w')\n",
        f"{top}/{name}/__init__.py": "",
    }
    with tarfile.open(path, "w:gz") as tar:
        for member, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(member)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    assert not Path(str(path) + ".ran").exists()


def test_every_wellcheck_command_in_the_docs_is_run_by_these_tests() -> None:
    """The examples above are run whole; this guards against a block they do not cover."""
    commands = re.findall(r"\bwellcheck (?:scan|merge|db|sbom|diff)\b[^\n]*", DOCS)
    in_blocks = "".join(re.findall(r"```yaml\n(.*?)```", DOCS, re.S))
    assert commands
    for command in commands:
        if "`" in command:
            continue  # prose mentioning a command, not an example
        assert command in in_blocks, command

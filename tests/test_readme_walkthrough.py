"""Every wellcheck command in README's walkthrough, run for real.

dist/ holds the demo function and layer zips; a loopback server speaks the Lambda
API (tests/aws/lambda_server.py) with obviously fake credentials; the advisory
index is the demo one built from fixtures/osv.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fixtures.build import function_files, layer_files, zip_bytes

pytest.importorskip("boto3")
sys.path.insert(0, str(Path(__file__).parent / "aws"))
from lambda_server import FakeFunction, FakeLayer, LambdaServer, layer_arn

README = Path(__file__).resolve().parents[1] / "README.md"

# command as written in README -> the exit status a user gets in this set-up
EXPECTED = {
    "wellcheck sbom dist/function.zip dist/layer.zip --format cyclonedx-json -o sbom/": 0,
    "wellcheck diff sbom/function.zip.cdx.json lambda:my-function --fail-on-drift": 0,
    "wellcheck diff dist/function.zip lambda:my-function:prod --fail-on-drift": 1,
    "wellcheck scan lambda:my-function:prod --expect dist/function.zip --format table": 1,
    "wellcheck scan 'lambda:*' --region eu-west-1 --format markdown -o region.md": 1,
}


def walkthrough_commands() -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Walkthrough", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, flags=re.S)
    return [
        line for block in blocks for line in block.splitlines() if line.startswith("wellcheck ")
    ]


def test_the_walkthrough_commands_are_the_ones_tested() -> None:
    assert walkthrough_commands() == list(EXPECTED)


@pytest.fixture
def deployment(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A working directory with dist/, and a region with the function deployed twice:
    $LATEST exactly as CI built it, and :prod with one injected module."""
    (tmp_path / "dist").mkdir()
    function = zip_bytes(function_files())
    tampered = zip_bytes({**function_files(), "requests/_patch.py": b"import os\n"})
    (tmp_path / "dist" / "function.zip").write_bytes(function)
    layer = zip_bytes(layer_files())
    (tmp_path / "dist" / "layer.zip").write_bytes(layer)
    server = LambdaServer().start()
    arn = layer_arn("deps", 3)
    server.add_layer(FakeLayer(arn, layer))
    server.add_function(FakeFunction("my-function", function, runtime="python3.12", layers=(arn,)))
    server.add_function(
        FakeFunction("my-function", tampered, runtime="python3.9", timeout=900, version="7"),
        qualifier="prod",
    )
    server.add_function(FakeFunction("image-function", None))
    db = tmp_path / "demo-osv.sqlite3"
    repo = README.parent
    subprocess.run(
        [sys.executable, "-m", "wellcheck", "db", "import", str(repo / "fixtures" / "osv"),
         "--db", str(db)],
        check=True, capture_output=True,
    )  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "WELLCHECK_"))}
    env.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_EC2_METADATA_DISABLED="true",
        AWS_CONFIG_FILE=str(tmp_path / "no-aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "no-aws-credentials"),
        WELLCHECK_LAMBDA_ENDPOINT_URL=server.url,
        WELLCHECK_DB=str(db),
        WELLCHECK_CACHE_DIR=str(tmp_path / "cache"),
        PYTHONPATH=str(repo / "src"),
    )
    env["CWD"] = str(tmp_path)
    try:
        yield env
    finally:
        server.stop()


def run(command: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    argv = shlex.split(command)
    cwd = env["CWD"]
    return subprocess.run(
        [sys.executable, "-m", *argv], cwd=cwd, env=env, capture_output=True, text=True,
        check=False, timeout=120,
    )  # fmt: skip


def test_every_walkthrough_command_gives_what_readme_promises(deployment: dict[str, str]) -> None:
    cwd = Path(deployment["CWD"])
    outputs = {}
    for command, status in EXPECTED.items():
        proc = run(command, deployment)
        assert proc.returncode == status, f"{command}\n{proc.stdout}\n{proc.stderr}"
        outputs[command] = proc.stdout

    # 2: one SBOM per artifact, named after it
    assert sorted(p.name for p in (cwd / "sbom").iterdir()) == [
        "function.zip.cdx.json",
        "layer.zip.cdx.json",
    ]
    sbom = json.loads((cwd / "sbom" / "function.zip.cdx.json").read_text())
    assert sbom["bomFormat"] == "CycloneDX"
    # 3: the injected module on :prod, found by file comparison
    diff = outputs["wellcheck diff dist/function.zip lambda:my-function:prod --fail-on-drift"]
    assert "+ file requests/_patch.py" in diff
    scan = outputs[
        "wellcheck scan lambda:my-function:prod --expect dist/function.zip --format table"
    ]
    for rule in ("WC-LAMBDA-CODE-MISMATCH", "WC-LAMBDA-RUNTIME-EOL", "WC-LAMBDA-TIMEOUT-MAX"):
        assert rule in scan
    # 4: the region report lists the functions and says the image one was not checked
    region = (cwd / "region.md").read_text()
    assert "my-function" in region
    assert "image-function" in region

"""Build real serverless artifacts from PyPI, the way AWS documents it.

    python bench/build_artifacts.py [WORKDIR]      (default: bench/out)

For each artifact this runs
    pip install --target DIR --platform manylinux2014_x86_64 --implementation cp
        --python-version 3.12 --only-binary=:all: PACKAGES
then zips the tree (Lambda function or layer) or packs it into a two-layer
docker-save tarball.  It also writes ``expected.json``: for every artifact the
(name, version) pairs that ``pip list --path`` reports for the unpacked tree,
which the benchmark and the optional real-artifact tests compare against.

Needs PyPI (pip) and a few minutes on first run; later runs reuse the trees.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

PY = "3.12"
PIP_TARGET_ARGS = [
    "--platform",
    "manylinux2014_x86_64",
    "--implementation",
    "cp",
    "--python-version",
    PY,
    "--only-binary=:all:",
    "--no-compile",
    "--disable-pip-version-check",
    "--quiet",
]

# A small function with pinned, older versions: known advisories apply to them.
SMALL = ["requests==2.28.1", "urllib3==1.26.12", "idna==3.3", "certifi==2022.9.24", "jinja2==3.1.2"]

# A ~120-distribution data/API function (pandas, numpy, scipy, boto3, ...).
BIG = [
    "pandas",
    "numpy",
    "scipy",
    "boto3",
    "aws-lambda-powertools",
    "pydantic",
    "fastapi",
    "sqlalchemy",
    "cryptography",
    "pillow",
    "lxml",
    "requests",
    "httpx",
    "jinja2",
    "pyyaml",
    "orjson",
    "structlog",
    "tenacity",
    "psycopg2-binary",
    "pymysql",
    "redis",
    "elasticsearch",
    "openpyxl",
    "xlsxwriter",
    "scikit-learn",
    "beautifulsoup4",
    "python-jose",
    "pyjwt",
    "bcrypt",
    "passlib",
    "marshmallow",
    "jsonschema",
    "click",
    "rich",
    "tqdm",
    "python-dotenv",
    "arrow",
    "pendulum",
    "simplejson",
    "ujson",
    "cachetools",
    "google-auth",
    "protobuf",
    "grpcio",
    "aiohttp",
    "mangum",
    "starlette",
    "email-validator",
    "sentry-sdk",
    "opensearch-py",
    "requests-aws4auth",
    "smart-open",
    "xmltodict",
    "tabulate",
    "networkx",
    "flask",
    "python-multipart",
    "markdown",
    "toolz",
    "deprecated",
    "pyparsing",
    "decorator",
    "uvicorn",
    "boltons",
    "docutils",
]

LAYER = ["aws-lambda-powertools", "pydantic", "requests", "aws-xray-sdk"]

# Two-layer image: layer 1 is the runtime's site-packages, layer 2 the function.
IMAGE_BASE = ["boto3", "requests", "six"]
IMAGE_TASK = ["fastapi", "mangum", "pydantic"]
IMAGE_REMOVED = "six"  # whited out by layer 2


def pip_install(dest: Path, packages: list[str]) -> None:
    if (dest / ".complete").exists():
        return
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    cmd = [sys.executable, "-m", "pip", "install", "--target", str(dest), *PIP_TARGET_ARGS]
    subprocess.run([*cmd, *packages], check=True)
    (dest / ".complete").write_text("ok")


def pip_list(*paths: Path) -> list[tuple[str, str]]:
    cmd = [sys.executable, "-m", "pip", "list", "--format", "json", "--disable-pip-version-check"]
    for p in paths:
        cmd += ["--path", str(p)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return sorted((d["name"].lower(), d["version"]) for d in json.loads(out))


def zip_tree(src: Path, dest: Path, prefix: str = "") -> None:
    """Zip ``src`` the way `cd DIR && zip -r ../f.zip .` does (deflate, no dirs)."""
    tmp = dest.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for root, dirs, files in os.walk(src):
            dirs.sort()
            for name in sorted(files):
                if name == ".complete":
                    continue
                full = Path(root) / name
                rel = full.relative_to(src).as_posix()
                zf.write(full, prefix + rel)
    tmp.replace(dest)


def _tar_dir(src: Path, arc_prefix: str, extra: dict[str, bytes] | None = None) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        for root, dirs, files in os.walk(src):
            dirs.sort()
            for name in sorted(files):
                if name == ".complete":
                    continue
                full = Path(root) / name
                tf.add(full, arcname=arc_prefix + full.relative_to(src).as_posix())
        for name, data in (extra or {}).items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def build_image(base_tree: Path, task_tree: Path, dest: Path) -> list[str]:
    """A docker-save tarball: layer 1 = runtime site-packages, layer 2 = /var/task
    plus whiteouts that delete IMAGE_REMOVED's dist-info from layer 1."""
    site = "var/lang/lib/python3.12/site-packages/"
    removed = [
        p.name
        for p in base_tree.glob("*.dist-info")
        if p.name.lower().startswith(IMAGE_REMOVED + "-")
    ]
    whiteouts = {f"{site}.wh.{name}": b"" for name in removed}
    whiteouts[f"{site}.wh.{IMAGE_REMOVED}.py"] = b""
    layers = [_tar_dir(base_tree, site), _tar_dir(task_tree, "var/task/", whiteouts)]
    diff_ids = ["sha256:" + hashlib.sha256(layer).hexdigest() for layer in layers]
    config = {
        "architecture": "amd64",
        "os": "linux",
        "config": {"Env": ["LAMBDA_TASK_ROOT=/var/task", "PYTHON_VERSION=3.12"]},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
    }
    config_bytes = json.dumps(config).encode()
    config_name = hashlib.sha256(config_bytes).hexdigest() + ".json"
    manifest = [
        {
            "Config": config_name,
            "RepoTags": ["wellcheck-bench:latest"],
            "Layers": [f"{d.split(':')[1]}/layer.tar" for d in diff_ids],
        }
    ]
    tmp = dest.with_suffix(".tmp")
    with tarfile.open(tmp, "w") as tf:
        members = {config_name: config_bytes, "manifest.json": json.dumps(manifest).encode()}
        for d, layer in zip(diff_ids, layers, strict=True):
            members[f"{d.split(':')[1]}/layer.tar"] = layer
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    tmp.replace(dest)
    return removed


def main() -> None:
    work = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent / "out").resolve()
    trees = work / "trees"
    out = work / "artifacts"
    out.mkdir(parents=True, exist_ok=True)
    expected: dict[str, list[tuple[str, str]]] = {}

    pip_install(trees / "small", SMALL)
    (trees / "small" / "lambda_function.py").write_text(
        "def handler(event, context):\n    return 1\n"
    )
    zip_tree(trees / "small", out / "small-function.zip")
    expected["small-function.zip"] = pip_list(trees / "small")

    pip_install(trees / "big", BIG)
    zip_tree(trees / "big", out / "big-function.zip")
    expected["big-function.zip"] = pip_list(trees / "big")

    pip_install(trees / "layer", LAYER)
    zip_tree(trees / "layer", out / "layer.zip", prefix="python/lib/python3.12/site-packages/")
    expected["layer.zip"] = pip_list(trees / "layer")

    pip_install(trees / "image-base", IMAGE_BASE)
    pip_install(trees / "image-task", IMAGE_TASK)
    build_image(trees / "image-base", trees / "image-task", out / "image.tar")
    base = [nv for nv in pip_list(trees / "image-base") if nv[0] != IMAGE_REMOVED]
    expected["image.tar"] = sorted(set(base) | set(pip_list(trees / "image-task")))

    (out / "expected.json").write_text(json.dumps(expected, indent=1))
    for name in sorted(expected):
        size = (out / name).stat().st_size
        print(f"{name:22} {size / 1e6:8.1f} MB  {len(expected[name]):4d} distributions")


if __name__ == "__main__":
    main()

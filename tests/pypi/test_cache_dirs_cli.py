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
from fakepypi import FakePyPI
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


def test_an_unusable_cache_dir_gives_the_same_result_with_one_warning(world: World) -> None:
    good = world.root / "good-cache"
    status, expected, stderr = world.scan(good)
    assert WARNING not in stderr
    assert {"osv-api.sqlite3", "pypi.sqlite3", "wheels"} <= {p.name for p in good.iterdir()}
    assert "GHSA-9wx4-h78v-vm56" in [f["rule"] for f in expected["findings"]]  # type: ignore[attr-defined]
    assert expected["not_checked"] == []  # every source was consulted, upstream wheel included

    in_the_way = world.root / "a-file-in-the-way"
    in_the_way.write_text("not a directory\n", encoding="utf-8")
    broken = [in_the_way]
    if not child_options()[1]:  # read-only can be made to bind this platform's child
        read_only = world.root / "read-only-dir"
        read_only.mkdir()
        broken += [read_only, good]  # and the filled cache, left read-only, files and all
        for cache in (read_only, good):
            for path in [cache, *cache.rglob("*")]:
                path.chmod(0o555 if path.is_dir() else 0o444)

    for cache in broken:
        before = sorted(p.relative_to(world.root).as_posix() for p in cache.rglob("*"))
        again, artifact, stderr = world.scan(cache)
        assert again == status, cache.name
        assert artifact == expected, cache.name  # findings, not checked, components: the same
        assert stderr.count(WARNING) == 1, stderr
        assert "internal error" not in stderr and "Traceback" not in stderr
        assert sorted(p.relative_to(world.root).as_posix() for p in cache.rglob("*")) == before
        assert list((world.root / "tmp").iterdir()) == []  # the private wheel dir was removed

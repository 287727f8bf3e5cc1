"""A short fuzz run of the sdist reader: damaged sdists give clear errors, never crashes.

Hypothesis flips, drops and inserts bytes in small valid sdists of every packing (the
damage lands in compressed streams, tar headers and pax records); opening, reading every
file and taking the inventory must either work or raise a WellcheckError subclass.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from imagebuilder import Symlink
from sdistkit import PACKINGS, pkg_info, sdist_bytes

from wellcheck.artifact import open_artifact
from wellcheck.artifact.base import EntryKind
from wellcheck.artifact.limits import Limits
from wellcheck.errors import WellcheckError
from wellcheck.inventory import collect

TOP = "six-1.16.0"
MEMBERS = [
    (f"{TOP}/PKG-INFO", pkg_info("six", "1.16.0", "attrs")),
    (f"{TOP}/setup.py", b"from setuptools import setup\nsetup()\n"),
    (f"{TOP}/pyproject.toml", b'[build-system]\nbuild-backend = "b"\nbackend-path = ["."]\n'),
    (f"{TOP}/b.py", b"def build_wheel(*a): pass\n"),
    (f"{TOP}/six.py", b"x = 1\n" * 40),
    (f"{TOP}/README", Symlink("six.py")),
]
SEEDS = {packing: sdist_bytes(MEMBERS, packing) for packing in PACKINGS}  # type: ignore[arg-type]
LIMITS = Limits(max_member_size=1 << 20, max_total_size=8 << 20, max_members=1000)


def exercise(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "fuzz"
        path.write_bytes(data)
        try:
            with open_artifact(str(path), LIMITS) as opened:
                for tree in opened.trees:
                    collect(tree)
                    for name, entry in list(tree.entries().items()):
                        try:
                            if entry.kind is not EntryKind.DIR:
                                tree.read_bytes(name)
                        except WellcheckError:
                            continue
        except WellcheckError:
            return


damage = st.tuples(
    st.sampled_from(PACKINGS),
    st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)), max_size=6),
    st.floats(0.05, 1),
    st.binary(max_size=16),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(damage)
def test_damaged_sdists_only_ever_raise_wellcheck_errors(
    case: tuple[str, list[tuple[float, int]], float, bytes],
) -> None:
    packing, flips, keep, inserted = case
    data = bytearray(SEEDS[packing])
    for where, value in flips:
        data[int(where * len(data))] = value
    cut = max(1, int(keep * len(data)))
    exercise(bytes(data[:cut]) + inserted + bytes(data[cut:]))

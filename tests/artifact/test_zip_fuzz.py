"""A short fuzz run of the zip reader: corrupted archives give clear errors, never crashes.

Hypothesis flips, drops and inserts bytes in a small valid zip (and in its
central directory specifically); opening and reading every member must either
work or raise a WellcheckError subclass: no struct.error, IndexError,
UnicodeDecodeError, zlib.error or unbounded memory use.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from zipkit import RawMember, raw_zip, symlink

from wellcheck.artifact import open_artifact
from wellcheck.artifact.base import EntryKind
from wellcheck.artifact.limits import Limits
from wellcheck.errors import WellcheckError

SEED = raw_zip(
    [
        RawMember("pkg/__init__.py", b"VERSION = '1.0'\n" * 20),
        RawMember("pkg/data.bin", bytes(range(256)), method=0),
        symlink("pkg/link.py", "__init__.py"),
        RawMember("pkg-1.0.dist-info/METADATA", b"Name: pkg\nVersion: 1.0\n"),
    ]
)
LIMITS = Limits(max_member_size=1 << 20, max_total_size=8 << 20, max_members=1000)


def exercise(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "fuzz.zip"
        path.write_bytes(data)
        try:
            with open_artifact(str(path), LIMITS) as opened:
                for tree in opened.trees:
                    for name in list(tree.entries()):
                        try:
                            if tree.entries()[name].kind is not EntryKind.DIR:
                                tree.read_bytes(name)
                        except WellcheckError:
                            continue
        except WellcheckError:
            return


mutation = st.tuples(st.integers(0, len(SEED) - 1), st.integers(0, 255))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(mutation, min_size=1, max_size=8))
def test_byte_flips_anywhere(flips: list[tuple[int, int]]) -> None:
    data = bytearray(SEED)
    for index, value in flips:
        data[index] = value
    exercise(bytes(data))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, 150), st.integers(0, 255)), min_size=1, max_size=6))
def test_byte_flips_in_the_central_directory(flips: list[tuple[int, int]]) -> None:
    data = bytearray(SEED)
    start = data.index(b"PK\x01\x02")
    for index, value in flips:
        data[min(start + index, len(data) - 1)] = value
    exercise(bytes(data))


@settings(max_examples=60, deadline=None)
@given(st.integers(0, len(SEED)), st.binary(max_size=64))
def test_truncation_and_insertion(cut: int, junk: bytes) -> None:
    exercise(SEED[:cut])
    exercise(SEED[:cut] + junk + SEED[cut:])

"""Bounded reads honour the cap whatever size an entry declares."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from wellcheck.artifact.base import Entry
from wellcheck.artifact.memory import MemoryTree
from wellcheck.inventory.reading import read_head, record_paths


class UnderstatedTree(MemoryTree):
    """Entries declare fewer bytes than the file holds (a file that grew after listing)."""

    def entries(self) -> Mapping[str, Entry]:
        return {p: replace(e, size=min(e.size, 3)) for p, e in super().entries().items()}


def test_a_file_longer_than_declared_is_still_read_to_the_cap() -> None:
    tree = UnderstatedTree({"f": b"0123456789"})
    assert read_head(tree, "f", 8, []) == (b"01234567", True)
    assert read_head(tree, "f", 20, []) == (b"0123456789", False)


def test_declared_sizes_shorter_and_longer_than_the_cap() -> None:
    tree = MemoryTree({"small": b"abc", "big": b"x" * 100})
    assert read_head(tree, "small", 8, []) == (b"abc", False)
    assert read_head(tree, "big", 8, []) == (b"x" * 8, True)
    assert read_head(tree, "big", 100, []) == (b"x" * 100, False)


def test_record_rows_with_quotes_and_without_give_the_same_paths() -> None:
    plain = "a/__init__.py,sha256=x,1\nb.py,,\n\n  c/d.py ,,\n"
    quoted = '"a/__init__.py",sha256=x,1\n"b.py",,\n\n"  c/d.py ",,\n'
    assert record_paths(plain) == record_paths(quoted) == ["a/__init__.py", "b.py", "c/d.py"]
    assert record_paths('"a,b.py",,\n') == ["a,b.py"]

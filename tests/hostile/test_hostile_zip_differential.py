"""Issue 11, item 4: wellcheck's zip reader against CPython's zipfile, mutant by mutant.

A short, repeatable run of ``tests/fuzz/zip_differential.py`` (the long runs and
their figures are in docs/security.md): wherever zipfile and wellcheck would see
different members, kinds, sizes or contents, wellcheck must refuse the archive.
"""

from __future__ import annotations

from pathlib import Path

from zip_differential import compare, run, seeds, wellcheck_view, zipfile_view
from zipmodel import MUTATORS, parse, serialise


def test_zipfile_and_wellcheck_agree_or_wellcheck_refuses_on_every_mutant() -> None:
    result = run(mutants=600, seed=20261207)
    assert result.disagreements == [], result.summary()
    assert set(result.by_mutator) >= set(MUTATORS)  # every class of mutation was tried
    assert result.outcomes["agree"] > 50  # mutants that stay readable reach the comparison
    assert result.outcomes["wellcheck refuses"] > 50


def test_every_seed_reads_the_same_both_ways(tmp_path: Path) -> None:
    for label, data in seeds().items():
        path = tmp_path / f"{label}.zip"
        path.write_bytes(serialise(parse(data)))  # the model writes what it parsed
        assert compare(zipfile_view(data), wellcheck_view(path)) == "agree", label

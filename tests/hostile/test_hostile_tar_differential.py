"""A short run of the tar differential (tests/fuzz/tar_differential.py, issue 11 item 6):
wherever wellcheck accepts a mutated layer, CPython's tarfile reads the same members
(names, kinds, sizes, link targets, contents).  The long runs are in docs/security.md;
CI runs this on CPython 3.11, 3.12 and 3.13, whose tarfile modules differ."""

from __future__ import annotations

from tar_differential import run, seeds


def test_wellcheck_accepts_a_layer_only_where_cpython_reads_the_same_members() -> None:
    result = run(seconds=15.0, seed=20261207, max_mutants=500)
    assert result.disagreements == [], result.summary()
    assert result.mutants == 500
    assert result.outcomes["agree"] > 100 and result.outcomes["refused"] > 100, result.summary()


def test_the_seeds_cover_the_formats_the_mutants_start_from() -> None:
    corpus = seeds()
    assert {"layer0-pax", "layer1-gnu", "layer1-ustar", "sparse-0.1", "sparse-1.0"} <= set(corpus)

"""A short run of tests/fuzz/fuzz_archives.py: the long run is documented in
docs/security.md; this keeps the harness itself working and catches easy crashes."""

from __future__ import annotations

from fuzz_archives import SEED_KINDS, run


def test_a_short_fuzz_run_finds_no_crash() -> None:
    result = run(seconds=1.5, seed=20261130, slow=5.0)
    assert result.crashes == [], result.summary()
    assert result.iterations >= 30
    assert set(result.per_seed) == set(SEED_KINDS)
    assert result.outcomes.get("ok", 0) > 0  # some mutants still open: the readers are reached

"""Configuration discovery and precedence: flags > WELLCHECK_* > file > defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from wellcheck.config import ConfigError, load_config


def test_defaults_without_a_file(tmp_path: Path) -> None:
    config = load_config(start=tmp_path, environ={})
    assert config.fail_on == "high" and config.source is None


def test_pyproject_table_is_found_from_a_subdirectory(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n[tool.wellcheck]\nfail-on = "medium"\n'
        'internal-packages = ["Acme_Utils"]\n[tool.wellcheck.limits]\nmax-depth = 1\n'
    )
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    config = load_config(start=sub, environ={})
    assert config.fail_on == "medium"
    assert config.internal_packages == {"acme-utils"}
    assert config.limits.max_depth == 1


def test_wellcheck_toml_beats_a_pyproject_in_the_same_directory(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.wellcheck]\nfail-on = "low"\n')
    (tmp_path / "wellcheck.toml").write_text('fail-on = "critical"\n')
    assert load_config(start=tmp_path, environ={}).fail_on == "critical"


def test_environment_beats_the_file(tmp_path: Path) -> None:
    (tmp_path / "wellcheck.toml").write_text('fail-on = "critical"\ncooldown-days = 3\n')
    config = load_config(
        start=tmp_path, environ={"WELLCHECK_FAIL_ON": "low", "WELLCHECK_COOLDOWN_DAYS": "10"}
    )
    assert (config.fail_on, config.cooldown_days) == ("low", 10.0)


def test_the_advisory_data_age_threshold_comes_from_file_then_environment(
    tmp_path: Path,
) -> None:
    assert load_config(start=tmp_path, environ={}).db_max_age_days == 5.0  # grype's 120 h
    (tmp_path / "wellcheck.toml").write_text("db-max-age-days = 14\n")
    assert load_config(start=tmp_path, environ={}).db_max_age_days == 14.0
    env = {"WELLCHECK_DB_MAX_AGE_DAYS": "1.5"}
    assert load_config(start=tmp_path, environ=env).db_max_age_days == 1.5
    with pytest.raises(ConfigError, match="WELLCHECK_DB_MAX_AGE_DAYS must be a number"):
        load_config(start=tmp_path, environ={"WELLCHECK_DB_MAX_AGE_DAYS": "a week"})


@pytest.mark.parametrize(
    "text",
    [
        'fail-on = "sometimes"\n',
        'colour = "blue"\n',
        "[limits]\nmax-depth = -1\n",
        "[limits]\nmax-bananas = 3\n",
        "db-max-age-days = -1\n",
        "not toml [",
        "x = " + "[" * 100_000 + "]" * 100_000,  # tomllib recursed into an internal error
        b"fail-on = '\xff'\n".decode("latin-1"),  # not UTF-8 once written as latin-1
    ],
)
def test_invalid_settings_are_one_clear_error(tmp_path: Path, text: str) -> None:
    (tmp_path / "wellcheck.toml").write_text(text, encoding="latin-1")
    with pytest.raises(ConfigError):
        load_config(start=tmp_path, environ={})


def test_readme_table_works_in_a_wellcheck_toml_too(tmp_path: Path) -> None:
    """Issue 12: README's ``[tool.wellcheck]`` example, pasted into wellcheck.toml."""
    (tmp_path / "wellcheck.toml").write_text(
        '[tool.wellcheck]\nfail-on = "medium"\ncooldown-days = 3\n'
        "[tool.wellcheck.limits]\nmax-total-size = 1073741824\n"
    )
    config = load_config(start=tmp_path, environ={})
    assert (config.fail_on, config.cooldown_days) == ("medium", 3.0)
    assert config.limits.max_total_size == 1 << 30


@pytest.mark.parametrize(
    "text",
    [
        'fail-on = "low"\n[tool.wellcheck]\nfail-on = "high"\n',  # both: which one wins?
        '[tool]\nwellcheck = "high"\n',
        '[limits]\nmax-total-size = "1GiB"\n',
    ],
)
def test_ambiguous_wellcheck_toml_is_an_error(tmp_path: Path, text: str) -> None:
    (tmp_path / "wellcheck.toml").write_text(text)
    with pytest.raises(ConfigError):
        load_config(start=tmp_path, environ={})


def test_a_lower_total_size_lowers_the_member_size_it_would_undercut(tmp_path: Path) -> None:
    """Issue 12: ``max-total-size`` under the default 2 GiB member size was refused."""
    (tmp_path / "wellcheck.toml").write_text("[limits]\nmax-total-size = 1073741824\n")
    limits = load_config(start=tmp_path, environ={}).limits
    assert (limits.max_total_size, limits.max_member_size) == (1 << 30, 1 << 30)
    (tmp_path / "wellcheck.toml").write_text(
        "[limits]\nmax-total-size = 1073741824\nmax-member-size = 2147483648\n"
    )
    with pytest.raises(ConfigError, match="max_member_size cannot exceed max_total_size"):
        load_config(start=tmp_path, environ={})

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


@pytest.mark.parametrize(
    "text",
    [
        'fail-on = "sometimes"\n',
        'colour = "blue"\n',
        "[limits]\nmax-depth = -1\n",
        "[limits]\nmax-bananas = 3\n",
        "not toml [",
        "x = " + "[" * 100_000 + "]" * 100_000,  # tomllib recursed into an internal error
        b"fail-on = '\xff'\n".decode("latin-1"),  # not UTF-8 once written as latin-1
    ],
)
def test_invalid_settings_are_one_clear_error(tmp_path: Path, text: str) -> None:
    (tmp_path / "wellcheck.toml").write_text(text, encoding="latin-1")
    with pytest.raises(ConfigError):
        load_config(start=tmp_path, environ={})

"""Project configuration: ``[tool.wellcheck]`` in pyproject.toml or a ``wellcheck.toml``.

Found from the working directory upward (``--config PATH`` picks one).  Precedence:
command-line flags > ``WELLCHECK_*`` environment variables > the file > defaults.
A ``wellcheck.toml`` holds the settings either at its top level or in the same
``[tool.wellcheck]`` table as pyproject.toml (so the one example fits both), not both.

    [tool.wellcheck]                 # or the top level of wellcheck.toml
    fail-on = "high"
    internal-packages = ["acme-utils"]
    typosquat-allowlist = ["my-requests-fork"]
    cooldown-days = 7
    db-max-age-days = 5              # warn when the newest advisory is older
    ignore-file = ".wellcheck-ignore.toml"
    [tool.wellcheck.limits]
    max-member-size = 2147483648
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from wellcheck.advisories.locations import DEFAULT_MAX_AGE_DAYS, MAX_AGE_ENV
from wellcheck.artifact.limits import Limits, with_values
from wellcheck.errors import WellcheckError

LEVELS = ("critical", "high", "medium", "low", "any", "none")


class ConfigError(WellcheckError):
    """The configuration file or a WELLCHECK_* variable is invalid."""


@dataclass(frozen=True)
class Config:
    fail_on: str = "high"
    internal_packages: frozenset[str] = frozenset()
    typosquat_allowlist: frozenset[str] = frozenset()
    cooldown_days: float = 7.0
    db_max_age_days: float = DEFAULT_MAX_AGE_DAYS  # the advisory data's age before a warning
    ignore_file: Path | None = None
    limits: Limits = field(default_factory=Limits)
    source: Path | None = None  # the file the settings came from


def find_config(start: Path) -> Path | None:
    """The nearest wellcheck.toml, or pyproject.toml with a [tool.wellcheck] table."""
    for directory in (start.resolve(), *start.resolve().parents):
        candidate = directory / "wellcheck.toml"
        if candidate.is_file():
            return candidate
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file() and "wellcheck" in _read_toml(pyproject).get("tool", {}):
            return pyproject
    return None


def load_config(
    explicit: Path | None = None,
    *,
    start: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Config:
    """File settings, then environment variables on top (flags are applied by the caller)."""
    path = explicit or find_config(start or Path.cwd())
    table: Mapping[str, Any] = {}
    if path is not None:
        table = _settings_table(_read_toml(path), path)
    config = _from_table(table, path)
    return _apply_env(config, os.environ if environ is None else environ)


def _settings_table(doc: Mapping[str, Any], path: Path) -> Mapping[str, Any]:
    """``[tool.wellcheck]`` of a pyproject.toml; of a wellcheck.toml, that table or its top."""
    tool = doc.get("tool")
    nested = tool.get("wellcheck") if isinstance(tool, dict) else None
    if nested is not None and not isinstance(nested, dict):
        raise ConfigError(f"{path}: [tool.wellcheck] must be a table")
    if path.name == "pyproject.toml":
        return nested or {}
    if nested is None:
        return doc
    if set(doc) != {"tool"}:
        raise ConfigError(
            f"{path}: put the settings either at the top level or in [tool.wellcheck], not both"
        )
    return nested


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read configuration {path}: {exc}") from exc
    except RecursionError:  # tomllib recurses once per nesting level of an array
        raise ConfigError(f"cannot read configuration {path}: TOML nested too deeply") from None


def _from_table(table: Mapping[str, Any], path: Path | None) -> Config:
    known = {
        "fail-on", "internal-packages", "typosquat-allowlist", "cooldown-days",
        "db-max-age-days", "ignore-file", "limits",
    }  # fmt: skip
    unknown = sorted(set(table) - known)
    if unknown:
        raise ConfigError(f"{path}: unknown setting(s) {', '.join(unknown)}")
    config = Config(source=path)
    base = path.parent if path else Path.cwd()
    if "fail-on" in table:
        config = replace(config, fail_on=_level(table["fail-on"], str(path)))
    if "internal-packages" in table:
        config = replace(config, internal_packages=_names(table["internal-packages"], path))
    if "typosquat-allowlist" in table:
        config = replace(config, typosquat_allowlist=_names(table["typosquat-allowlist"], path))
    if "cooldown-days" in table:
        config = replace(config, cooldown_days=_number(table["cooldown-days"], "cooldown-days"))
    if "db-max-age-days" in table:
        days = _number(table["db-max-age-days"], "db-max-age-days")
        config = replace(config, db_max_age_days=days)
    if "ignore-file" in table:
        config = replace(config, ignore_file=base / str(table["ignore-file"]))
    if "limits" in table:
        config = replace(config, limits=_limits(table["limits"], config.limits))
    return config


def _apply_env(config: Config, env: Mapping[str, str]) -> Config:
    if "WELLCHECK_FAIL_ON" in env:
        config = replace(config, fail_on=_level(env["WELLCHECK_FAIL_ON"], "WELLCHECK_FAIL_ON"))
    if "WELLCHECK_INTERNAL_PACKAGES" in env:
        names = [n for n in env["WELLCHECK_INTERNAL_PACKAGES"].split(",") if n.strip()]
        config = replace(config, internal_packages=_names(names, None))
    if "WELLCHECK_COOLDOWN_DAYS" in env:
        days = _number(env["WELLCHECK_COOLDOWN_DAYS"], "WELLCHECK_COOLDOWN_DAYS")
        config = replace(config, cooldown_days=days)
    if MAX_AGE_ENV in env:
        config = replace(config, db_max_age_days=_number(env[MAX_AGE_ENV], MAX_AGE_ENV))
    if "WELLCHECK_IGNORE_FILE" in env:
        config = replace(config, ignore_file=Path(env["WELLCHECK_IGNORE_FILE"]))
    return config


def _level(value: object, where: str) -> str:
    if not isinstance(value, str) or value.lower() not in LEVELS:
        raise ConfigError(f"{where}: fail-on must be one of {', '.join(LEVELS)}, got {value!r}")
    return value.lower()


def _names(value: object, path: Path | None) -> frozenset[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{path}: expected a list of package names")
    return frozenset(str(canonicalize_name(v.strip())) for v in value)


def _number(value: object, name: str) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a number, got {value!r}") from None
    if number < 0:
        raise ConfigError(f"{name} must not be negative")
    return number


def _limits(table: object, current: Limits) -> Limits:
    if not isinstance(table, dict):
        raise ConfigError("[limits] must be a table")
    names = {f.name for f in fields(Limits)}
    values: dict[str, Any] = {}
    for key, value in table.items():
        attr = key.replace("-", "_")
        if attr not in names:
            raise ConfigError(f"unknown limit {key!r}; known: {', '.join(sorted(names))}")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"limit {key} must be a number, got {value!r}")
        values[attr] = value
    try:
        return with_values(current, values)
    except WellcheckError as exc:
        raise ConfigError(str(exc)) from exc

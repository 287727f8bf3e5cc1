"""CLI commands (scan)."""

from __future__ import annotations

from wellcheck.cli.app import app  # noqa: F401

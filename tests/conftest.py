"""Fixtures shared by every test area."""
from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def cli() -> typer.Typer:
    """The root govcloud app with every area's commands registered."""
    from govcloud.cli import build_app

    return build_app()


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(scope="session")
def bundled_inventory():
    """The bundled sample city, loaded once per session."""
    from inventory.loader import load_inventory

    return load_inventory()


@pytest.fixture(scope="session")
def default_policy():
    from planner.policy import load_policy

    return load_policy()


@pytest.fixture(scope="session")
def bundled_plan(bundled_inventory, default_policy):
    """The plan of the bundled sample city with the default policy, made once per session."""
    from planner.core import make_plan

    return make_plan(bundled_inventory, default_policy)

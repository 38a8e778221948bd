"""Fixtures shared by every test area."""
from __future__ import annotations

import os
from pathlib import Path
from typing import NoReturn

import pytest
import typer
from typer.testing import CliRunner

REPO_ROOT = Path(__file__).resolve().parent.parent

# Most tests are about what a plan says, not how cheap its waves are: plan with the quick search
# (in this process and in the CLI processes tests start). Tests of plan quality name their effort.
os.environ.setdefault("GOVCLOUD_EFFORT", "quick")


def service_unavailable(reason: str) -> NoReturn:
    """A real service a test needs is missing: skip on a developer's machine, fail in CI.

    CI (CI=true) runs `make test`, which installs and starts every service; there a missing one
    is a broken set-up, never a reason to pass quietly.
    """
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"required service unavailable in CI: {reason}", pytrace=False)
    pytest.skip(reason)


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

"""The search-effort setting: names, seconds, the environment default, and its CLI option."""
from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from planner.scheduling.effort import ENV, NORMAL, QUICK, THOROUGH, effort_of
from planner.scheduling.feasibility import violations
from planner.scheduling.generate import random_problem
from planner.scheduling.heuristic import schedule_heuristic


@pytest.mark.parametrize(
    ("given", "expected"), [("quick", QUICK), ("Normal", NORMAL), (" thorough ", THOROUGH)]
)
def test_effort_levels_are_found_by_name(given: str, expected: object) -> None:
    assert effort_of(given) is expected


@pytest.mark.parametrize("given", ["2.5", "2.5s", 2.5])
def test_a_number_of_seconds_is_a_wall_clock_budget(given: str | float) -> None:
    effort = effort_of(given)
    assert effort.wall_s == 2.5 and effort.name == "2.5s"


@pytest.mark.parametrize("given", ["fast", "-1", "0", "nan", "inf"])
def test_an_unknown_effort_is_refused_naming_the_accepted_values(given: str) -> None:
    with pytest.raises(ValueError, match="quick, normal, thorough|positive and finite"):
        effort_of(given)


def test_no_effort_means_the_environment_default_else_normal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, "thorough")
    assert effort_of(None) is THOROUGH
    monkeypatch.delenv(ENV)
    assert effort_of(None) is NORMAL
    monkeypatch.setenv(ENV, "bogus")
    with pytest.raises(ValueError, match=ENV):
        effort_of(None)


def test_more_effort_never_gives_a_dearer_schedule() -> None:
    p = random_problem(3, n_jobs=60, deadlines=True, waves_target=6)
    quick, normal = schedule_heuristic(p, effort="quick"), schedule_heuristic(p, effort="normal")
    assert violations(p, quick) == [] and violations(p, normal) == []
    assert normal.stranded_cost <= quick.stranded_cost + 1e-6


def test_seconds_budget_gives_a_feasible_schedule() -> None:
    p = random_problem(4, n_jobs=40, waves_target=5)
    assert violations(p, schedule_heuristic(p, effort=0.5)) == []


def test_plan_refuses_an_unknown_effort_as_a_usage_error(cli: typer.Typer, runner: CliRunner) -> None:
    result = runner.invoke(cli, ["plan", "--effort", "fast"])
    assert result.exit_code == 2
    assert "--effort" in result.output and "quick, normal, thorough" in result.output


def test_every_command_is_registered_by_the_areas_its_table_names() -> None:
    import importlib

    import typer.main

    from govcloud.cli import AREAS, COMMAND_AREAS
    from govcloud.cli.app import app

    for area in AREAS:
        importlib.import_module(f"govcloud.cli.{area}")
    group = typer.main.get_command(app)
    commands = group.commands  # type: ignore[attr-defined]
    assert set(commands) == set(COMMAND_AREAS)
    for name, command in commands.items():
        modules = {c.callback.__module__ for c in getattr(command, "commands", {}).values()} or {
            command.callback.__module__}
        assert modules <= {f"govcloud.cli.{a}" for a in COMMAND_AREAS[name]}, name

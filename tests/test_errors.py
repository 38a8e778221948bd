"""One error base: every user-facing error is a GovcloudError with ``messages``, caught once by the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from foundation.errors import GovcloudError
from inventory.problems import InventoryError, Problem
from inventory.survey import ExportError
from planner import PlanError, PlanningError, plan_for
from planner.policy import PolicyError
from planner.simulate import ScenarioError
from playbooks.errors import PlaybookError, SSHError
from reporting.progress import ProgressError
from stacks.config import ConfigError
from stacks.preview import PreviewError


@pytest.mark.parametrize(
    "error",
    [
        PlanningError,
        PolicyError,
        PlanError,
        InventoryError,
        ScenarioError,
        ConfigError,
        PlaybookError,
        SSHError,
        ProgressError,
        ExportError,
        PreviewError,
    ],
)
def test_every_user_facing_error_derives_from_the_one_base(error: type[Exception]) -> None:
    assert issubclass(error, GovcloudError)


def test_an_inventory_error_carries_every_problem_as_its_messages() -> None:
    problems = [
        Problem("a.yaml", 3, "s1", "name", "must not be empty"),
        Problem("a.yaml", 9, "s2", "department", "unknown department 'x'"),
    ]
    exc = InventoryError(problems)
    assert exc.messages == [str(p) for p in problems]
    assert str(exc).startswith("2 problem(s) in inventory")


def test_the_cli_prints_the_messages_of_an_escaped_error_and_exits_1(
    cli: typer.Typer, runner: CliRunner, tmp_path: Path
) -> None:
    scenario = tmp_path / "what-if.yaml"
    scenario.write_text("name: x\ncapacity: 3\nforce: nope\n", encoding="utf-8")
    res = runner.invoke(cli, ["simulate", "--scenario", str(scenario)])
    assert res.exit_code == 1 and isinstance(res.exception, SystemExit), res.output
    lines = [line for line in res.output.splitlines() if str(scenario) in line]
    assert {line.split(": ")[1] for line in lines} == {"capacity", "force"}  # every problem, one line each


def test_a_plan_of_another_version_of_the_inventory_is_refused_unless_a_warning_is_wanted(
    tmp_path: Path,
) -> None:
    from planner.plan_model import write_plan
    from planner.policy import load_policy
    from tests.planner.conftest import InventoryBuilder

    policy = load_policy()
    older = InventoryBuilder().system("a").system("b")
    plan = plan_for(older.build(), policy)
    write_plan(plan, tmp_path / "plan.json")
    newer = older.system("a2", depends_on=[{"system": "a"}]).build()
    with pytest.raises(PlanError, match="another version of this inventory"):
        plan_for(newer, policy, tmp_path / "plan.json")
    warned: list[str] = []
    assert plan_for(newer, policy, tmp_path / "plan.json", on_stale=warned.append) == plan
    assert len(warned) == 1
    other_city = InventoryBuilder()
    other_city.data["city"]["id"] = "elsewhere"
    with pytest.raises(PlanError, match="not a plan of this inventory"):
        plan_for(other_city.system("a").system("b").build(), policy, tmp_path / "plan.json")

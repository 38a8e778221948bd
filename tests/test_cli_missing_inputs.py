"""A missing input path is invalid input (exit 1, naming the path) in every command, never usage (2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.plan_model import write_plan

# {missing} is replaced by a path that does not exist, {out} by a fresh output directory.
COMMANDS = {
    "inventory validate": ["inventory", "validate", "{missing}"],
    "inventory stats": ["inventory", "stats", "{missing}"],
    "inventory export": ["inventory", "export", "{missing}", "--yaml", "{out}/city.yaml"],
    "plan inventory": ["plan", "{missing}", "--out", "{out}"],
    "plan policy": ["plan", "--policy", "{missing}", "--out", "{out}"],
    "check policy": ["check", "--policy", "{missing}"],
    "simulate scenario": ["simulate", "--scenario", "{missing}"],
    "explain inventory": ["explain", "x", "{missing}"],
    "report plan": ["report", "--plan", "{missing}", "--out", "{out}"],
    "finance policy": ["finance", "--policy", "{missing}", "--csv", "{out}"],
    "progress plan": ["progress", "report", "--month", "2018-03", "--plan", "{missing}"],
    "playbook render plan": ["playbook", "render", "x", "--plan", "{missing}"],
    "playbook render inventory": ["playbook", "render", "x", "--inventory", "{missing}"],
}


@pytest.mark.parametrize("argv", COMMANDS.values(), ids=COMMANDS.keys())
def test_a_missing_input_path_exits_1_naming_it(cli, runner, tmp_path: Path, argv: list[str]) -> None:
    missing = tmp_path / "not-there.yaml"
    args = [a.format(missing=missing, out=tmp_path / "out") for a in argv]
    result = runner.invoke(cli, args)
    assert result.exit_code == 1, result.output
    assert f"{missing}: no such file or directory" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not (tmp_path / "out").exists()  # nothing written, and before any planning


def test_every_missing_input_is_named_in_one_run(cli, runner, tmp_path: Path) -> None:
    inventory, policy, scenario = (tmp_path / n for n in ("city", "policy.yaml", "what-if.yaml"))
    result = runner.invoke(
        cli, ["simulate", str(inventory), "--policy", str(policy), "--scenario", str(scenario)]
    )
    assert result.exit_code == 1
    for what, path in (("inventory", inventory), ("policy", policy), ("scenario", scenario)):
        assert f"{what} {path}: no such file or directory" in result.output


def test_a_plan_given_to_the_playbook_must_be_of_the_inventory(
    cli, runner, tmp_path: Path, bundled_plan
) -> None:
    other = bundled_plan.model_copy(deep=True)
    other.inventory.city = "elsewhere"
    write_plan(other, tmp_path / "plan.json")
    some = bundled_plan.systems[0].id
    result = runner.invoke(cli, ["playbook", "render", some, "--plan", str(tmp_path / "plan.json")])
    assert result.exit_code == 1
    assert "not a plan of this inventory" in result.output

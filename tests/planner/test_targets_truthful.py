"""Targets told truthfully: met only when no error finding of their rules remains; paid lines only."""

from __future__ import annotations

from reporting.messages import Catalogue
from reporting.targets import target_rows
from reporting.view import PlanView


def rows(plan, inventory, policy):
    return {r.key: r for r in target_rows(PlanView(plan, inventory), Catalogue("en"), policy)}


def test_all_systems_migrated_is_missed_while_a_system_is_blocked(inv, plan_of, policy):
    inventory = inv.system("core", mlps_level=4).system("app").build()
    plan = plan_of(inventory)
    assert plan.system("core").disposition.value == "blocked"
    assert plan.metrics.targets["deadline_migration"] is False
    assert rows(plan, inventory, policy)["deadline_migration"].met is False


def test_private_networks_target_is_missed_while_a_private_network_stays_paid(inv, plan_of, policy):
    inventory = (
        inv.net("n-p", "private_network", "fin").system("core", mlps_level=4, networks=["n-p"]).build()
    )
    plan = plan_of(inventory)
    assert plan.metrics.targets["deadline_networks"] is False
    assert rows(plan, inventory, policy)["deadline_networks"].met is False


def test_targets_without_errors_of_their_rules_are_met(inv, plan_of, policy):
    inventory = inv.room("r1", "fin", area=10).system("app", room="r1").build()
    plan = plan_of(inventory)
    assert all(plan.metrics.targets.values()), plan.metrics.targets
    assert all(r.met for r in rows(plan, inventory, policy).values())


def test_line_counts_leave_out_the_free_extranet_and_intranet(inv, plan_of, policy):
    inventory = (
        inv.net("n-ext", "extranet", fee=0)
        .net("n-int", "intranet", fee=0)
        .net("n-inet", "internet_line", "fin", fee=3000)
        .system("web", networks=["n-inet", "n-ext"])
        .build()
    )
    plan = plan_of(inventory)
    assert (plan.metrics.lines_retired, plan.metrics.lines_cancellable) == (1, 1)
    assert "1 of 1" in rows(plan, inventory, policy)["lines"].actual


def test_check_prints_each_target_missed_beside_the_error_that_misses_it(cli, runner, inv, tmp_path):
    path = inv.system("core", mlps_level=4).write(tmp_path / "city.yaml")
    result = runner.invoke(cli, ["check", str(path), "--lang", "en"])
    assert result.exit_code == 3
    assert "target All systems migrated: missed" in result.output
    assert "target Pilot migration done: met" in result.output

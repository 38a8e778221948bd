"""The copy's bandwidth limit is the policy's CUT-1 migration bandwidth, overridable per run."""

from __future__ import annotations

from pathlib import Path

import yaml

from inventory.models import Host
from planner.policy import load_policy
from playbooks.model import SystemTarget
from playbooks.render import render_runbook
from playbooks.rsync import RsyncLink, bwlimit_kib
from playbooks.runner import RunOptions, SystemRun
from playbooks.ssh import Connector
from tests.playbooks.conftest import build_inventory_and_plan, write_cli_inputs


class _Source:
    """Just enough of a session to build rsync's command line (nothing connects)."""

    def as_root(self, command: str, sudo: bool) -> str:
        return f"sudo -n -- {command}" if sudo else command


def _rendered(bandwidth_mbps: float | None):
    host = Host(address="10.0.0.5", user="migrate", role="app", data_dirs=["/srv/app/data"])
    inv, plan = build_inventory_and_plan([("fin-budget", host)])
    target = SystemTarget(target=Host(address="10.20.0.15", user="migrate", role="target"))
    return render_runbook("fin-budget", plan, inv, {"fin-budget": target}, bandwidth_mbps=bandwidth_mbps)


def _rsync_command(run: SystemRun) -> str:
    pair = run.rb.pairs[0]
    link = RsyncLink(_Source(), None, pair, run.rb.system, run.run_id)  # type: ignore[arg-type]
    link.workdir = "/tmp/govcloud-rsync.x"
    return link.command(pair.data[0], bwlimit_kbps=run.bwlimit_kbps)


def test_megabits_become_rsyncs_kibibytes_per_second():
    assert bwlimit_kib(400) == 48828  # 400e6 / 8 / 1024
    assert bwlimit_kib(0) == 0


def test_rsync_is_held_to_the_policys_migration_bandwidth(tmp_path):
    policy_mbps = load_policy().cutover.bandwidth_mbps
    run = SystemRun(_rendered(policy_mbps), RunOptions(Connector(), tmp_path))
    assert f"--bwlimit={bwlimit_kib(policy_mbps)} " in _rsync_command(run)


def test_a_run_option_overrides_the_limit_and_zero_lifts_it(tmp_path):
    rendered = _rendered(400)
    faster = SystemRun(rendered, RunOptions(Connector(), tmp_path, bwlimit_kbps=bwlimit_kib(800)))
    assert f"--bwlimit={bwlimit_kib(800)} " in _rsync_command(faster)
    unlimited = SystemRun(rendered, RunOptions(Connector(), tmp_path, bwlimit_kbps=0))
    assert "--bwlimit" not in _rsync_command(unlimited)


def test_render_takes_the_bandwidth_from_the_policy_file(cli, runner, tmp_path: Path):
    host = Host(address="10.0.0.5", user="migrate", role="app", data_dirs=["/srv/app/data"])
    inv, plan = build_inventory_and_plan([("fin-budget", host)])

    class M:  # what write_cli_inputs reads of a migration
        system_id = "fin-budget"
        inventory = inv
        target = SystemTarget(target=Host(address="10.20.0.15", user="migrate", role="target"))

    paths = write_cli_inputs(tmp_path, [M()])  # type: ignore[list-item]
    policy = tmp_path / "policy.yaml"
    policy.write_text(yaml.safe_dump({"cutover": {"bandwidth_mbps": 80}}))
    args = ["--inventory", str(paths["inventory"]), "--targets", str(paths["targets"])]

    default = runner.invoke(cli, ["playbook", "render", "fin-budget", *args])
    city = runner.invoke(cli, ["playbook", "render", "fin-budget", *args, "--policy", str(policy)])

    assert default.exit_code == 0, default.output
    assert city.exit_code == 0, city.output
    assert f"bandwidth_kbps: {bwlimit_kib(load_policy().cutover.bandwidth_mbps)}\n" in default.output
    assert f"bandwidth_kbps: {bwlimit_kib(80)}\n" in city.output

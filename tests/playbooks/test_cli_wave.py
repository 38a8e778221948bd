"""`govcloud playbook render|run` through the CLI: a wave of systems with one failing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.playbooks.conftest import tree_digest, write_cli_inputs

pytestmark = pytest.mark.sshd


def input_args(paths: dict[str, Path]) -> list[str]:
    """The plan, inventory and targets files every `playbook` command of these tests reads."""
    return [
        "--plan",
        str(paths["plan"]),
        "--inventory",
        str(paths["inventory"]),
        "--targets",
        str(paths["targets"]),
    ]


def connection_args(
    paths: dict[str, Path], known_hosts: Path, client_key: Path, journal_dir: Path
) -> list[str]:
    """The inputs and SSH settings every `playbook run` of these tests passes."""
    return [
        *input_args(paths),
        "--known-hosts",
        str(known_hosts),
        "--identity",
        str(client_key),
        "--no-agent",
        "--journal-dir",
        str(journal_dir),
    ]


def test_render_prints_the_runbook_steps_in_order(cli, runner, migration, tmp_path):
    m = migration()
    paths = write_cli_inputs(tmp_path, [m])
    result = runner.invoke(
        cli,
        [
            "playbook",
            "render",
            m.system_id,
            *input_args(paths),
        ],
    )
    assert result.exit_code == 0, result.output
    order = [
        result.output.index(f"- name: {s}")
        for s in ("pre-check", "freeze", "sync", "verify", "cut-over", "post-check")
    ]
    assert order == sorted(order)
    assert "rollback:" in result.output and "MLPS-4" in result.output


def test_render_of_unknown_system_is_a_clear_error(cli, runner, migration, tmp_path):
    paths = write_cli_inputs(tmp_path, [migration()])
    result = runner.invoke(
        cli,
        [
            "playbook",
            "render",
            "no-such-system",
            *input_args(paths),
        ],
    )
    assert result.exit_code == 1
    assert "no-such-system: not in the plan" in result.output
    assert "Traceback" not in result.output


def test_bad_targets_file_names_file_system_and_field(cli, runner, migration, tmp_path):
    paths = write_cli_inputs(tmp_path, [migration()])
    paths["targets"].write_text("systems:\n  fin-budget:\n    target: {port: 22}\n    colour: blue\n")
    result = runner.invoke(
        cli,
        [
            "playbook",
            "render",
            "fin-budget",
            *input_args(paths),
        ],
    )
    assert result.exit_code == 1
    assert f"{paths['targets']}: fin-budget: target.address" in result.output
    assert "fin-budget: colour" in result.output


def test_wave_runs_every_system_and_one_failure_does_not_stop_the_others(
    cli, runner, migration, tmp_path, known_hosts, client_key
):
    systems = [
        migration(f"sys-{i}", files={f"d/{i}.txt": f"system {i}\n".encode() * 100, "common.bin": b"x" * i})
        for i in range(2)
    ]
    broken = migration("sys-broken", files={"a": b"a"}, target_start="exit 9")
    paths = write_cli_inputs(tmp_path, [*systems, broken])
    journal_dir = tmp_path / "journals"
    result = runner.invoke(
        cli,
        [
            "playbook",
            "run",
            "--wave",
            "1",
            *connection_args(paths, known_hosts, client_key, journal_dir),
            "--workers",
            "3",
        ],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 1, result.output
    for m in systems:
        assert tree_digest(m.copied_dir) == tree_digest(m.data_dir)
        last = json.loads((journal_dir / f"{m.system_id}.jsonl").read_text().splitlines()[-1])
        assert last["outcome"] == "complete"
        assert m.system_id in result.output
    last = json.loads((journal_dir / "sys-broken.jsonl").read_text().splitlines()[-1])
    assert last["outcome"] == "rolled-back"
    assert broken.source_state.read_text().strip() == "running"
    assert "rolled-back" in result.output and result.output.count("complete") >= 2


def test_run_needs_a_system_or_a_wave(cli, runner):
    result = runner.invoke(cli, ["playbook", "run"])
    assert result.exit_code == 2
    assert "exactly one of SYSTEM-ID or --wave" in result.output


def test_dry_run_through_the_cli_changes_nothing(cli, runner, migration, tmp_path, known_hosts, client_key):
    m = migration()
    paths = write_cli_inputs(tmp_path, [m])
    before = (tree_digest(m.source_dir), tree_digest(m.target_dir))
    result = runner.invoke(
        cli,
        [
            "playbook",
            "run",
            m.system_id,
            "--dry-run",
            *connection_args(paths, known_hosts, client_key, tmp_path / "j"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "dry-run" in result.output
    assert (tree_digest(m.source_dir), tree_digest(m.target_dir)) == before
    assert not (tmp_path / "j").exists()


def test_targets_file_is_data_never_a_template(cli, runner, migration, tmp_path):
    m = migration()
    m.target.service.stop = "echo {{ ''.__class__.__mro__ }} {% if 1 %}x{% endif %} {{ system }}"
    paths = write_cli_inputs(tmp_path, [m])
    result = runner.invoke(cli, ["playbook", "render", m.system_id, *input_args(paths)])
    assert result.exit_code == 0, result.output
    assert "{{ ''.__class__.__mro__ }} {% if 1 %}x{% endif %} fin-budget" in result.output


def test_inventory_known_hosts_never_reaches_the_runbook(cli, runner, migration, tmp_path):
    m = migration()
    host = m.inventory.systems[0].hosts[0]
    m.inventory.systems[0].hosts[0] = host.model_copy(update={"known_hosts": "/etc/dept-written-known-hosts"})
    paths = write_cli_inputs(tmp_path, [m])
    result = runner.invoke(cli, ["playbook", "render", m.system_id, *input_args(paths)])
    assert result.exit_code == 0, result.output
    assert "dept-written" not in result.output, result.output


def stack_outputs(m, sshd_hosts, fingerprints: list[str]) -> dict:
    tgt = sshd_hosts["target"]
    return {
        "systems": {
            m.system_id: {
                "data_mount": str(m.data_root),
                "instances": [
                    {
                        "name": f"{m.system_id}-app-0",
                        "role": "app",
                        "instance_id": "9f1c",
                        "fixed_ip": tgt.address,
                        "floating_ip": None,
                        "ssh_host_key_fingerprints": fingerprints,
                    }
                ],
            }
        }
    }


def test_stack_outputs_build_the_targets_and_their_fingerprints_are_checked(
    cli, runner, migration, tmp_path, sshd_hosts, client_key
):
    from tests.playbooks.test_ssh_executor import host_fingerprint

    m = migration(files={"a.txt": b"alpha"})
    paths = write_cli_inputs(tmp_path, [m])
    # Service commands still come from a targets file; the address and data root do not.
    entry = json.loads(json.dumps(m.target.model_dump(mode="json", exclude_none=True)))
    entry["target"]["address"] = "192.0.2.1"
    entry["target"]["port"] = sshd_hosts["target"].port
    entry.pop("data_root")
    import yaml

    paths["targets"].write_text(yaml.safe_dump({"systems": {m.system_id: entry}}, allow_unicode=True))
    outputs = tmp_path / "outputs.json"
    # Only the source is in known_hosts: the target is trusted through its published fingerprint.
    only_source = tmp_path / "known_hosts"
    only_source.write_text(sshd_hosts["source"].known_hosts_line())
    outputs.write_text(json.dumps(stack_outputs(m, sshd_hosts, [host_fingerprint(sshd_hosts["target"])])))
    rendered = runner.invoke(
        cli, ["playbook", "render", m.system_id, *input_args(paths), "--stack-outputs", str(outputs)]
    )
    assert rendered.exit_code == 0, rendered.output
    assert "192.0.2.1" not in rendered.output and str(m.data_root) in rendered.output
    args = [
        "playbook", "run", m.system_id, *input_args(paths), "--stack-outputs", str(outputs),
        "--known-hosts", str(only_source), "--identity", str(client_key), "--no-agent",
        "--journal-dir", str(tmp_path / "j"),
    ]  # fmt: skip
    ok = runner.invoke(cli, args)
    assert ok.exit_code == 0, ok.output
    assert tree_digest(m.copied_dir) == tree_digest(m.data_dir)

    other = migration("fin-other", files={"b.txt": b"beta"})
    paths = write_cli_inputs(tmp_path / "x" if (tmp_path / "x").mkdir() is None else tmp_path, [other])
    outputs.write_text(json.dumps(stack_outputs(other, sshd_hosts, [host_fingerprint(sshd_hosts["source"])])))
    args = [
        "playbook", "run", other.system_id, *input_args(paths), "--stack-outputs", str(outputs),
        "--known-hosts", str(only_source), "--identity", str(client_key), "--no-agent",
        "--journal-dir", str(tmp_path / "j2"),
    ]  # fmt: skip
    refused = runner.invoke(cli, args)
    assert refused.exit_code == 1
    assert "HOST KEY MISMATCH" in " ".join(refused.output.split()), "a key that is not pinned is refused"


def test_malformed_stack_outputs_name_file_and_key(cli, runner, migration, tmp_path):
    m = migration()
    paths = write_cli_inputs(tmp_path, [m])
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({"systems": {m.system_id: {"data_mount": "relative", "instances": []}}}))
    result = runner.invoke(
        cli, ["playbook", "render", m.system_id, *input_args(paths), "--stack-outputs", str(outputs)]
    )
    assert result.exit_code == 1
    assert f"{outputs}: systems.{m.system_id}.data_mount" in result.output

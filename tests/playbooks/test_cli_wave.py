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
        for s in ("pre-check", "freeze", "copy", "verify", "cut-over", "post-check")
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
        for i in range(4)
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
    assert "rolled-back" in result.output and result.output.count("complete") >= 4


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

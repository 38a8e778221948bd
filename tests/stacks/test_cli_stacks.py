"""`govcloud stacks generate` and `govcloud stacks preview` through the root app."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from stacks.config import project_config_schema

IMAGE_SETS = ["--set", 'images=["default=img-1"]', "--set", "defaultImage=default"]
PREVIEW_SETS = IMAGE_SETS


def test_generate_writes_a_platform_and_one_file_per_wave_without_secrets(
    cli, runner, plan_file, tmp_path
) -> None:
    plan, path = plan_file
    result = runner.invoke(
        cli,
        [
            "stacks",
            "generate",
            "--plan",
            str(path),
            "--out",
            str(tmp_path),
            "--set",
            "externalNetwork=internet",
            *IMAGE_SETS,
        ],
    )
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [
        "Pulumi.departments.yaml",
        "Pulumi.platform.yaml",
        "Pulumi.wave-00.yaml",
        "Pulumi.wave-01.yaml",
    ]
    keys = set(project_config_schema())
    for name in names:
        text = (tmp_path / name).read_text(encoding="utf-8")
        config = yaml.safe_load(text)["config"]
        assert all(k.startswith("govcloud:") and k.removeprefix("govcloud:") in keys for k in config)
        assert (
            config["govcloud:plan"] == str(path.resolve())
            and config["govcloud:externalNetwork"] == "internet"
        )
        assert not re.search(r"password|secret|token|credential", yaml.safe_dump(config), re.I)
    wave1 = yaml.safe_load((tmp_path / "Pulumi.wave-01.yaml").read_text())["config"]
    assert (wave1["govcloud:layer"], wave1["govcloud:wave"]) == ("wave", 1)
    assert wave1["govcloud:systems"] == ["fin-budget", "hr-app"]
    assert wave1["govcloud:planDigest"].startswith("sha256:")
    assert "2 migrating system(s)" in (tmp_path / "Pulumi.wave-01.yaml").read_text()


def test_generate_refuses_an_override_of_a_per_stack_key(cli, runner, plan_file, tmp_path) -> None:
    _, path = plan_file
    result = runner.invoke(
        cli, ["stacks", "generate", "--plan", str(path), "--out", str(tmp_path), "--set", "wave=3"]
    )
    assert result.exit_code == 2 and "govcloud:wave" in result.output
    assert list(tmp_path.iterdir()) == []


def test_generate_with_a_broken_plan_says_which_file(cli, runner, tmp_path) -> None:
    bad = tmp_path / "plan.json"
    bad.write_text("{not json", encoding="utf-8")
    result = runner.invoke(cli, ["stacks", "generate", "--plan", str(bad), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1 and "plan.json: not a JSON plan" in result.output


def _counts(output: str) -> dict[str, int]:
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"│ (\S+)\s+│\s+(\d+) │", output)}


def test_preview_of_a_wave_prints_tree_and_counts_matching_the_plan(cli, runner, plan_file) -> None:
    plan, path = plan_file
    result = runner.invoke(cli, ["stacks", "preview", "--plan", str(path), "--wave", "1", *PREVIEW_SETS])
    assert result.exit_code == 0, result.output
    counts = _counts(result.output)
    servers = sum(
        max(1, s.sizing.servers) for s in plan.systems if s.disposition == "migrate" and s.wave == 1
    )
    assert counts["openstack:compute/instance:Instance"] == servers == 3
    assert "openstack:identity/project:Project" not in counts  # projects live in the departments stack
    assert "SystemDeployment fin-budget" in result.output and "DepartmentWave hr" in result.output


def test_preview_of_every_wave_prints_one_row_per_wave(cli, runner, plan_file) -> None:
    plan, path = plan_file
    result = runner.invoke(cli, ["stacks", "preview", "--plan", str(path), *PREVIEW_SETS])
    assert result.exit_code == 0, result.output
    rows = {
        m.group(1): [int(x) for x in m.group(2).split("│") if x.strip()]
        for m in re.finditer(r"│ ?(wave-\d\d) ?│([\d│ ]+)│", result.output)
    }
    assert rows["wave-00"][1] == 3 and rows["wave-01"][1] == 3  # instances column


def test_preview_of_an_unknown_wave_is_a_usage_error(cli, runner, plan_file) -> None:
    _, path = plan_file
    result = runner.invoke(cli, ["stacks", "preview", "--plan", str(path), "--wave", "9"])
    assert result.exit_code == 2 and "no such wave" in result.output


def test_preview_with_a_missing_plan_is_a_clear_error(cli, runner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["stacks", "preview", "--plan", str(tmp_path / "none.json"), "--wave", "0"])
    assert result.exit_code == 1 and "no such plan file" in result.output


def test_preview_shows_projects_per_department_baseline_rules_and_load_balancers(
    cli, runner, tmp_path
) -> None:
    from planner.plan_model import Sizing, write_plan
    from tests.stacks.conftest import make_plan, system

    plan = make_plan(
        [
            system(
                "web",
                "gov",
                domain="public_service",
                public_facing=True,
                mlps_level=2,
                sizing=Sizing(vcpu=4, ram_gb=8, servers=2),
            ),
            system("ledger", "fin", mlps_level=2, sizing=Sizing(vcpu=2, ram_gb=4), links=[("web", 443)]),
        ],
        waves=1,
    )
    path = tmp_path / "plan.json"
    write_plan(plan, path)
    result = runner.invoke(cli, ["stacks", "preview", "--plan", str(path), *PREVIEW_SETS])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "projects per department" in out and "govcloud-gov" in out and "govcloud-fin" in out
    assert "baseline rules" in out and "10.79.0.16/28" in out and "169.254.169.254/32" in out
    assert "load balancers" in out and re.search(r"wave-00\s*│\s*web\s*│\s*80, 443\s*│\s*2", out)


def _generate(cli, runner, plan_path: Path, out: Path):
    return runner.invoke(
        cli, ["stacks", "generate", "--plan", str(plan_path), "--out", str(out), *IMAGE_SETS]
    )


def _two_plans(tmp_path: Path) -> tuple[Path, Path]:
    """plan-2.json with waves 0 and 1, plan-1.json with wave 0 only (its re-plan)."""
    from planner.plan_model import write_plan
    from tests.stacks.conftest import make_plan, system

    paths = []
    for waves in (2, 1):
        path = tmp_path / f"plan-{waves}.json"
        write_plan(make_plan([system("a", "fin", wave=0), system("b", "hr", wave=waves - 1)], waves), path)
        paths.append(path)
    return paths[0], paths[1]


SALT = "v1:BNJOCpOPGV4=:v1:9jpeMm7HcnK+6+Wt:gcfklR9vOw=="
CIPHERTEXT = "v1:LToJ+3kqSG30mW3P:6F1Gm7QFBUwKOBPBzA8x1QCq0Jw="


def _as_after_pulumi_config_set(path: Path) -> None:
    """`pulumi config set --secret govcloud:deployPassword` and `pulumi config set openstack:region`."""
    text = path.read_text(encoding="utf-8").replace(
        "config:\n",
        f"encryptionsalt: {SALT}\nconfig:\n  govcloud:deployPassword:\n    secure: {CIPHERTEXT}\n"
        "  openstack:region: RegionOne\n",
    )
    path.write_text(text, encoding="utf-8")


def _regenerate_after_config_set(cli, runner, tmp_path: Path, waves: int):
    """Stacks of the two-wave plan, `pulumi config set` on wave 01's file, then generate from the
    plan of *waves* waves (2 or 1): the stacks directory and the second run's result."""
    two, one = _two_plans(tmp_path)
    out = tmp_path / "stacks"
    assert _generate(cli, runner, two, out).exit_code == 0
    _as_after_pulumi_config_set(out / "Pulumi.wave-01.yaml")
    result = _generate(cli, runner, two if waves == 2 else one, out)
    assert result.exit_code == 0, result.output
    return out, result


def test_regenerate_prints_per_file_the_keys_it_kept_and_never_their_values(cli, runner, tmp_path) -> None:
    out, result = _regenerate_after_config_set(cli, runner, tmp_path, waves=2)
    kept = [line for line in result.output.splitlines() if ": kept " in line]
    assert kept == [
        f"{out / 'Pulumi.wave-01.yaml'}: kept encryptionsalt, govcloud:deployPassword (secret), "
        "openstack:region (set with the Pulumi CLI)"
    ]
    assert SALT not in result.output and CIPHERTEXT not in result.output


def test_regenerate_says_which_secrets_a_removed_wave_file_held(cli, runner, tmp_path) -> None:
    out, result = _regenerate_after_config_set(cli, runner, tmp_path, waves=1)
    assert (
        f"removed {out / 'Pulumi.wave-01.yaml'} (the plan has no such wave any more); it held "
        "encryptionsalt, govcloud:deployPassword (secret), openstack:region, gone with it"
    ) in result.output
    assert CIPHERTEXT not in result.output and not (out / "Pulumi.wave-01.yaml").exists()


def test_regenerate_over_a_broken_stack_file_names_it_and_changes_nothing(cli, runner, tmp_path) -> None:
    two, one = _two_plans(tmp_path)
    out = tmp_path / "stacks"
    assert _generate(cli, runner, two, out).exit_code == 0
    broken = out / "Pulumi.wave-00.yaml"
    broken.write_text(f"config:\n  govcloud:deployPassword:\n    secure: {CIPHERTEXT}: x\n", encoding="utf-8")
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    result = _generate(cli, runner, one, out)
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert f"{broken}: not valid YAML (line 3" in result.output
    assert not any(CIPHERTEXT[i : i + 8] in result.output for i in range(len(CIPHERTEXT) - 7))
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before

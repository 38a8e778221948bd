"""`govcloud stacks generate|preview` with bad --out and --plan paths: clear errors, nothing lost."""

from __future__ import annotations

from pathlib import Path

from planner.plan_model import write_plan
from tests.stacks.conftest import make_plan, system


def assert_clean_exit(result, code: int) -> None:
    """Exit *code* through typer.Exit: the runner reports an escaped exception as exit 1 too."""
    assert result.exit_code == code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)


def _plan_file(tmp_path: Path) -> Path:
    path = tmp_path / "plan.json"
    write_plan(make_plan([system("a", "fin", wave=0), system("b", "fin", wave=1)]), path)
    return path


def test_generate_into_a_file_is_a_usage_error_and_keeps_the_file(cli, runner, tmp_path):
    blocker = tmp_path / "stacks"
    blocker.write_text("keep me", encoding="utf-8")
    result = runner.invoke(
        cli, ["stacks", "generate", "--plan", str(_plan_file(tmp_path)), "--out", str(blocker)]
    )
    assert_clean_exit(result, 2)
    assert "not a directory" in result.output and blocker.read_text(encoding="utf-8") == "keep me"


def test_generate_into_an_unwritable_place_exits_1(cli, runner, tmp_path):
    result = runner.invoke(
        cli, ["stacks", "generate", "--plan", str(_plan_file(tmp_path)), "--out", "/proc/govcloud-x"]
    )
    assert_clean_exit(result, 1)
    assert "/proc/govcloud-x" in result.output and "cannot write" in result.output


def test_generate_without_plan_never_replaces_another_inventorys_plan(cli, runner, tmp_path):
    out = tmp_path / "out"
    mine = _plan_file(out)
    before = mine.read_bytes()
    result = runner.invoke(cli, ["stacks", "generate", "--out", str(out)])
    assert_clean_exit(result, 2)
    assert "--plan" in result.output and mine.read_bytes() == before


def test_generate_without_plan_can_run_twice_into_one_directory(cli, runner, tmp_path):
    out = tmp_path / "out"
    images = ["--set", 'images=["default=img-1"]', "--set", "defaultImage=default"]
    for _ in range(2):
        result = runner.invoke(cli, ["stacks", "generate", "--out", str(out), *images])
        assert result.exit_code == 0, result.output
    assert (out / "Pulumi.platform.yaml").exists() and (out / "plan.json").exists()


def test_preview_with_a_directory_as_plan_is_a_clear_error(cli, runner, tmp_path):
    result = runner.invoke(cli, ["stacks", "preview", "--plan", str(tmp_path)])
    assert_clean_exit(result, 1)
    assert "is a directory" in result.output


def test_generate_without_plan_that_fails_writes_no_plan_either(cli, runner, tmp_path):
    # no image configured: refused after planning; the plan just made is not left behind alone
    out = tmp_path / "out"
    result = runner.invoke(cli, ["stacks", "generate", "--out", str(out)])
    assert_clean_exit(result, 1)
    assert "image" in result.output
    assert not (out / "plan.json").exists() and not list(out.glob("Pulumi.*.yaml"))

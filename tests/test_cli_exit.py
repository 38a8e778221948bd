"""The console script keeps every exit code and every output when it skips interpreter teardown."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

GOVCLOUD = [sys.executable, "-c", "from govcloud.cli import main; main()"]


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*GOVCLOUD, *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_plan_writes_a_complete_plan_and_exits_zero(tmp_path: Path) -> None:
    done = run("plan", "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    plan = json.loads((tmp_path / "out" / "plan.json").read_text(encoding="utf-8"))
    assert plan["format"] == 1 and plan["systems"]
    assert "plan of fx" in done.stdout  # the summary is flushed before the fast exit


def test_check_exits_three_when_error_findings_remain(tmp_path: Path) -> None:
    done = run("check", "--lang", "en", cwd=tmp_path)
    assert done.returncode == 3
    assert "error(s)" in done.stdout


def test_invalid_inventory_still_exits_one_with_its_problems(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\ncity: {id: x, name: y}\nregions: 7\n", encoding="utf-8")
    done = run("inventory", "validate", str(bad), cwd=tmp_path)
    assert done.returncode == 1
    assert f"{bad}:" in done.stdout + done.stderr

"""Smoke test of the scale benchmark: it runs at a tiny size and writes its results tables.

Performance itself is measured by `python -m bench.scale`, never asserted here.
"""
from __future__ import annotations

import importlib.util
import json
import math
import sys
from pathlib import Path
from typing import Any

import pytest

from bench.common import StageClock, Table, run_child, write_results
from bench.scale import main, nlogn_ratio, run

TINY = 200
NEEDED = ("inventory.synth", "inventory.loader", "planner.policy", "planner.core")


def _missing_modules() -> list[str]:
    return [m for m in NEEDED if importlib.util.find_spec(m) is None]


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One run of the scale benchmark on a 200-system synthetic inventory."""
    missing = _missing_modules()
    if missing:
        pytest.skip(f"the scale benchmark needs {', '.join(missing)}, not written yet")
    base = tmp_path_factory.mktemp("scale")
    return run([TINY], seed=3, workdir=base / "work", results_dir=base / "results", timeout=120,
               argv=["--sizes", str(TINY)], log=lambda _msg: None)


def _by_policy(run: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["policy"]: r for r in run["results"]}


def test_tiny_scale_run_profiles_every_stage_under_both_policies(tiny_run: dict[str, Any]) -> None:
    results = _by_policy(tiny_run)
    assert sorted(results) == ["default", "province"]
    for r in results.values():
        assert r["n"] == TINY
        assert [e for e in r["errors"] if not e.startswith("govcloud plan")] == []
        assert r["load_s"] > 0 and r["plan_s"] > 0
        assert r["stages"]["write plan.json"] > 0 and "verify" in r["stages"]
        assert any(s.startswith("plan: ") for s in r["stages"])
        assert r["plan"]["systems"] == TINY
        assert "violations" in r  # the verifier ran; its count is asserted below


def test_tiny_scale_run_plans_end_to_end_in_a_child_process(tiny_run: dict[str, Any]) -> None:
    for r in tiny_run["results"]:
        cli = r["cli"]
        assert cli["returncode"] == 0, r["errors"]
        assert cli["wall_s"] > 0 and cli["peak_rss_mb"] > 10
        assert "cli_violations" in r  # the verifier checked the CLI's plan.json; its count is asserted below




def test_tiny_scale_run_plans_verify_with_zero_violations(tiny_run: dict[str, Any]) -> None:
    for r in tiny_run["results"]:
        assert r["violations"] == 0, r["violation_examples"]
        assert r["cli_violations"] == 0, r["cli_violation_examples"]


def test_province_run_passes_its_scaled_policy_file_to_the_cli(tiny_run: dict[str, Any]) -> None:
    results = _by_policy(tiny_run)
    argv = results["province"]["cli"]["argv"]
    assert argv[argv.index("--policy") + 1] == results["province"]["policy_file"]
    assert "--policy" not in results["default"]["cli"]["argv"]
    # Scaled to the inventory: 200 systems over ~18 waves is far below the city's 40 a wave.
    assert results["province"]["capacity"]["systems"] < results["default"]["capacity"]["systems"]


def test_tiny_scale_run_writes_markdown_and_json_results(tiny_run: dict[str, Any]) -> None:
    md, js = Path(tiny_run["markdown"]), Path(tiny_run["json"])
    data = json.loads(js.read_text(encoding="utf-8"))
    assert [r["n"] for r in data["data"]["results"]] == [TINY, TINY]
    assert data["machine"]["python"] and data["machine"]["cores"] >= 1
    assert data["command"] == f"python -m bench.scale --sizes {TINY}"
    text = md.read_text(encoding="utf-8")
    assert "Machine:" in text and "| 200 | default |" in text and "| 200 | province |" in text
    assert "load average" in text


def test_bad_sizes_are_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--sizes", "ten"])
    assert exc.value.code == 2
    assert "--sizes" in capsys.readouterr().err


def test_stage_clock_charges_time_to_the_stage_reported_until_the_next_one() -> None:
    ticks = iter([0.0, 1.0, 1.5, 4.0, 4.5, 6.0])
    clock = StageClock(prefix="plan: ", clock=lambda: next(ticks))
    clock.start()  # 0.0
    clock("classify", 0.0)  # 1.0: startup took 1.0
    clock("classify", 0.5)  # same stage: no tick taken
    clock("schedule", 0.0)  # 1.5: classify took 0.5
    clock("classify", 1.0)  # 4.0: schedule took 2.5
    clock("check", 0.0)  # 4.5: classify again, 0.5 more
    clock.stop()  # 6.0: check took 1.5
    assert clock.spans == {
        "plan: startup": 1.0, "plan: classify": 1.0, "plan: schedule": 2.5, "plan: check": 1.5,
    }


def test_nlogn_ratio_for_a_tenfold_step() -> None:
    assert nlogn_ratio(1000, 10_000) == pytest.approx(10 * math.log(10_000) / math.log(1000))


TOUCH_150_MB = "b = bytearray(150 * 1024 * 1024); b[::4096] = b'x' * len(b[::4096])"


def test_child_peak_memory_is_the_childs_not_the_parents() -> None:
    ballast = bytearray(300 * 1024 * 1024)  # the parent is big: the small child must not look big
    ballast[::4096] = b"x" * len(ballast[::4096])
    small = run_child([sys.executable, "-c", "pass"])
    big = run_child([sys.executable, "-c", TOUCH_150_MB])
    del ballast
    assert small.returncode == 0 and big.returncode == 0
    assert small.peak_rss_mb < 100
    assert big.peak_rss_mb - small.peak_rss_mb > 140


def test_child_past_its_timeout_is_killed() -> None:
    r = run_child([sys.executable, "-c", "import time; time.sleep(30)"], timeout=0.5)
    assert r.returncode != 0 and r.wall_s < 10
    assert "killed after 0.5 s" in r.stderr


def test_command_that_cannot_start_is_reported() -> None:
    r = run_child(["/nonexistent/govcloud"])
    assert r.returncode == 127 and "cannot run /nonexistent/govcloud" in r.stderr


def test_results_are_written_atomically_as_markdown_and_json(tmp_path: Path) -> None:
    t = Table("T", ["a", "b"], [["x|y", 1234.5], [None, 0.01234]])
    md, js = write_results("demo", "Demo", [t], results_dir=tmp_path, machine_info={
        "cpu": "c", "cores": 1, "usable_cores": 1, "ram_gb": 1, "os": "o", "python": "3", "git_commit": None,
        "date": "d"})
    assert "| x\\|y | 1,234 |" in md.read_text(encoding="utf-8")
    assert json.loads(js.read_text(encoding="utf-8"))["tables"][0]["rows"][0] == ["x|y", 1234.5]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo.json", "demo.md"]


def test_quick_quality_run_checks_every_schedule_and_writes_its_tables(tmp_path: Path) -> None:
    from bench.quality import main as quality_main

    assert quality_main(["--quick", "--results-dir", str(tmp_path)]) == 0
    data = json.loads((tmp_path / "quality.json").read_text(encoding="utf-8"))
    assert data["data"]["violations"] == [] and data["data"]["rows"]
    for row in data["data"]["rows"]:
        # No arm beats the lower bound; the heuristic never loses to the naive layering here.
        assert row["bound_cost"] <= min(row["heuristic_cost"], row["naive_cost"], row["exact_cost"]) + 1e-6
    assert "ours over naive" in (tmp_path / "quality.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def quick_plan_quality(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, Path]:
    """One quick run of the inventory quality benchmark: its exit code and results directory."""
    from bench.plan_quality import main as plan_quality_main

    out = tmp_path_factory.mktemp("plan_quality")
    return plan_quality_main(["--quick", "--results-dir", str(out)]), out


def test_quick_inventory_quality_run_verifies_every_plan_of_every_arm(
    quick_plan_quality: tuple[int, Path],
) -> None:
    from tests.planner.conftest import pending_policy_fidelity

    rc, tmp_path = quick_plan_quality
    data = json.loads((tmp_path / "plan_quality.json").read_text(encoding="utf-8"))
    (row,) = data["data"]["rows"]
    assert rc == (1 if row["violations"] else 0)  # any violation fails the benchmark
    assert sorted(row["arms"]) == ["exact", "heuristic", "naive"]
    # Every arm's plan was verified; none breaks a check the planner already satisfies.
    assert pending_policy_fidelity([v.split(": ", 1)[1] for v in row["violations"]]) == []
    assert row["same_problem"]
    costs = {arm: a["stranded_cost"] for arm, a in row["arms"].items()}
    assert row["bound_cost"] <= min(costs.values()) + 0.01
    assert costs["exact"] <= costs["heuristic"] + 0.01  # the exact model starts from the heuristic
    assert "ours over naive" in (tmp_path / "plan_quality.md").read_text(encoding="utf-8")


def test_quick_inventory_quality_run_has_zero_violations(quick_plan_quality: tuple[int, Path]) -> None:
    rc, tmp_path = quick_plan_quality
    data = json.loads((tmp_path / "plan_quality.json").read_text(encoding="utf-8"))
    (row,) = data["data"]["rows"]
    assert rc == 0 and row["violations"] == [] and all(a["violations"] == 0 for a in row["arms"].values())


def test_tree_memory_counts_the_memory_of_a_forked_child(capsys: pytest.CaptureFixture[str]) -> None:
    from bench.tree_memory import main as tree_memory

    # The child writes 200 MB of its own (not shared with its parent) and holds it for a second.
    script = (
        "import os, time\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    held = bytearray(200 << 20)\n"
        "    for i in range(0, len(held), 4096): held[i] = 1\n"
        "    time.sleep(1.0)\n"
        "    os._exit(0)\n"
        "os.waitpid(pid, 0)\n"
    )
    assert tree_memory(["--every", "0.05", "--", sys.executable, "-c", script]) == 0
    out = capsys.readouterr().out
    peak_mb = float(out.split("peak PSS ")[1].split(" MB")[0].replace(",", ""))
    assert peak_mb >= 200 and "(2 processes" in out, out


def test_the_output_writes_benchmark_writes_both_ways_and_its_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bench import output_writes

    monkeypatch.setattr(sys, "argv", ["output_writes", "--megabytes", "2", "--piece-mb", "1", "--rounds", "2",
                                      "--pause", "0", "--results-dir", str(tmp_path)])
    output_writes.main()
    payload = json.loads((tmp_path / "output_writes.json").read_text(encoding="utf-8"))
    rows = payload["tables"][0]["rows"]
    assert [r[0] for r in rows] == ["pieces as made", "capped writes (foundation.atomic)"]
    assert all(len(r[1].split(", ")) == 2 for r in rows)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["output_writes.json", "output_writes.md"]

"""The supported Python range is the same in the package metadata and in the Makefile's choice."""
from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from pathlib import Path

from tests.conftest import REPO_ROOT


def _makefile_range() -> tuple[tuple[int, int], tuple[int, int]]:
    text = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    m = re.search(r"not \((\d+), (\d+)\) <= sys.version_info\[:2\] < \((\d+), (\d+)\)", text)
    assert m, "the Makefile states the supported range"
    a, b, c, d = (int(g) for g in m.groups())
    return (a, b), (c, d)


def test_makefile_and_package_metadata_support_the_same_python_range() -> None:
    meta = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    low, high = _makefile_range()
    assert meta["project"]["requires-python"] == f">={low[0]}.{low[1]},<{high[0]}.{high[1]}"
    assert low == (3, 11) and high >= (3, 14), "3.11 to 3.13 at least"


def test_makefile_picks_an_interpreter_in_the_supported_range() -> None:
    chosen = subprocess.run(
        ["make", "-s", "python"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert chosen, "an interpreter was found"
    version = subprocess.run(
        [chosen, "-c", "import sys; print(*sys.version_info[:2])"], capture_output=True, text=True, check=True
    ).stdout.split()
    low, high = _makefile_range()
    assert low <= (int(version[0]), int(version[1])) < high


def test_makefile_refuses_clearly_when_no_supported_interpreter_is_on_path(tmp_path: Path) -> None:
    for name in ("Makefile", "pyproject.toml"):
        shutil.copy(REPO_ROOT / name, tmp_path / name)
    done = subprocess.run(
        ["/usr/bin/make", "venv", f"SYSTEM_PY={tmp_path / 'none'}"],
        cwd=tmp_path, capture_output=True, text=True, env={"PATH": str(tmp_path)},
    )
    assert done.returncode != 0
    assert "no Python 3.11 to 3.13 on PATH" in done.stderr
    assert not (tmp_path / ".venv").exists()


def _interpreter(path: Path, version: tuple[int, int]) -> Path:
    """A stand-in interpreter: answers the Makefile's check as a Python of *version* would."""
    supported = (3, 11) <= version < (3, 14)
    path.write_text(f"#!/bin/sh\nexit {0 if supported else 1}\n", encoding="utf-8")
    path.chmod(0o755)
    return path


def _chosen(directory: Path, system: Path) -> str:
    shutil.copy(REPO_ROOT / "Makefile", directory / "Makefile")
    path = f"{directory / 'bin'}:/bin"  # /bin: make's echo
    return subprocess.run(
        ["/usr/bin/make", "-s", "python", f"SYSTEM_PY={system}"],
        cwd=directory, capture_output=True, text=True, check=True, env={"PATH": path},
    ).stdout.strip()


def test_makefile_prefers_the_distributions_interpreter_to_the_first_on_path(tmp_path: Path) -> None:
    (tmp_path / "bin").mkdir()
    _interpreter(tmp_path / "bin" / "python3", (3, 12))
    system = _interpreter(tmp_path / "system-python3", (3, 11))
    assert _chosen(tmp_path, system) == str(system)


def test_makefile_takes_the_first_on_path_when_the_distributions_is_missing_or_unsupported(
    tmp_path: Path,
) -> None:
    (tmp_path / "bin").mkdir()
    _interpreter(tmp_path / "bin" / "python3", (3, 12))
    assert _chosen(tmp_path, tmp_path / "missing") == "python3"
    too_old = _interpreter(tmp_path / "system-python3", (3, 9))
    assert _chosen(tmp_path, too_old) == "python3"


def _reporting_interpreter(path: Path) -> Path:
    """A stand-in interpreter that reports itself as sys.executable (what the Makefile asks)."""
    path.write_text('#!/bin/sh\nrealpath "$0"\n', encoding="utf-8")
    path.chmod(0o755)
    return path


def _venv_built_on(directory: Path, interpreter: Path) -> Path:
    venv = directory / ".venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").symlink_to(interpreter)
    (venv / "kept").write_text("", encoding="utf-8")
    return venv


def _make_built_on(directory: Path, chosen: Path) -> subprocess.CompletedProcess[str]:
    shutil.copy(REPO_ROOT / "Makefile", directory / "Makefile")
    return subprocess.run(
        ["/usr/bin/make", "-s", ".venv/.built-on", f"PY={chosen}"],
        cwd=directory, capture_output=True, text=True, check=True, env={"PATH": "/usr/bin:/bin"},
    )


def test_a_venv_built_on_another_interpreter_is_removed_to_be_built_again(tmp_path: Path) -> None:
    old = _reporting_interpreter(tmp_path / "old-python3")
    new = _reporting_interpreter(tmp_path / "new-python3")
    venv = _venv_built_on(tmp_path, old)
    done = _make_built_on(tmp_path, new)
    assert "building it again" in done.stdout
    assert not (venv / "kept").exists()
    assert (venv / ".built-on").read_text(encoding="utf-8").strip() == str(new)


def test_a_venv_built_on_the_chosen_interpreter_is_kept(tmp_path: Path) -> None:
    same = _reporting_interpreter(tmp_path / "python3")
    venv = _venv_built_on(tmp_path, same)
    done = _make_built_on(tmp_path, same)
    assert done.stdout == ""
    assert (venv / "kept").exists()
    assert (venv / ".built-on").read_text(encoding="utf-8").strip() == str(same)

"""What every benchmark shares: the machine it ran on, timing, child-process memory, result tables.

Results go to ``bench/results/<name>.md`` and ``<name>.json``, both written atomically, so a
benchmark killed half-way never leaves a half-written table behind.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from foundation.atomic import atomic_write_text

REPO_ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = REPO_ROOT / "bench" / "results"


# ---------------------------------------------------------------- machine


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _ram_gb() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except (OSError, ValueError):
        pass
    return None


def _git(*args: str) -> str | None:
    try:
        out = subprocess.run(
            ["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=10, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip()


def machine() -> dict[str, Any]:
    """The machine and code a result was measured on (read-only: git is only queried)."""
    commit = _git("rev-parse", "--short=12", "HEAD")
    dirty = _git("status", "--porcelain", "--untracked-files=no")
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "usable_cores": usable,
        "ram_gb": _ram_gb(),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "git_commit": (commit + ("+dirty" if dirty else "")) if commit else None,
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def machine_markdown(m: dict[str, Any]) -> str:
    """One line describing the machine, for the head of a results file."""
    return (
        f"{m['cpu']}, {m['cores']} cores ({m['usable_cores']} usable), {m['ram_gb']} GB RAM, "
        f"{m['os']}, Python {m['python']}, commit {m['git_commit'] or 'unknown'}, {m['date']}"
    )


# ---------------------------------------------------------------- measuring


@dataclass
class StageClock:
    """Turns a core ``(stage, fraction)`` progress callback into time spent per stage.

    Stages run one after another: a stage lasts from its first report until the first report
    of another stage (or until :meth:`stop`). Time before the first report is charged to
    ``<prefix>startup`` so nothing measured is lost.
    """

    prefix: str = ""
    clock: Callable[[], float] = time.perf_counter
    spans: dict[str, float] = field(default_factory=dict)
    _current: str | None = None
    _since: float = 0.0

    def start(self) -> None:
        self._current, self._since = f"{self.prefix}startup", self.clock()

    def __call__(self, stage: str, fraction: float) -> None:
        name = f"{self.prefix}{stage}"
        if name == self._current:
            return
        now = self.clock()
        if self._current is not None:
            self.spans[self._current] = self.spans.get(self._current, 0.0) + now - self._since
        self._current, self._since = name, now

    def stop(self) -> None:
        if self._current is not None:
            now = self.clock()
            self.spans[self._current] = self.spans.get(self._current, 0.0) + now - self._since
        self._current = None


@dataclass
class ChildRun:
    """One command run in a fresh child process."""

    argv: list[str]
    returncode: int
    wall_s: float
    peak_rss_mb: float
    stdout: str
    stderr: str
    cpu_s: float = float("nan")  # the child's own user + system time (what the work costs under load)


# Runs the measured command as its own child and reports that child's rusage. Linux carries a
# process's peak RSS across fork+exec (ru_maxrss starts at the parent's resident size), so a
# benchmark process holding a big inventory would inflate the figure of a command it forks
# directly; this small launcher (python -S, a few MB) is the process that forks instead.
_LAUNCHER = """
import os, sys
report, argv = sys.argv[1], sys.argv[2:]
pid = os.fork()
if pid == 0:
    try:
        os.execvp(argv[0], argv)
    except OSError as exc:
        sys.stderr.write(f"cannot run {argv[0]}: {exc}\\n")
    os._exit(127)
_, status, usage = os.wait4(pid, 0)
with open(report, "w") as fh:
    fh.write(f"{usage.ru_maxrss} {usage.ru_utime + usage.ru_stime}")
sys.exit(os.waitstatus_to_exitcode(status) % 256)
"""


def run_child(
    argv: Sequence[str],
    *,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float | None = None,
) -> ChildRun:
    """Run *argv* and measure its wall time and its own peak RSS (the rusage of that process).

    Output goes to temporary files rather than pipes, so a chatty child never blocks; a child
    running past *timeout* seconds is killed with its whole process group.
    """
    with tempfile.TemporaryDirectory(prefix="bench-child-") as tmp:
        report = Path(tmp) / "maxrss"
        out_path, err_path = Path(tmp) / "stdout", Path(tmp) / "stderr"
        with out_path.open("w") as out, err_path.open("w") as err:
            start = time.perf_counter()
            proc = subprocess.Popen(
                [sys.executable, "-S", "-c", _LAUNCHER, str(report), *argv],
                cwd=cwd,
                env=env,
                stdout=out,
                stderr=err,
                start_new_session=True,
            )
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            wall = time.perf_counter() - start
        stdout = out_path.read_text(encoding="utf-8", errors="replace")
        stderr = err_path.read_text(encoding="utf-8", errors="replace")
        try:
            # Linux reports ru_maxrss in KiB (macOS in bytes; not a target platform here).
            rss_kib, cpu_text = report.read_text().split()
            peak_mb, cpu = int(rss_kib) / 1024, float(cpu_text)
        except (OSError, ValueError):
            peak_mb = cpu = float("nan")
            stderr += f"\n(killed after {timeout} s)" if proc.returncode == -signal.SIGKILL else ""
    return ChildRun(list(argv), proc.returncode, wall, peak_mb, stdout, stderr, cpu)


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    """Call *fn*; return its result and the wall time it took in seconds."""
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


# ---------------------------------------------------------------- results


@dataclass
class Table:
    """A results table: a title, column names and rows of plain values."""

    title: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    note: str = ""

    def markdown(self) -> str:
        lines = [f"### {self.title}", ""]
        if self.note:
            lines += [self.note, ""]
        lines.append("| " + " | ".join(self.columns) + " |")
        lines.append("|" + "|".join("---:" if i else "---" for i in range(len(self.columns))) + "|")
        lines += ["| " + " | ".join(fmt_cell(v) for v in row) + " |" for row in self.rows]
        return "\n".join(lines) + "\n"

    def as_json(self) -> dict[str, Any]:
        return {"title": self.title, "columns": self.columns, "rows": self.rows, "note": self.note}


def fmt_cell(v: Any) -> str:
    """Numbers with sensible precision, None as a dash."""
    if v is None:
        return "–"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        if math.isnan(v):
            return "–"
        if v == 0:
            return "0"
        if abs(v) >= 100:
            return f"{v:,.0f}"
        if abs(v) >= 1:
            return f"{v:.2f}"
        return f"{v:.3f}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v).replace("|", "\\|")


def write_results(
    name: str,
    title: str,
    tables: Sequence[Table],
    *,
    data: dict[str, Any] | None = None,
    command: str | None = None,
    notes: Sequence[str] = (),
    results_dir: Path | None = None,
    machine_info: dict[str, Any] | None = None,
) -> tuple[Path, Path]:
    """Write ``<name>.md`` and ``<name>.json`` atomically under *results_dir* (bench/results)."""
    out = Path(results_dir) if results_dir is not None else RESULTS_DIR
    m = machine_info if machine_info is not None else machine()
    md = [f"## {title}", "", f"Machine: {machine_markdown(m)}", ""]
    if command:
        md += [f"Reproduce: `{command}`", ""]
    md += [t.markdown() for t in tables]
    if notes:
        md += ["Notes:", ""] + [f"- {n}" for n in notes] + [""]
    md_path, json_path = out / f"{name}.md", out / f"{name}.json"
    payload = {
        "name": name,
        "title": title,
        "machine": m,
        "command": command,
        "tables": [t.as_json() for t in tables],
        "notes": list(notes),
        "data": data or {},
    }
    atomic_write_text(json_path, json.dumps(payload, indent=2, ensure_ascii=False, default=str) + "\n")
    atomic_write_text(md_path, "\n".join(md))
    return md_path, json_path


def command_line(module: str, argv: Sequence[str]) -> str:
    """The command that reproduces a run, for the results file."""
    return " ".join([f"python -m {module}", *argv]).strip()


def python_executable() -> str:
    return sys.executable

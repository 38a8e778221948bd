"""How hard the scheduler searches: ``quick``, ``normal`` (the default), ``thorough``, or seconds.

The named levels are reproducible: their budgets are counts of restarts and CP-SAT
*deterministic* time, so the same inputs give the same plan on any machine and under any load
(a wall-clock cap, far above what an idle machine needs, only guards overloaded machines). A
number of seconds is a wall-clock budget instead, for whoever would rather wait longer for a
cheaper plan: the plan then depends on how fast the machine was.

With no effort given, ``GOVCLOUD_EFFORT`` (same values) is the default if set, else ``normal``:
the test suite sets it to ``quick`` for the tests whose subject is not the plan's quality.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, replace

# Problems up to this many jobs (city-sized) get the pure-Python re-split; at the default effort
# it replaces CP-SAT there, so planning a city imports no OR-Tools.
CITY_JOBS = 500


@dataclass(frozen=True)
class Effort:
    """Search budgets of the heuristic (``schedule_heuristic``)."""

    name: str
    variants: int  # priority rules of list scheduling tried (1-4)
    restart_work: int  # randomised restarts: this many job-evaluations' worth, at most `restarts`
    restarts: int
    swap_work: int  # swaps of nearby retirables in the best order, likewise
    swaps: int
    anneal_per_job: int  # simulated-annealing proposals per job ...
    anneal_max: int  # ... at most this many
    lns_per_job: float  # CP-SAT deterministic time of the large-neighbourhood search, per job
    lns_max: float  # ... at most this much
    lns_min: float  # ... at least this much (when the search runs at all)
    lns_max_jobs: int = 5_000  # the search runs on problems up to this many jobs (annealing beyond)
    repack_nodes: int = 0  # depth-first nodes of the exact two-wave re-split (repack.py) ...
    repack_max_jobs: int = CITY_JOBS  # ... on problems up to this many jobs
    lns_min_jobs: int = 0  # the CP-SAT search runs from this many jobs (smaller: the re-split alone)
    anneal_max_jobs: int | None = None  # the annealing runs on problems up to this many jobs
    anneal_min: int = 0  # proposals at least (small problems: cheap, and the re-split needs a good start)
    deep_above: int | None = None  # jobs above which the best schedule gets a deeper improvement
    wall_s: float | None = None  # a wall-clock budget instead (None: the search's own safety cap)


QUICK = Effort("quick", variants=2, restart_work=0, restarts=0, swap_work=0, swaps=0,
               anneal_per_job=0, anneal_max=0, lns_per_job=0.0, lns_max=0.0, lns_min=0.0)
# normal: a short annealing, then the exact re-split of pairs of waves in pure Python on
# city-sized problems (the bundled city: 50,000 proposals and 30,000 nodes reach 0.99-1.00 ×
# CP-SAT's 60-s cost for 0.25 s, without importing OR-Tools); above repack_max_jobs, most of
# the budget in CP-SAT's repacking of a few waves at a time. Beyond lns_max_jobs the annealing
# alone runs, and beyond anneal_max_jobs list scheduling by the bound's prices and the local
# improvement (at 100,000 jobs 150,000 proposals took 1-1.7 s for 0.6 %).
NORMAL = Effort("normal", variants=4, restart_work=0, restarts=0, swap_work=0, swaps=0,
                anneal_per_job=175, anneal_max=150_000, lns_per_job=0.0007, lns_max=0.5,
                lns_min=0.2, deep_above=5_000, repack_nodes=30_000, lns_min_jobs=CITY_JOBS + 1,
                anneal_max_jobs=50_000, anneal_min=50_000)
THOROUGH = Effort("thorough", variants=4, restart_work=20_000, restarts=48, swap_work=40_000,
                  swaps=240, anneal_per_job=2_000, anneal_max=2_000_000, lns_per_job=0.004,
                  lns_max=8.0, lns_min=1.0, deep_above=5_000, repack_nodes=200_000)
LEVELS = {e.name: e for e in (QUICK, NORMAL, THOROUGH)}
DEFAULT = NORMAL
ENV = "GOVCLOUD_EFFORT"


def effort_of(value: Effort | str | float | None) -> Effort:
    """The Effort named by *value*: a level name, a number of seconds (as a number or text), or None.

    Raises ValueError naming the accepted values.
    """
    if value is None:
        env = os.environ.get(ENV, "").strip()
        if not env:
            return DEFAULT
        try:
            return effort_of(env)
        except ValueError as exc:
            raise ValueError(f"{ENV}: {exc}") from None
    if isinstance(value, Effort):
        return value
    given = value
    if isinstance(value, str):
        text = value.strip().lower()
        if text in LEVELS:
            return LEVELS[text]
        try:
            value = float(text.removesuffix("s"))
        except ValueError:
            raise ValueError(f"unknown effort {value!r}: give quick, normal, thorough or a number "
                             "of seconds") from None
    seconds = float(value)
    if not seconds > 0 or seconds != seconds or seconds == float("inf"):
        raise ValueError(f"effort {given!r}: a number of seconds must be positive and finite")
    # Seconds: the thorough search, limited by the clock rather than by deterministic time.
    return replace(THOROUGH, name=f"{seconds:g}s", lns_per_job=1e9, lns_max=1e9, lns_min=0.0,
                   anneal_per_job=min(THOROUGH.anneal_per_job, int(20_000 * seconds)), wall_s=seconds)

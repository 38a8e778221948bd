"""Wave scheduling: the problem, its preparation, the heuristic and its search, the exact model,
the lower bound and the naive baseline.

Modules: :mod:`.problem` (the abstract problem, re-exported here), :mod:`.build` (a plan's
inventory, decisions and rooms -> problem), :mod:`.prepare`, :mod:`.heuristic`, :mod:`.lns`,
:mod:`.model` (the one CP-SAT model builder of :mod:`.exact` and :mod:`.lns`), :mod:`.bounds`,
:mod:`.naive`, :mod:`.effort`, and for tests and benchmarks :mod:`.generate` and
:mod:`.feasibility`. Importing the package imports only the problem's types: the solvers (and
OR-Tools, NumPy) load when used.
"""
from planner.scheduling.problem import (
    DIMENSIONS,
    Job,
    LowerBound,
    ProgressCallback,
    Retirable,
    Schedule,
    ScheduleProblem,
)

__all__ = ["DIMENSIONS", "Job", "LowerBound", "ProgressCallback", "Retirable", "Schedule", "ScheduleProblem"]

"""The naive baseline the benchmarks compare against: topological layers split first-fit.

Jobs are layered topologically and each layer is split first-fit by capacity, in order; costs
and deadlines are ignored. It is what a planner without a cost model would do.
"""
from __future__ import annotations

from planner.scheduling.prepare import MAX_EXTRA_WAVES, Waves, prepare
from planner.scheduling.problem import Schedule, ScheduleProblem


def schedule_naive(problem: ScheduleProblem) -> Schedule:
    """Baseline: topological layers in order, each split first-fit by capacity; costs ignored."""
    prep = prepare(problem)
    n = prep.n
    layer = [0] * n
    for j in prep.topo:
        for p in prep.preds[j]:
            layer[j] = max(layer[j], layer[p] + 1)
    by_layer: dict[int, list[int]] = {}
    for j in prep.topo:
        by_layer.setdefault(layer[j], []).append(j)
    waves = Waves(prep)
    wave = [-1] * n
    start = 0
    for lay in sorted(by_layer):
        end = start
        for j in by_layer[lay]:
            lo = max([start, prep.earliest[j]] + [wave[p] for p in prep.preds[j]])
            w = lo
            while not waves.fits(j, w):
                w += 1
                if w > lo + MAX_EXTRA_WAVES:
                    raise RuntimeError(f"job {prep.ids[j]} fits no wave")
            waves.take(j, w)
            wave[j] = w
            end = max(end, w)
        start = end + 1 if by_layer[lay] else start
    return prep.to_schedule(wave, "naive", ["naive layering ignores costs and deadlines"])


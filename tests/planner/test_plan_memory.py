"""Planning frees what it made: nothing waits for the cyclic collector, paused while it plans."""

from __future__ import annotations

import gc

import pytest

from planner.core import make_plan

# A few dozen objects in cycles are interpreter-level (a class or two made on first use);
# the planner's own structures (jobs, landings, closures over the problem) were 4,000 at the city.
CYCLE_ALLOWANCE = 1000


def test_a_plan_of_the_city_leaves_no_reference_cycles_behind(bundled_inventory, default_policy) -> None:
    make_plan(bundled_inventory, default_policy, effort="quick")  # first use: caches filled
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        make_plan(bundled_inventory, default_policy)
        found = gc.collect()
    finally:
        if enabled:
            gc.enable()
    assert found <= CYCLE_ALLOWANCE, f"{found} objects were left in reference cycles"


@pytest.mark.parametrize("enabled", [True, False])
def test_planning_leaves_the_collector_as_it_found_it(bundled_inventory, default_policy, enabled) -> None:
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        make_plan(bundled_inventory, default_policy, effort="quick")
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()

"""Independent plan verifier: checks a Plan against its Inventory and Policy using only the specs.

``verify_plan(plan, inventory, policy)`` returns one violation per line, each naming its check
(``[waves]``, ``[domain]`` ...), the subject and the rule; an empty list means the plan follows
the policy. It is written apart from the planner: it imports only the data models
(``inventory.models``, ``planner.plan_model``, ``planner.policy.Policy``) and re-derives every
fact a plan asserts from the inventory, the policy's numbers and POLICY_RULES.md /
INVENTORY_FORMAT.md / PLAN_FORMAT.md (see ``verifier.spec``), never from the plan's own
``waves[].capacity`` nor from planner code, so a bug in the planner shows up here.

Decisions the specs leave open, and the rule this verifier applies (change them here, in one
place, if the project decides otherwise):

* Scheduled systems are those with disposition migrate, retire or merge (they get a wave).
  DEP-1 applies between any two scheduled systems: if A depends on B, wave(A) >= wave(B)
  unless A and B share a group; a merged system moves with or after its target.
* Preconditions of dispositions: a classified system is ``intranet`` (SCOPE-2, even when it
  also belongs to a programme); a programme system that is not classified is ``programme``
  (SCOPE-3) and never gets a wave; intranet/programme need the survey's flag; ``keep_local``
  needs category ``lan_only``; a retired system meets at least one ZOMBIE-1..5 criterion
  under the policy's thresholds and cites only criteria it meets; a migrating or merging
  system meets none (a zombie is retired). A merge target that is a system migrates; a
  platform target has the kind of the merged system's category (PLATFORM-1).
* DOMAIN-1 by the carrying network, first match wins: public-facing or internet line ->
  public_service; else private network -> administrative_service; else extranet ->
  public_service; else administrative_service, with an INV-1 finding on a migrating system
  when no carrying network is recorded. A system never merges from the
  administrative-service domain into a public-service target. MLPS-1/2 are checked against
  the domain the system's networks give, with the policy's INV-1 default level when the
  survey has none; a blocked system has a finding for every MLPS rule that blocks it.
* CAP-1: wave 0 is the pilot wave (and only wave 0); its capacity is the policy's pilot
  capacity, every other wave's the base capacity, each with the policy's capacity changes
  applied; the migrating systems of the pilot wave keep within the pilot limits. Wave dates
  follow the policy's calendar. Loads are sums of the systems' planned ``sizing``; a
  migrating system's surveyed figures (``surveyed_sizing``, else ``sizing``) are the survey's.
* CUT-1: every migrating system carries ``method`` and ``estimated_outage_hours``. Plan format
  1 has no marker telling an older plan from a newer one, so a missing estimate is always a
  violation, never tolerated. An estimate above ``downtime_hours`` needs a CUT-1 error finding
  on the system; a CUT-1 error on a system whose estimate fits is a violation too. A system
  without ``downtime_hours`` has no window to miss.
* Links: no link of a surviving system points at a retired or merged system. A declared
  dependency on one is carried over to its successor (``replaced_by`` of a retired system,
  ``into`` of a merged one, followed until a survivor) as a link, or an error finding on one
  of the two systems names the other; the dependant moves no earlier than the successor.
* Rooms: a vacated or merged room empties in exactly the latest wave among the scheduled
  systems placed in it and the relocations out of it (wave 0 when none). Intranet, programme
  and blocked systems pin their room. A merged room names a retained room of another
  department in the same building. A department keeping more rooms than the policy allows,
  or a retained room larger than the policy's area, needs a ROOM-2/ROOM-4 finding; a ROOM-2
  error stands only where the retained rooms of its building break the limit (a room over the
  area without a ROOM-4 exception, or a department over the count).
* Buildings: a building with departments and at least one machine room retains one; every
  department of such a building keeps network access in a retained room of its building —
  one of its own, or one a ``network_access`` relocation names; a LAN-only system whose room
  is not retained has a ``lan_only_system`` relocation into a retained room of that building.
  A building with no machine room in the inventory has nothing to retain and is not checked.
  A retained room above the policy's area, without a ROOM-4 exception and holding nothing that
  cannot move, is a violation when its building has a compliant room (within the area, no
  exception): what must stay could move there (ROOM-3). Room capacity (racks) is not modelled.
  A relocation names its subject's department, moves into a retained room of the subject's
  building, and (for lan_only_system) a keep_local system.
* Networks: ``wave`` is set iff the outcome is ``retired``; a retired network's wave is >= the
  latest wave of every scheduled system it carries (0 when none), no system that stays
  (intranet, programme, keep_local, blocked) is carried by it, and a national_network is
  never retired (LINE-3); an internet line or private network that no staying system needs is
  retired (LINE-1/2), unless a finding on it says why.
* ``metrics.rooms_vacated`` counts rooms that stop costing money (outcome vacated or merged);
  ``metrics.lines_retired`` counts networks with outcome retired; ``metrics.waves`` is the
  highest wave any system uses + 1. Stranded cost: Σ monthly cost × (wave + 1) × the policy's
  wave length in months, over rooms vacated or merged and networks retired.
"""

from __future__ import annotations

from inventory.models import Inventory
from planner.plan_model import Plan
from planner.policy import Policy
from verifier.plan import Verifier
from verifier.spec import KNOWN_RULES, parse_rule_ids, spec_rule_ids, wave_months

__all__ = [
    "KNOWN_RULES",
    "expected_stranded_cost",
    "parse_rule_ids",
    "spec_rule_ids",
    "verify_plan",
    "wave_months",
]


def verify_plan(plan: Plan, inventory: Inventory, policy: Policy) -> list[str]:
    """Every way *plan* breaks the policy or the plan contract for *inventory*; empty when it is valid."""
    return Verifier(plan, inventory, policy).run()


def expected_stranded_cost(plan: Plan, inventory: Inventory, policy: Policy) -> float:
    """The stranded cost the plan's retirement waves imply under the policy's wave length."""
    return Verifier(plan, inventory, policy).stranded_cost()

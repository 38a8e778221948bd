"""What keeps the stacks safe across months of waves: the pinned plan and the deployed systems.

Each stack file records the SHA-256 of the plan file it was generated from (`planDigest`) and, for
a wave, the systems it builds (`systems`); the program refuses to run against another plan or
another set. `stacks generate` keeps every deployed system (progress database) in the wave it
was deployed by, and refuses to change a deployed wave's systems unless told which may change.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from foundation.errors import GovcloudError
from planner.plan_model import Plan

DIGEST_PREFIX = "sha256:"


def file_digest(path: Path) -> str:
    """`sha256:<hex>` of a file's bytes (the plan file a stack was generated from)."""
    return DIGEST_PREFIX + hashlib.sha256(path.read_bytes()).hexdigest()


def text_digest(text: str) -> str:
    return DIGEST_PREFIX + hashlib.sha256(text.encode("utf-8")).hexdigest()


class LifecycleError(GovcloudError, ValueError):
    """A re-plan that would change deployed infrastructure; the message lists what and how to allow it."""


@dataclass(frozen=True)
class Pinning:
    """The plan the stacks are generated from, after keeping deployed systems where they are."""

    plan: Plan
    pinned: dict[str, tuple[int | None, int]]  # system -> (the plan's wave, the wave it stays in)


def pin_deployed(
    plan: Plan,
    previous: Mapping[int, Iterable[str]],
    deployed: Iterable[str],
    allow_change: Iterable[str] = (),
) -> Pinning:
    """Keep each deployed system in the wave whose stack built it; refuse to change a deployed wave.

    *previous* is what the existing wave stack files hold (wave -> systems), *deployed* the systems
    the progress database records as migrated. A deployed wave is one holding a deployed system;
    its set of systems may change only for systems named in *allow_change*."""
    deployed_set, allowed = set(deployed), set(allow_change)
    before = {w: set(ids) for w, ids in previous.items()}
    home = {sid: w for w, ids in before.items() for sid in ids}
    index = {s.id: s for s in plan.systems}
    problems: list[str] = []
    pinned: dict[str, tuple[int | None, int]] = {}
    systems = []
    for s in plan.systems:
        old = home.get(s.id)
        if s.id in deployed_set and old is not None and s.id not in allowed:
            if s.disposition.value != "migrate" or s.domain is None:
                problems.append(f"{s.id}: deployed by wave {old}, but the new plan {s.disposition.value}s it")
            elif s.wave != old:
                pinned[s.id] = (s.wave, old)
                s = s.model_copy(update={"wave": old})
        systems.append(s)
    for sid in sorted(deployed_set & set(home) - set(index) - allowed):
        problems.append(f"{sid}: deployed by wave {home[sid]}, but the new plan does not contain it")
    new_plan = plan.model_copy(update={"systems": systems})
    after: dict[int, set[str]] = {}
    for s in systems:
        if s.disposition.value == "migrate" and s.domain is not None and s.wave is not None:
            after.setdefault(s.wave, set()).add(s.id)
    for wave, ids in sorted(before.items()):
        if not ids & deployed_set:
            continue
        changed = (ids ^ after.get(wave, set())) - allowed
        if changed:
            problems.append(
                f"wave {wave} is deployed; the new plan changes its systems: {', '.join(sorted(changed))}"
            )
    if problems:
        raise LifecycleError(
            "refusing to change deployed infrastructure:\n  "
            + "\n  ".join(problems)
            + "\npass --allow-change SYSTEM for each system that may change"
        )
    return Pinning(new_plan, pinned)

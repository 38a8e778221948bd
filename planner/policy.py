"""The policy file: every number the planner uses that a city may override.

``load_policy(path=None)`` reads a YAML policy (the bundled ``default_policy.yaml`` when
*path* is None, reproducing the documents' numbers) and validates it. A city's file is laid
over the bundled default (mappings merged, lists and scalars replaced), so it sets only what
differs. Bad input raises :class:`PolicyError` whose message lists every problem as
``FILE:LINE: FIELD: message``.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from foundation.errors import GovcloudError
from foundation.inputs import check_regular
from inventory.yaml_source import compose_and_load
from planner.scheduling import DIMENSIONS

DEFAULT_POLICY_PATH = Path(__file__).with_name("default_policy.yaml")


class PolicyModel(BaseModel):
    """Base of policy sections: unknown keys are typos, so they are refused.

    Fields carry no defaults: default_policy.yaml is the one place the default numbers live.
    """

    model_config = ConfigDict(extra="forbid")


class ZombieThresholds(PolicyModel):
    """What "long", "idle", "small" and "low" mean (ZOMBIE-1..5)."""

    disconnected_months: int = Field(ge=1)  # ZOMBIE-1: unused this long before the survey
    idle_utilisation: float = Field(ge=0, le=1)  # ZOMBIE-3: average CPU below this
    small_scopes: list[str]  # ZOMBIE-5: usage scope this small
    low_monthly_users: int = Field(ge=0)  # ZOMBIE-5: and fewer monthly users than this


class RoomLimits(PolicyModel):
    """ROOM-2: rooms a department may keep, and their size."""

    max_per_department: int = Field(ge=0)
    max_area_m2: float = Field(ge=0)


class Deadlines(PolicyModel):
    """Dates a locale sets (Zhoucun and Fuxin defaults)."""

    survey: dt.date
    lists: dt.date
    department_plans: dt.date
    zombie_cleanup: dt.date
    all_migrated: dt.date
    private_networks: dt.date
    pilot: dt.date


class Calendar(PolicyModel):
    """The wave calendar: wave w covers months [w*L, (w+1)*L) from `start`."""

    start: dt.date
    wave_months: int = Field(ge=1, le=12)
    horizon_waves: int = Field(ge=1)  # waves offered to the scheduler at least


class Capacity(PolicyModel):
    """What one wave can absorb, per dimension of planner.scheduling.DIMENSIONS."""

    systems: float = Field(ge=0)
    vcpu: float = Field(ge=0)
    data_gb: float = Field(ge=0)
    team_hours: float = Field(ge=0)

    def as_dict(self) -> dict[str, float]:
        return {d: float(getattr(self, d)) for d in DIMENSIONS}


class CapacityChange(PolicyModel):
    """A change of capacity for a range of waves (scenario: capacity up/down)."""

    from_wave: int = Field(default=1, ge=0)
    to_wave: int | None = Field(default=None, ge=0)  # inclusive; None = to the end
    factor: float | None = Field(default=None, ge=0)  # multiplies every dimension
    set: dict[str, float] = Field(default_factory=dict)  # absolute values per dimension

    @model_validator(mode="after")
    def _known_dimensions(self) -> CapacityChange:
        unknown = sorted(set(self.set) - set(DIMENSIONS))
        if unknown:
            raise ValueError(f"unknown capacity dimension(s) {unknown}; known: {list(DIMENSIONS)}")
        return self

    def applies(self, wave: int) -> bool:
        return wave >= self.from_wave and (self.to_wave is None or wave <= self.to_wave)


class PilotLimits(PolicyModel):
    """PILOT-1: the pilot wave takes few, small, low-MLPS, low-dependency systems."""

    capacity: Capacity
    max_mlps_level: int = Field(ge=1, le=4)
    max_vcpu: float = Field(ge=0)
    max_data_gb: float = Field(ge=0)
    max_dependencies: int = Field(ge=0)


class TeamHours(PolicyModel):
    """Estimate of the team effort to move one system, from its size and data."""

    base: float = Field(ge=0)
    per_vcpu: float = Field(ge=0)
    per_data_gb: float = Field(ge=0)
    high_mlps_extra: float = Field(ge=0)  # MLPS-4 checksum/rollback work at level >= 3
    retire_factor: float = Field(ge=0)  # archive and switch off
    merge_factor: float = Field(ge=0)  # data into the target, no new deployment

    def estimate(self, vcpu: float, data_gb: float, mlps_level: int) -> float:
        extra = self.high_mlps_extra if mlps_level >= 3 else 0.0
        return round(self.base + self.per_vcpu * vcpu + self.per_data_gb * data_gb + extra, 2)


class Prices(PolicyModel):
    """What the net-savings model charges (CNY): the cloud's price list, labour, early termination."""

    vcpu_month: float = Field(ge=0)
    ram_gb_month: float = Field(ge=0)
    storage_gb_month: float = Field(ge=0)
    labour_per_team_hour: float = Field(ge=0)
    early_termination_months: float = Field(ge=0)  # months of fee owed for a line cancelled early


class SurveyDefaults(PolicyModel):
    """INV-1: conservative values for survey fields the survey did not record."""

    mlps_level: int = Field(ge=1, le=4)  # assume protected until proven otherwise
    vcpu: int = Field(ge=0)
    ram_gb: float = Field(ge=0)
    storage_gb: float = Field(ge=0)
    data_gb: float = Field(ge=0)
    # Missing usage is never evidence of a zombie: an unsurveyed system is migrated, not retired.


class SizingBasis(StrEnum):
    """Which sizing the cloud gets: the survey's, or one derived from measured utilisation."""

    AS_SURVEYED = "as_surveyed"
    BY_UTILISATION = "by_utilisation"  # performance-based right-sizing (planner.sizing)


class RightSizing(PolicyModel):
    """Performance-based sizing: vCPU and RAM scaled so the measured load runs at the target."""

    target_utilisation: float = Field(gt=0, le=1)  # average CPU the planned size should run at
    headroom: float = Field(ge=0)  # extra share above the measured load (peaks, growth)
    min_vcpu: int = Field(ge=1)
    min_ram_gb: float = Field(ge=0)


class ColdCutover(PolicyModel):
    """cold: stop, copy all data, start."""

    overhead_hours: float = Field(ge=0)  # stop, verify (MLPS-4), start, smoke test


class WarmCutover(PolicyModel):
    """warm: pre-seed while live, then stop and copy what changed since the pre-seed started."""

    overhead_hours: float = Field(ge=0)  # final pass set-up, verification, switch-over
    seed_lead_hours: float = Field(ge=0)  # from the end of the pre-seed to the cut-over


class DatabaseCutover(PolicyModel):
    """database: a replica (or dump) seeded while live, caught up, then promoted."""

    overhead_hours: float = Field(ge=0)  # stop writes, catch up, promote, repoint the application


class Cutover(PolicyModel):
    """CUT-1: what each migration method's cut-over outage is (planner.cutover)."""

    bandwidth_mbps: float = Field(gt=0)  # effective copy throughput of one system's migration
    change_rate_per_day: float = Field(ge=0, le=1)  # share of a live system's data changed per day
    default_downtime_hours: float = Field(ge=0)  # window assumed when the survey records none
    cold: ColdCutover
    warm: WarmCutover
    database: DatabaseCutover


class Exceptions(PolicyModel):
    """Recorded exceptions a city grants."""

    rooms: dict[str, str]  # room id -> ROOM-4 reason
    keep_separate: list[str]  # systems exempt from SHADOW-1/BIGSYS-1/PLATFORM-1


class Policy(PolicyModel):
    """A city's policy: thresholds, limits, targets, deadlines, calendar, capacity, exceptions."""

    name: str
    survey_date: dt.date
    zombie: ZombieThresholds
    rooms: RoomLimits
    cloud_rate_target: float = Field(ge=0, le=1)
    deadlines: Deadlines
    calendar: Calendar
    capacity: Capacity
    capacity_changes: list[CapacityChange] = Field(default_factory=list)
    pilot: PilotLimits
    team_hours: TeamHours
    prices: Prices
    defaults: SurveyDefaults
    exceptions: Exceptions
    sizing: SizingBasis
    right_sizing: RightSizing
    cutover: Cutover
    digest: str = ""  # sha256 of the source texts (default, then the city's file), filled by load_policy

    def wave_capacity(self, wave: int) -> dict[str, float]:
        """Capacity of wave *wave*: the pilot's for wave 0, else the base with changes applied."""
        cap = self.pilot.capacity.as_dict() if wave == 0 else self.capacity.as_dict()
        for change in self.capacity_changes:
            if change.applies(wave):
                if change.factor is not None:
                    cap = {d: v * change.factor for d, v in cap.items()}
                cap.update({d: float(v) for d, v in change.set.items()})
        return cap

    def wave_start(self, wave: int) -> dt.date:
        return add_months(self.calendar.start, wave * self.calendar.wave_months)

    def wave_end(self, wave: int) -> dt.date:
        return self.wave_start(wave + 1) - dt.timedelta(days=1)

    def last_wave_by(self, deadline: dt.date) -> int | None:
        """The last wave that ends on or before *deadline*; None when even wave 0 ends after it."""
        months = (deadline.year - self.calendar.start.year) * 12 + deadline.month - self.calendar.start.month
        w = (months + 1) // self.calendar.wave_months
        while w >= 0 and self.wave_end(w) > deadline:
            w -= 1
        while self.wave_end(w + 1) <= deadline:
            w += 1
        return w if w >= 0 else None


def add_months(day: dt.date, months: int) -> dt.date:
    """*day* moved by whole months (day of month clamped to 28 is not needed: waves start on day 1)."""
    total = day.year * 12 + day.month - 1 + months
    year, month = divmod(total, 12)
    # Clamp the day so 31 January + 1 month is the last day of February.
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month + 1, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


class PolicyError(GovcloudError):
    """A policy file that cannot be used; the message names file, line and field of every problem."""


def line_index(node: yaml.Node, path: tuple[Any, ...] = ()) -> dict[tuple[Any, ...], int]:
    """Map each key path of a composed YAML document to its 1-based line number."""
    lines: dict[tuple[Any, ...], int] = {path: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            sub = (*path, key.value)
            lines.update(line_index(value, sub))
            lines[sub] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines.update(line_index(item, (*path, i)))
    return lines


def locate(lines: dict[tuple[Any, ...], int], loc: tuple[Any, ...]) -> int | None:
    for n in range(len(loc), -1, -1):
        if loc[:n] in lines:
            return lines[loc[:n]]
    return None


def _mapping(text: str, source: str) -> tuple[dict[str, Any], dict[tuple[Any, ...], int]]:
    """The YAML mapping in *text* and the line of each key path; an empty document is {}."""
    try:
        node, raw = compose_and_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else "-"
        raise PolicyError([f"{source}:{line}: -: not valid YAML: {getattr(exc, 'problem', exc)}"]) from None
    if raw is None:  # only comments: nothing differs from the default
        return {}, {}
    if not isinstance(raw, dict):
        raise PolicyError([f"{source}:1: -: a policy file is a YAML mapping of sections"])
    return raw, line_index(node) if node is not None else {}


def merge_over(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """*override* laid over *base*: mappings merged key by key, recursively; lists and scalars replaced."""
    out = dict(base)
    for key, value in override.items():
        below = out.get(key)
        out[key] = merge_over(below, value) if isinstance(below, dict) and isinstance(value, dict) else value
    return out


@functools.cache
def _default_text() -> str:
    return DEFAULT_POLICY_PATH.read_text(encoding="utf-8")


def parse_policy(text: str, source: str = "<policy>", *, over_default: bool = True) -> Policy:
    """Validate policy YAML *text*, laid over the bundled default; *source* names it in messages.

    A city's file sets only what differs from the bundled default (``merge_over``). Unknown keys,
    wrong types and impossible values are reported at the file's own lines, all in one
    PolicyError. A file that does not set ``name`` is named after the file.
    """
    raw, lines = _mapping(text, source)
    raw.pop("digest", None)
    sources = text
    if over_default:
        if "name" not in raw and not source.startswith("<"):  # a file, not "<policy>" text
            raw["name"] = Path(source).stem
        base, _ = _mapping(_default_text(), str(DEFAULT_POLICY_PATH))
        raw = merge_over(base, raw)
        # The effective policy depends on both texts: so does its digest.
        sources = _default_text() + "\n" + text
    try:
        policy = Policy.model_validate(raw)
    except ValidationError as exc:
        messages = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            field = ".".join(str(x) for x in loc) or "-"
            line = locate(lines, loc)
            messages.append(f"{source}:{line if line is not None else '-'}: {field}: {err['msg']}")
        raise PolicyError(messages) from None
    policy.digest = "sha256:" + hashlib.sha256(sources.encode("utf-8")).hexdigest()
    return policy


def load_policy(path: str | Path | None = None) -> Policy:
    """Load and validate a policy file over the bundled default; the bundled default when *path* is None."""
    p = Path(path) if path is not None else DEFAULT_POLICY_PATH
    try:
        check_regular(p)  # a FIFO would block read_text, /dev/zero fill the memory
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PolicyError([f"{p}:-: -: no such policy file"]) from None
    except IsADirectoryError:
        raise PolicyError([f"{p}:-: -: is a directory, not a policy file"]) from None
    except UnicodeDecodeError as exc:
        line = exc.object[: exc.start].count(b"\n") + 1
        raise PolicyError([f"{p}:{line}: -: not UTF-8 (byte {exc.start}); save the file as UTF-8"]) from None
    except OSError as exc:
        raise PolicyError([f"{p}:-: -: cannot read policy file: {exc.strerror or exc}"]) from None
    return parse_policy(text, str(p), over_default=path is not None)

"""Runbook model: ordered, idempotent steps (a check 'already done?' plus an action) per system.

A runbook is rendered as YAML from ``templates/runbook.yaml.j2`` and parsed back into these
models, so what an engineer reads with ``govcloud playbook render`` is exactly what runs.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from inventory.models import Host


class StepName(StrEnum):
    """The steps of a migration runbook, in execution order (rollback only runs on failure)."""

    PRE_CHECK = "pre-check"
    FREEZE = "freeze"
    COPY = "copy"
    VERIFY = "verify"
    CUT_OVER = "cut-over"
    POST_CHECK = "post-check"
    ROLLBACK = "rollback"


STEP_ORDER: tuple[StepName, ...] = tuple(StepName)
# Steps after which a failure must put the source back into service (MLPS-4 recoverability).
FROZEN_STEPS = frozenset({StepName.COPY, StepName.VERIFY, StepName.CUT_OVER, StepName.POST_CHECK})


class Role(StrEnum):
    """Which side of the move a command runs on."""

    SOURCE = "source"
    TARGET = "target"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class HostCommand(Strict):
    """A shell command on the source or the target host."""

    host: Role
    run: str
    sudo: bool = False


class Builtin(StrEnum):
    """Actions implemented in Python rather than as shell commands."""

    COPY = "copy"
    VERIFY = "verify"


class Step(Strict):
    """One idempotent step: skipped (unchanged) when every check passes, else its action runs."""

    name: StepName
    description: str = ""
    read_only: bool = False  # runs in --dry-run too; reports 'unchanged' when it passes
    check: list[HostCommand] = Field(default_factory=list)
    action: list[HostCommand] = Field(default_factory=list)
    builtin: Builtin | None = None


class SSHHost(Strict):
    """Where a side of the move is reached over SSH."""

    address: str
    port: int = 22
    user: str = "migrate"
    known_hosts: str | None = None


class DataDir(Strict):
    """A source data directory and where its verified copy lands on the target."""

    source: str
    target: str


class Runbook(Strict):
    """A system's migration runbook."""

    system: str
    name: str | None = None
    wave: int | None = None
    mlps_level: int | None = None
    source: SSHHost
    target: SSHHost
    data_root: str
    data: list[DataDir] = Field(default_factory=list)
    env_names: list[str] = Field(default_factory=list)  # values live in RenderedRunbook.env, never in text
    steps: list[Step]
    rollback: Step

    def step(self, name: StepName) -> Step:
        for s in [*self.steps, self.rollback]:
            if s.name is name:
                return s
        raise KeyError(name)


# ---------------------------------------------------------------- the targets file


class ServiceCommands(Strict):
    """How a system's service is stopped, started and probed; None = the template's default."""

    unit: str | None = None  # systemd unit of the defaults; defaults to the system id
    is_frozen: str | None = None  # source: exit 0 when the service is stopped
    stop: str | None = None  # source: freeze
    start: str | None = None  # source: unfreeze (rollback)
    target_is_serving: str | None = None  # target: exit 0 when cut over
    target_start: str | None = None  # target: cut over
    target_stop: str | None = None  # target: undo cut-over (rollback)
    target_health: str | None = None  # target: post-check
    target_cleanup: str | None = None  # target: remove copied data (rollback)


class SystemTarget(Strict):
    """Where one system moves to and how its service is switched (an entry of the targets file)."""

    target: Host
    source: str | None = None  # address of the inventory host to migrate; default: the one with data_dirs
    data_root: str | None = None  # default /srv/govcloud/<system-id>
    current_link: str | None = None  # symlink switched at cut-over; default <data_root>.current
    sudo: bool = False
    service: ServiceCommands = Field(default_factory=ServiceCommands)
    env: dict[str, str] = Field(
        default_factory=dict
    )  # exported to every command; secret-looking values redacted
    secrets: list[str] = Field(default_factory=list)  # further values never to be journalled or logged


class TargetsFile(Strict):
    """`--targets FILE`: system id -> target host and service commands."""

    systems: dict[str, SystemTarget] = Field(default_factory=dict)

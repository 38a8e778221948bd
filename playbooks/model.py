"""Runbook model: ordered, idempotent steps (a check 'already done?' plus an action) per system.

A runbook is rendered as YAML from ``templates/runbook.yaml.j2`` and parsed back into these
models, so what an engineer reads with ``govcloud playbook render`` is exactly what runs.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

from inventory.models import Host


class StepName(StrEnum):
    """The steps of a migration runbook, in execution order (rollback only on failure or request)."""

    PRE_CHECK = "pre-check"
    PRE_SEED = "pre-seed"  # warm and database methods: copy while the source is live
    FREEZE = "freeze"
    SYNC = "sync"  # the final pass (the only one when cold)
    VERIFY = "verify"
    CUT_OVER = "cut-over"
    POST_CHECK = "post-check"
    ROLLBACK = "rollback"


STEP_ORDER: tuple[StepName, ...] = tuple(StepName)
# Steps after which a failure must put the source back into service (MLPS-4 recoverability).
FROZEN_STEPS = frozenset({StepName.SYNC, StepName.VERIFY, StepName.CUT_OVER, StepName.POST_CHECK})


class Role(StrEnum):
    """Which side of the move a command runs on."""

    SOURCE = "source"
    TARGET = "target"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class HostCommand(Strict):
    """A shell command on the source or the target host of one host pair (by its role)."""

    host: Role
    run: str
    sudo: bool = False
    pair: str = "app"


class Builtin(StrEnum):
    """Actions implemented in Python rather than as shell commands."""

    PRE_SEED = "pre-seed"
    QUIESCE = "quiesce"
    SYNC = "sync"
    VERIFY = "verify"


class Step(Strict):
    """One idempotent step: skipped (unchanged) when every check passes, else its action runs."""

    name: StepName
    description: str = ""
    read_only: bool = False  # runs in --dry-run too; reports 'unchanged' when it passes
    check: list[HostCommand] = Field(default_factory=list)
    action: list[HostCommand] = Field(default_factory=list)
    builtin: Builtin | None = None
    after: list[HostCommand] = Field(default_factory=list)  # run after the builtin (smoke tests)

    @field_validator("check", "action", "after", mode="before")
    @classmethod
    def _empty(cls, v: object) -> object:
        return [] if v is None else v  # a YAML key with no items under it


class SSHHost(Strict):
    """Where a side of the move is reached over SSH (host keys come from the operator only)."""

    address: str
    port: int = 22
    user: str = "migrate"
    host_key_fingerprints: list[str] = Field(default_factory=list)  # from the stack outputs


class DataDir(Strict):
    """A source data directory and where its verified copy lands on the target."""

    source: str
    target: str


class DatabaseEngine(StrEnum):
    """Database engines with steps; only postgresql and mariadb/mysql are tested for real."""

    POSTGRESQL = "postgresql"
    MARIADB = "mariadb"
    MYSQL = "mysql"
    DM = "dm"  # 达梦: templated, untested
    KINGBASE = "kingbase"  # 人大金仓 KingbaseES: templated, untested
    ORACLE = "oracle"  # templated, untested


class DatabaseSpec(Strict):
    """A database on a source host and the server that replaces it on the target."""

    engine: DatabaseEngine
    source_port: int = Field(ge=1, le=65535)
    target_port: int = Field(ge=1, le=65535)
    target_data_dir: str  # the replica's data directory on the target (empty or absent before seeding)
    target_listen: str = "localhost"  # listen_addresses of the replica
    source_address: str | None = None  # the source server as the target reaches it
    os_user: str = "postgres"  # the account that runs the server on the target
    bin_dir: str = ""  # where the server tools are on the target ("" = PATH)
    replication_user: str = "replicator"
    password_env: str | None = None  # env entry holding the replication/verification password
    admin_user: str = "postgres"  # connects for catch-up and per-table checks
    databases: list[str] = Field(default_factory=list)  # verified per table after start


class HostPair(Strict):
    """One source host (app, db, ...) and the target instance its data set moves to."""

    role: str
    source: SSHHost
    target: SSHHost
    data_root: str
    data: list[DataDir] = Field(default_factory=list)
    sudo: bool = False  # rsync, find and sha256sum each under `sudo -n` on the source (protected data)
    target_sudo: bool = False  # the receiving rsync under `sudo -n` (owners need root there)
    service_sudo: bool = False  # the source's service commands under `sudo -n sh -c`
    authorized_keys: str = ".ssh/authorized_keys"  # on the target, for the per-run key
    rsync_address: str | None = None  # the target as the source reaches it (default: its address)
    database: DatabaseSpec | None = None
    source_stop: str | None = None  # database pairs: stops the source server after catch-up
    source_start: str | None = None  # database pairs: restarts it on rollback

    @field_validator("data", mode="before")
    @classmethod
    def _empty(cls, v: object) -> object:
        return [] if v is None else v  # a YAML key with no items under it


class Runbook(Strict):
    """A system's migration runbook."""

    system: str
    name: str | None = None
    wave: int | None = None
    mlps_level: int | None = None
    method: str = "cold"
    downtime_hours: float | None = None
    bandwidth_kbps: int | None = None  # rsync --bwlimit, KiB/s: the policy's CUT-1 bandwidth
    pairs: list[HostPair]
    env_names: list[str] = Field(default_factory=list)  # values live in RenderedRunbook.env, never in text
    steps: list[Step]
    rollback: Step

    def step(self, name: StepName) -> Step:
        for s in [*self.steps, self.rollback]:
            if s.name is name:
                return s
        raise KeyError(name)

    def pair(self, role: str) -> HostPair:
        for p in self.pairs:
            if p.role == role:
                return p
        raise KeyError(role)

    @property
    def cutover_order(self) -> list[HostPair]:
        """Database pairs first, then the rest (the application follows its database)."""
        return sorted(self.pairs, key=lambda p: (p.database is None, p.role))


# ---------------------------------------------------------------- the targets file


class ServiceCommands(Strict):
    """How a host's service is stopped, started and probed; None = the template's default.

    Commands may name ``{{ data_root }}``, ``{{ current_link }}`` and ``{{ system }}``: they are
    replaced literally (the targets file is data, never a template).
    """

    unit: str | None = None  # systemd unit of the defaults; defaults to the system id
    exists: str | None = None  # source: exit 0 when the service to freeze exists
    is_frozen: str | None = None  # source: exit 0 when the service is stopped
    stop: str | None = None  # source: freeze
    start: str | None = None  # source: unfreeze (rollback)
    target_is_serving: str | None = None  # target: exit 0 when cut over
    target_start: str | None = None  # target: cut over
    target_stop: str | None = None  # target: undo cut-over (rollback)
    target_health: str | None = None  # target: post-check
    switch_endpoint: str | None = None  # target: point users at the target (DNS / config hook)
    switch_back: str | None = None  # target: point users back at the source (rollback)
    smoke_test: str | None = None  # target: an HTTP probe or a database query after cut-over


class PairTarget(Strict):
    """Where one source host (by address or role) of a system moves."""

    target: Host
    source: str | None = None  # address of the inventory host; default: the host with this role
    role: str | None = None
    data_root: str | None = None
    current_link: str | None = None
    sudo: bool = False
    target_sudo: bool = False
    service_sudo: bool | None = None  # default: as sudo
    authorized_keys: str | None = None
    rsync_address: str | None = None
    service: ServiceCommands = Field(default_factory=ServiceCommands)
    database: DatabaseSpec | None = None


class SystemTarget(Strict):
    """Where one system moves to and how its service is switched (an entry of the targets file)."""

    target: Host
    source: str | None = None  # address of the inventory host to migrate; default: the one with data_dirs
    data_root: str | None = None  # default /srv/govcloud/<system-id>
    current_link: str | None = None  # symlink switched at cut-over; default <data_root>.current
    sudo: bool = False  # source side: rsync, find, sha256sum each under `sudo -n`
    target_sudo: bool = False
    service_sudo: bool | None = None  # the source's service commands under `sudo -n`; default: as sudo
    authorized_keys: str | None = None  # target file that takes the per-run key (default ~/.ssh/...)
    rsync_address: str | None = None
    service: ServiceCommands = Field(default_factory=ServiceCommands)
    database: DatabaseSpec | None = None
    hosts: list[PairTarget] = Field(default_factory=list)  # further host pairs (multi-host systems)
    env: dict[str, str] = Field(default_factory=dict)  # given to commands on stdin; every value redacted
    secrets: list[str] = Field(default_factory=list)  # further values never to be journalled or logged


class TargetsFile(Strict):
    """`--targets FILE`: system id -> target host and service commands."""

    systems: dict[str, SystemTarget] = Field(default_factory=dict)

"""The plan: the planner's output and the input of stacks, playbooks, report and finance.

PLAN_FORMAT.md v1 is the contract: fields may be added here, none renamed or removed.
Everything downstream reads plans through :func:`load_plan`, never by hand-parsing JSON.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import IO, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from foundation.atomic import atomic_open, write_pieces
from foundation.beside import Bytes, beside
from foundation.collector import collector_paused
from foundation.construct import builder
from foundation.errors import GovcloudError
from foundation.inputs import InputFileError, read_input
from foundation.messages import Catalogue, Message, verbatim
from foundation.messages.catalogue import Param
from foundation.paths import id_problem
from foundation.text import CONTROL_CLASS_BUT_BREAKS, CONTROL_RE, for_terminal
from inventory.models import DomainName, Inventory

PLAN_FORMAT_VERSION = 1


class Disposition(StrEnum):
    """What happens to a system (CLASS-1)."""

    MIGRATE = "migrate"
    RETIRE = "retire"
    MERGE = "merge"
    INTRANET = "intranet"
    PROGRAMME = "programme"
    KEEP_LOCAL = "keep_local"
    BLOCKED = "blocked"


# Dispositions whose systems are scheduled into a wave (they move, merge or retire).
SCHEDULED_DISPOSITIONS = frozenset({Disposition.MIGRATE, Disposition.RETIRE, Disposition.MERGE})


class RoomOutcome(StrEnum):
    """What becomes of a machine room (ROOM-1..4)."""

    VACATED = "vacated"
    RETAINED = "retained"
    MERGED = "merged"


class NetworkOutcome(StrEnum):
    """What becomes of a network or leased line (LINE-1..4)."""

    RETIRED = "retired"
    KEPT = "kept"
    PROGRAMME = "programme"


class FindingSeverity(StrEnum):
    """`error` when a target is missed."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class LinkBoundary(StrEnum):
    """Where a dependency flow crosses (MLPS-3)."""

    SAME_DOMAIN = "same_domain"
    CROSS_DOMAIN = "cross_domain"  # public-service <-> administrative-service, via the boundary router
    OFF_CLOUD = "off_cloud"  # the other side does not move (intranet, programme, blocked, keep_local)


class MigrationMethod(StrEnum):
    """How a system's data is moved at cut-over (CUT-1); the playbooks execute the plan's choice."""

    COLD = "cold"  # stop, copy everything, start
    WARM = "warm"  # pre-seed while live, then stop and copy the final delta
    DATABASE = "database"  # database replica or dump with catch-up


class RelocationKind(StrEnum):
    """What is physically moved between rooms of one building (ROOM-1, ROOM-3)."""

    LAN_ONLY_SYSTEM = "lan_only_system"  # subject: the system's ID
    NETWORK_ACCESS = "network_access"  # subject: the department whose access equipment moves


class PlanModel(BaseModel):
    model_config = ConfigDict(extra="allow", allow_inf_nan=False)  # JSON has no inf; a plan neither


class Reasoned(PlanModel):
    """A record with reasons: ``reasons`` (English text, PLAN_FORMAT.md) and the same reasons as
    catalogue messages (``reason_messages``), which outputs render in the reader's language."""

    reasons: list[str] = Field(default_factory=list)
    reason_messages: list[Message] = Field(default_factory=list)

    def reasons_in(self, cat: Catalogue) -> list[str]:
        """The reasons in *cat*'s language (a plan without messages: its English text as written)."""
        if self.reason_messages and all(cat.renders(m) for m in self.reason_messages):
            return [cat.render(m) for m in self.reason_messages]
        return list(self.reasons)


def reason_fields(messages: list[Message]) -> dict[str, Any]:
    """``reasons`` and ``reason_messages`` of a record, from its messages (each reason once)."""
    texts, kept = reasons_of(messages)
    return {"reasons": texts, "reason_messages": kept}


# From this many systems on, serialising the inventory (its digest) or what follows from the
# decisions alone (planner.ahead) takes a second or more: worth a forked child on a second core.
# Below, the fork costs more.
BESIDE_MIN_SYSTEMS = 20_000


def reasons_of(messages: list[Message], texts: list[str] | None = None) -> tuple[list[str], list[Message]]:
    """The English texts of *messages* and the messages, each reason once (the first that says it).

    *texts*: the messages' texts when already rendered (:mod:`planner.ahead`).
    """
    if texts is None or len(texts) != len(messages):
        texts = [str(m) for m in messages]
    if len(messages) == 1:  # most records
        return texts, [messages[0]]
    seen: dict[str, Message] = {}
    for text, m in zip(texts, messages, strict=True):
        seen.setdefault(text, m)
    return list(seen), list(seen.values())


class Sizing(PlanModel):
    """Resources a system needs in the cloud, with the policy's defaults applied."""

    vcpu: int = 0
    ram_gb: float = 0
    storage_gb: float = 0
    servers: int = 1
    data_gb: float = 0
    team_hours: float = 0


class Link(PlanModel):
    """A dependency flow of a system: opened in its security group (MLPS-3)."""

    system: str
    kind: str
    protocol: str
    port: int
    boundary: LinkBoundary
    rule: str | None = None  # DEP-1 for a declared dependency; the clean-up rule when carried over
    via: str | None = None  # the retired or merged system this dependency was carried over from


class PlanSystem(Reasoned):
    """One system's decision, with the rules and the plain-words reasons behind it."""

    id: str
    name: str | None = None
    department: str
    disposition: Disposition
    domain: DomainName | None = None
    wave: int | None = None
    group: str | None = None
    into: str | None = None
    rules: list[str] = Field(default_factory=list)
    mlps_level: int | None = None
    public_facing: bool = False
    room: str | None = None
    networks: list[str] = Field(default_factory=list)
    sizing: Sizing = Field(default_factory=Sizing)  # planned sizing: waves, domains and stacks use it
    surveyed_sizing: Sizing | None = None  # as surveyed, when the policy's sizing differs from it
    links: list[Link] = Field(default_factory=list)
    method: MigrationMethod | None = None  # CUT-1, for migrating systems
    estimated_outage_hours: float | None = None  # CUT-1 estimate of the chosen method


class Load(PlanModel):
    """Sum of a wave's systems in each capacity dimension."""

    systems: float = 0
    vcpu: float = 0
    data_gb: float = 0
    team_hours: float = 0


class Wave(PlanModel):
    """A migration wave: a calendar slot with a capacity in several dimensions."""

    number: int
    start: dt.date
    end: dt.date
    pilot: bool = False
    systems: list[str] = Field(default_factory=list)
    load: Load = Field(default_factory=Load)
    capacity: Load = Field(default_factory=Load)


class PlanRoom(Reasoned):
    """One machine room's outcome."""

    id: str
    department: str
    outcome: RoomOutcome
    wave: int | None = None
    shared_with: list[str] = Field(default_factory=list)
    rules: list[str] = Field(default_factory=list)
    building: str | None = None
    area_m2: float = 0
    monthly_cost: float = 0


class PlanNetwork(Reasoned):
    """One network's or leased line's outcome."""

    id: str
    outcome: NetworkOutcome
    wave: int | None = None
    monthly_fee: float = 0
    rules: list[str] = Field(default_factory=list)
    kind: str | None = None
    department: str | None = None
    contract_end: dt.date | None = None


class Relocation(PlanModel):
    """Something that stays on premises but moves into another retained room of its building."""

    kind: RelocationKind
    subject: str
    department: str
    from_room: str | None = None
    to_room: str
    wave: int | None = None
    rules: list[str] = Field(default_factory=list)


class Finding(PlanModel):
    """A target missed or a problem worth a planner's attention, citing its rule."""

    rule: str
    severity: FindingSeverity
    subject: str
    message: str  # English text (PLAN_FORMAT.md); outputs render key and params instead
    key: str | None = None  # the catalogue key of the message
    params: dict[str, Param] = Field(default_factory=dict)

    @classmethod
    def of(cls, rule: str, severity: FindingSeverity, subject: str, message: Message) -> Finding:
        """A finding saying *message* (kept as its key and parameters, and as English text)."""
        if cls is not Finding:
            return cls(
                rule=rule, severity=severity, subject=subject, message=str(message),
                key=message.key, params=dict(message.params),
            )
        # A message's parameters are valid by construction: not validated again (tens of
        # thousands of findings at province scale).
        return _finding({
            "rule": rule, "severity": FindingSeverity(severity), "subject": subject, "message": str(message),
            "key": message.key, "params": dict(message.params),
        })

    @property
    def text(self) -> Message:
        """What the finding says, as a message (a plan without keys: its text as written)."""
        if self.key is None:
            return verbatim(self.message)
        return Message.model_construct(key=self.key, params=self.params)

    def message_in(self, cat: Catalogue) -> str:
        """The message in *cat*'s language (its English text when the key is not in the catalogue)."""
        text = self.text
        return cat.render(text) if cat.renders(text) else self.message


_finding = builder(Finding)


class Group(PlanModel):
    """Systems that must move in one wave (dependency cycle, declared affinity)."""

    id: str
    systems: list[str]
    reason: str  # English text; reason_message renders per language
    reason_message: Message | None = None

    def reason_in(self, cat: Catalogue) -> str:
        m = self.reason_message
        return cat.render(m) if m is not None and cat.renders(m) else self.reason


class SavingsYear(PlanModel):
    """One budget year of the net-savings model (planner.savings): CNY saved and spent."""

    year: int
    rooms: float = 0  # room running costs ended (ROOM-1..3)
    lines: float = 0  # leased-line fees ended (LINE-1..4)
    om: float = 0  # O&M funding of retired or merged systems ended
    gross: float = 0  # rooms + lines + om
    cloud: float = 0  # new cloud charges of migrated systems
    labour: float = 0  # migration team-hours at the policy's rate
    early_termination: float = 0  # lines cancelled before their contract ends
    net: float = 0  # gross - cloud - labour - early_termination


class Metrics(PlanModel):
    """Headline numbers of the plan."""

    cloud_rate: float = 0
    rooms_vacated: int = 0
    lines_retired: int = 0
    monthly_savings: float = 0
    stranded_cost: float = 0
    stranded_cost_lower_bound: float = 0
    waves: int = 0
    waves_lower_bound: int = 0
    lines_cancellable: int = 0  # paid internet lines and private networks the city can cancel
    targets: dict[str, bool] = Field(default_factory=dict)  # target -> met (no error of its rules left)
    by_utilisation_savings: dict[str, float] = Field(default_factory=dict)  # vcpu, ram_gb right-sizing saves
    savings_by_year: list[SavingsYear] = Field(default_factory=list)
    gross_savings_total: float = 0
    net_savings_total: float = 0
    payback_month: dt.date | None = None  # first month from which the cumulative net stays >= 0


class InventoryRef(PlanModel):
    city: str
    systems: int
    digest: str


class PolicyRef(PlanModel):
    name: str
    digest: str


class Plan(PlanModel):
    """The whole plan (plan.json)."""

    format: int = PLAN_FORMAT_VERSION
    inventory: InventoryRef
    policy: PolicyRef
    systems: list[PlanSystem] = Field(default_factory=list)
    waves: list[Wave] = Field(default_factory=list)
    rooms: list[PlanRoom] = Field(default_factory=list)
    networks: list[PlanNetwork] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    groups: list[Group] = Field(default_factory=list)
    relocations: list[Relocation] = Field(default_factory=list)
    metrics: Metrics = Field(default_factory=Metrics)

    def system(self, system_id: str) -> PlanSystem:
        for s in self.systems:
            if s.id == system_id:
                return s
        raise KeyError(system_id)

    def wave_systems(self, number: int) -> list[PlanSystem]:
        return [s for s in self.systems if s.wave == number]


class PlanError(GovcloudError):
    """A plan file that cannot be read: the message names the file and the field."""


def load_plan(path: str | Path) -> Plan:
    """Read and validate a plan.json; raise PlanError with a clear message on bad input."""
    p = Path(path)
    if not p.exists():
        raise PlanError(f"{p}: no such plan file (run `govcloud plan` first)")
    if p.is_dir():
        raise PlanError(f"{p}: is a directory; give the plan.json file inside it")
    try:
        data = read_input(p)  # a regular file of bounded size: a FIFO or /dev/zero is refused
    except InputFileError as exc:
        raise PlanError(str(exc)) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PlanError(f"{p}: not a JSON plan: not UTF-8 (byte {exc.start})") from None
    # Hundreds of thousands of records at province scale: the cyclic collector would rescan them
    # again and again as they are made (most of the reading time, BENCHMARKS.md), and free nothing.
    with collector_paused():
        plan = _validated_straight(text)
        if plan is None:
            plan = _validated_carefully(p, text)
        problems = strict_problems(plan, text)
    if problems:
        raise PlanError(for_terminal("\n".join(f"{p}: {line}" for line in problems)))
    return plan


# Number constants JSON does not have, which pydantic's parser reads as floats (json's refuses).
_CONSTANTS = ("NaN", "Infinity")


def _validated_straight(text: str) -> Plan | None:
    """The plan in *text* validated straight from it, or None to read it carefully.

    A well-formed plan needs no Python objects of its JSON (seconds at province scale): None
    when anything is wrong with it, or when it may hold a constant only pydantic's parser reads.
    """
    if any(c in text for c in _CONSTANTS):
        return None
    try:
        # Strict: a boolean is not a wave number, a number not a name (JSON dates stay ISO text).
        plan = Plan.model_validate_json(text, strict=True)
    except ValidationError:
        return None
    return plan if plan.format == PLAN_FORMAT_VERSION else None


def _validated_carefully(p: Path, text: str) -> Plan:
    """The plan in *text*, or PlanError saying what is wrong with it, in the order it is checked."""
    try:
        raw = json.loads(text, parse_constant=_no_constant)
    except RecursionError:
        raise PlanError(f"{p}: not a plan: nested too deeply") from None
    except ValueError as exc:
        if not isinstance(exc, json.JSONDecodeError):
            raise PlanError(f"{p}: not a plan: {exc}") from None
        raise PlanError(f"{p}: not a JSON plan: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    if not isinstance(raw, dict):
        raise PlanError(f"{p}: not a plan: expected a JSON object with format, inventory, systems, ...")
    # The version first: a plan of another format fails on its fields for the wrong reason.
    version = raw.get("format", PLAN_FORMAT_VERSION)
    if version != PLAN_FORMAT_VERSION:
        raise PlanError(
            f"{p}: format: plan format {version!r} is not supported (expected {PLAN_FORMAT_VERSION})"
        )
    try:
        return Plan.model_validate_json(text, strict=True)
    except ValidationError as exc:
        lines = [f"{p}: {_where(raw, e['loc'])}: {e['msg']}" for e in exc.errors()]
        raise PlanError(for_terminal("\n".join(lines))) from None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number a plan may hold")


# A digest as the planner writes it (sha256:<64 hex digits>); the form, not the length, is
# checked, so hand-made test plans with short digests still load.
_DIGEST = re.compile(r"^sha256:[0-9A-Za-z]{1,128}$")
MAX_WAVE = 10_000  # waves are months or weeks: far more than any programme


# In a plan file's JSON text: a control character as itself, or an escape that may stand for one
# (line breaks and tabs are fine in a reason, and JSON writes them as \n and \t; as themselves
# they can only be the JSON's own white space). Searched apart: a class alone is scanned fast.
_CONTROL_AS_ITSELF = re.compile(f"[{CONTROL_CLASS_BUT_BREAKS}]")
_MAY_BE_CONTROL_ESCAPES = ("\\u", "\\b", "\\f", "\\r")


def _may_hold_control(text: str) -> bool:
    return any(e in text for e in _MAY_BE_CONTROL_ESCAPES) or _CONTROL_AS_ITSELF.search(text) is not None


def strict_problems(plan: Plan, text: str | None = None) -> list[str]:
    """What a plan file may not hold although its JSON fits the model (a tampered plan).

    Every ID must be one the inventory could have given (it becomes a file or directory name
    downstream: department plans, runbooks, stacks), digests must be SHA-256 digests, numbers
    finite, wave numbers in range, and system IDs unique. Given the file's *text*, its strings
    are searched for control characters only when the text may hold one.
    """
    out: list[str] = []
    known: dict[str, str | None] = {}  # ID -> its problem: a department or room ID recurs per system

    def ident(where: str, value: str | None) -> None:
        if value is not None:
            problem = known[value] if value in known else known.setdefault(value, id_problem(value))
            if problem is not None:
                out.append(f"{where}: {problem}")

    for where, digest in (("inventory.digest", plan.inventory.digest), ("policy.digest", plan.policy.digest)):
        if not _DIGEST.match(digest):
            out.append(f"{where}: {digest[:80]!r} is not a digest (sha256:<hex digits>)")
    ident("inventory.city", plan.inventory.city)
    seen: set[str] = set()
    for i, s in enumerate(plan.systems):
        at = f"systems[{i}]"
        ident(f"{at}.id", s.id)
        if s.id in seen:
            out.append(f"{at}.id: system {s.id!r} appears twice")
        seen.add(s.id)
        refs = (("department", s.department), ("into", s.into), ("room", s.room), ("group", s.group))
        for name, value in refs:
            ident(f"{at}.{name}", value)
        for j, n in enumerate(s.networks):
            ident(f"{at}.networks[{j}]", n)
        for j, link in enumerate(s.links):
            ident(f"{at}.links[{j}].system", link.system)
            ident(f"{at}.links[{j}].via", link.via)
        if s.wave is not None and not 0 <= s.wave <= MAX_WAVE:
            out.append(f"{at}.wave: {s.wave} is not a wave number (0..{MAX_WAVE})")
    for i, w in enumerate(plan.waves):
        if not 0 <= w.number <= MAX_WAVE:
            out.append(f"waves[{i}].number: {w.number} is not a wave number (0..{MAX_WAVE})")
        for j, sid in enumerate(w.systems):
            ident(f"waves[{i}].systems[{j}]", sid)
    for i, r in enumerate(plan.rooms):
        for name, value in (("id", r.id), ("department", r.department), ("building", r.building)):
            ident(f"rooms[{i}].{name}", value)
        for j, other in enumerate(r.shared_with):
            ident(f"rooms[{i}].shared_with[{j}]", other)
    for i, line in enumerate(plan.networks):
        ident(f"networks[{i}].id", line.id)
        ident(f"networks[{i}].department", line.department)
    for i, g in enumerate(plan.groups):
        ident(f"groups[{i}].id", g.id)
        for j, sid in enumerate(g.systems):
            ident(f"groups[{i}].systems[{j}]", sid)
    for i, rel in enumerate(plan.relocations):
        for name, value in (
            ("subject", rel.subject), ("department", rel.department),
            ("from_room", rel.from_room), ("to_room", rel.to_room),
        ):
            ident(f"relocations[{i}].{name}", value)
    # Names, reasons and messages reach Markdown, HTML, Word and the terminal: no control
    # characters (line breaks and tabs of a reason are fine).
    suspect = text is None or _may_hold_control(text)
    todo: list[tuple[str, Any]] = [("", plan.model_dump(mode="json"))] if suspect else []
    while todo and len(out) < 200:
        where, node = todo.pop()
        if isinstance(node, dict):
            todo.extend((f"{where}.{k}" if where else str(k), v) for k, v in node.items())
        elif isinstance(node, list):
            todo.extend((f"{where}[{j}]", v) for j, v in enumerate(node))
        elif isinstance(node, str) and (m := CONTROL_RE.search(node.replace("\n", "").replace("\t", ""))):
            out.append(f"{where}: holds the control character U+{ord(m.group()):04X}")
    return out[:200]


def _where(raw: dict[str, Any], loc: tuple[int | str, ...]) -> str:
    """A validation error's location, naming the record by its id: systems[3] (fin-budget).wave."""
    parts: list[str] = []
    node: Any = raw
    for key in loc:
        if isinstance(key, int) and isinstance(node, list):
            item = node[key] if key < len(node) else None
            rid = item.get("id", item.get("number")) if isinstance(item, dict) else None
            named = f"[{key}]" + (f" ({rid})" if rid is not None else "")
            parts.append((parts.pop() if parts else "") + named)
            node = item
        else:
            parts.append(str(key))
            node = node.get(key) if isinstance(node, dict) else None
    return ".".join(parts) or "-"


def inventory_digest(inventory: Inventory) -> str:
    """The digest a plan records of the inventory it was made from (plan.inventory.digest)."""
    # model_dump_json's bytes, as the serializer gives them (not decoded to text and back).
    return "sha256:" + hashlib.sha256(inventory.__pydantic_serializer__.to_json(inventory)).hexdigest()


@contextlib.contextmanager
def digest_beside(inventory: Inventory) -> Iterator[Callable[[], str]]:
    """inventory_digest(inventory) while the block runs: call what it yields for the digest (once)."""
    if len(inventory.systems) < BESIDE_MIN_SYSTEMS:
        yield lambda: inventory_digest(inventory)
        return
    with beside(lambda: inventory_digest(inventory).encode()) as pending:
        yield lambda: bytes(pending.result()).decode()


def inventory_mismatch(plan: Plan, inventory: Inventory) -> str | None:
    """Why *plan* cannot have been made from *inventory* (another city, unknown systems), else None."""
    if plan.inventory.city != inventory.city.id:
        return f"the plan is of city {plan.inventory.city!r}, the inventory of {inventory.city.id!r}"
    known = {s.id for s in inventory.systems}
    unknown = [s.id for s in plan.systems if s.id not in known]
    if unknown:
        shown = ", ".join(unknown[:5]) + (f" and {len(unknown) - 5} more" if len(unknown) > 5 else "")
        return f"{len(unknown)} system(s) of the plan are not in the inventory ({shown})"
    return None


def write_plan(plan: Plan, path: str | Path) -> None:
    """Write plan.json atomically."""
    with atomic_open(path, "wb") as fh:
        write_pieces(fh, plan_json(plan))


def finish_plan_file(out: IO[bytes], head: bytes, written: int, tail: bytes) -> None:
    """Write plan.json's *head* (plan_head) and *tail* (plan_tail) into *out* around *written*
    bytes of its systems' records, written after the head already (planner.ahead.write_plan_systems)."""
    out.seek(0)
    out.write(head)
    out.seek(len(head) + written)
    out.write(tail)
    out.truncate()


# A large plan's systems are serialised this many at a time (about 14 MB of plan.json).
_SYSTEMS_PER_PIECE = 10_000

# In the plan's indented form: the top-level key (the inventory's "systems" is a number), the
# same with no systems, and the end of its list (lines inside it are indented further; a JSON
# string holds no line break).
_SYSTEMS_OPEN = b'\n  "systems": ['
_NO_SYSTEMS = b'\n  "systems": []'
_LIST_CLOSE = b"\n  ]"
_LISTS = [name for name, field in Plan.model_fields.items() if field.default_factory is list]


def system_slices(count: int) -> list[tuple[int, int]]:
    """(start, end) of each slice a plan of *count* systems is serialised in (plan_json)."""
    return [(start, min(start + _SYSTEMS_PER_PIECE, count)) for start in range(0, count, _SYSTEMS_PER_PIECE)]


def plan_head(plan: Plan) -> bytes:
    """plan.json's bytes before its systems' items (its format, inventory and policy)."""
    empty: dict[str, Any] = dict.fromkeys(_LISTS, [])  # read only: one list for all
    text = plan.__pydantic_serializer__.to_json(plan.model_copy(update=empty), indent=2)
    return text[: text.index(_SYSTEMS_OPEN) + len(_SYSTEMS_OPEN)]


def plan_tail(plan: Plan) -> bytes:
    """plan.json's bytes after its systems' items, to its final line break."""
    text = plan.__pydantic_serializer__.to_json(plan.model_copy(update={"systems": []}), indent=2)
    return b"".join((_LIST_CLOSE, memoryview(text)[text.index(_NO_SYSTEMS) + len(_NO_SYSTEMS) :], b"\n"))


def systems_json(systems: list[PlanSystem]) -> memoryview:
    """*systems* as their items stand in plan.json's list of systems (slices joined by commas)."""
    empty: dict[str, Any] = dict.fromkeys(_LISTS, [])  # read only: one list for all
    blank = Plan.model_construct(
        inventory=InventoryRef.model_construct(city="", systems=0, digest=""),
        policy=PolicyRef.model_construct(name="", digest=""),
        **empty,
    )
    text = blank.__pydantic_serializer__.to_json(blank.model_copy(update={"systems": systems}), indent=2)
    items = text.index(_SYSTEMS_OPEN) + len(_SYSTEMS_OPEN)
    return memoryview(text)[items : text.index(_LIST_CLOSE, items)]


def plan_json(plan: Plan) -> Iterator[Bytes]:
    """The bytes of plan.json (indented by two, with its final line break), piece by piece.

    The pieces are the bytes the plan's serializer gives in one go. A large plan's systems are
    serialised a slice at a time (system_slices), so that the slices before are written
    meanwhile (write_pieces) and the whole (170 MB at 100,000 systems) is never held at once.
    They are the serializer's own UTF-8 bytes: no decoding to text and encoding back.
    """
    slices = system_slices(len(plan.systems))
    if len(slices) <= 1:
        yield plan.__pydantic_serializer__.to_json(plan, indent=2)
        yield b"\n"
        return
    yield plan_head(plan)
    for i, (start, end) in enumerate(slices):
        if i:
            yield b","
        yield systems_json(plan.systems[start:end])
    yield plan_tail(plan)

"""Stack configuration files (`Pulumi.<stack>.yaml`) for a plan, written with a YAML serializer.

One file for the `platform` stack, one for `departments` and one per wave (`wave-00`, ...). What
generate writes is non-secret configuration. Values go through `yaml.safe_dump`, never a string
template, so no city name or path can add keys; the few comment lines are reduced to printable
text. Regenerating keeps what the Pulumi CLI added to a file (secure values, the secrets-provider
keys, other namespaces' config: stacks.settings_file), unchanged.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from foundation.atomic import atomic_write_texts
from inventory.models import Inventory
from planner.plan_model import Plan, plan_json
from stacks.config import NAMESPACE, Layer, project_config_schema, settings_from_values
from stacks.lifecycle import LifecycleError, Pinning, file_digest, pin_deployed, text_digest
from stacks.program import host_facts, images_for
from stacks.security import is_placed
from stacks.settings_file import KeptKeys, StackFile, StackFileError, read_stack_file
from stacks.sizing import server_layout

PLATFORM_STACK = "platform"
DEPARTMENTS_STACK = "departments"
PINNED_PLAN = "plan.stacks.json"  # the plan with deployed systems kept in their waves
# Keys a generated file sets itself; the rest are optional overrides.
MANAGED_KEYS = frozenset(
    {"layer", "wave", "plan", "planDigest", "systems", "platformStack", "departmentsStack"}
)

__all__ = [
    "GenerateResult",
    "KeptKeys",
    "LifecycleError",
    "StackFileError",
    "generate_stack_files",
    "render_stack_files",
    "wave_stack_name",
]


WAVE_PREFIX = "wave-"


def wave_stack_name(number: int) -> str:
    """Stack name of a wave: wave-00, wave-01, ..."""
    return f"{WAVE_PREFIX}{number:02d}"


def stack_file_name(stack: str) -> str:
    """The file Pulumi reads a stack's configuration from: Pulumi.<stack>.yaml."""
    return f"Pulumi.{stack}.yaml"


def stack_of(path: Path) -> str:
    """The stack a stack file configures (Pulumi.<stack>.yaml)."""
    return path.name.removeprefix("Pulumi.").removesuffix(".yaml")


WAVE_FILES = stack_file_name(WAVE_PREFIX + "*")  # glob of every wave's file


def _printable(text: object) -> str:
    """One line of printable text for a comment: control and format characters become spaces."""
    return "".join(" " if unicodedata.category(c).startswith("C") else c for c in str(text))


def _document(comments: Iterable[str], config: Mapping[str, Any], earlier: StackFile | None) -> str:
    """The file's text: the comments, then what the plan says, with what *earlier* keeps added."""
    header = "".join(f"# {_printable(line)}\n" for line in comments)
    body = yaml.safe_dump(
        {"config": {f"{NAMESPACE}:{k}": v for k, v in config.items()}},
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=1000,
    )
    if earlier is None or not earlier.kept:
        return header + body
    # Kept entries go in as the nodes they were read as: re-serialised data would turn a plain
    # `12:30` or `yes` (strings to the Pulumi CLI) into 750 or true. Our own text composes back
    # to itself.
    document = yaml.compose(body, Loader=yaml.SafeLoader)
    assert isinstance(document, yaml.MappingNode)
    document.value[:0] = earlier.provider  # above config, where the CLI writes them
    document.value[-1][1].value.extend(earlier.entries)
    return header + yaml.serialize(document, Dumper=yaml.SafeDumper, allow_unicode=True, width=1000)


@dataclass
class GenerateResult:
    """What `stacks generate` wrote and what it wants the engineer to know."""

    files: dict[str, str]  # file name -> content
    plan: Plan  # the plan the stacks build (deployed systems pinned)
    pinned: dict[str, tuple[int | None, int]] = field(default_factory=dict)
    undersized: list[str] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)  # wave files of an earlier plan, dropped
    # File name -> what it kept of its earlier version (names only; files that kept nothing absent).
    kept: dict[str, KeptKeys] = field(default_factory=dict)
    # A removed wave file -> what it held that generate does not write: gone with the file.
    dropped: dict[Path, KeptKeys] = field(default_factory=dict)


def _plan_text(plan: Plan) -> str:
    """plan.json's text, as write_plan writes it."""
    return b"".join(plan_json(plan)).decode("utf-8")


def earlier_stack_files(out_dir: Path) -> dict[str, StackFile]:
    """File name -> the stack file govcloud wrote there before, read back.

    A file that holds nothing generate writes (what `pulumi stack init` and `pulumi config set`
    made before the first generate: secrets-provider keys, secrets, other namespaces) counts as
    one, and is carried over. StackFileError names a file at one of these names that holds
    govcloud's plain keys but not the stack's `govcloud:layer` (a wave file also names its
    `govcloud:wave`), or that cannot be read: generate would replace or remove it, losing what it
    holds."""
    fixed = {
        stack_file_name(PLATFORM_STACK): Layer.PLATFORM,
        stack_file_name(DEPARTMENTS_STACK): Layer.DEPARTMENTS,
    }
    paths = [out_dir / name for name in fixed if (out_dir / name).exists()]
    earlier: dict[str, StackFile] = {}
    for path in [*paths, *sorted(out_dir.glob(WAVE_FILES))]:
        stack = read_stack_file(path)
        layer = fixed.get(path.name, Layer.WAVE)
        ours = [k for k in stack.config if k.startswith(f"{NAMESPACE}:") and k not in stack.kept.secret]
        if ours and stack.config.get(f"{NAMESPACE}:layer") != layer.value:
            raise StackFileError(
                f"{path}: not a stack file govcloud wrote (its {NAMESPACE}:layer is not {layer.value}); "
                "move it away, or remove it if it holds nothing to keep"
            )
        earlier[path.name] = stack
    return earlier


def previous_waves(earlier: Mapping[str, StackFile]) -> dict[int, list[str]]:
    """What the existing wave stack files hold: wave -> systems."""
    previous: dict[int, list[str]] = {}
    for stack in earlier.values():
        config = stack.config
        if config.get(f"{NAMESPACE}:layer") != Layer.WAVE.value:
            continue
        try:
            previous[int(config[f"{NAMESPACE}:wave"])] = [
                str(s) for s in config.get(f"{NAMESPACE}:systems") or []
            ]
        except (KeyError, TypeError, ValueError) as exc:
            raise StackFileError(f"{stack.path}: not a stack file govcloud wrote ({exc})") from None
    return previous


def check_no_secret_is_managed(earlier: Mapping[str, StackFile], overrides: Mapping[str, Any]) -> None:
    """Refuse a secret under a key generate writes: the per-stack keys and every --set key.

    Writing the plain value would drop the secret; keeping the secret would overrule the plan
    or the --set. Neither may happen unseen, so the engineer chooses which one stays."""
    problems = []
    for stack in earlier.values():
        for key in stack.secrets_under({f"{NAMESPACE}:{k}" for k in (*MANAGED_KEYS, *overrides)}):
            source = "from the plan" if key.removeprefix(f"{NAMESPACE}:") in MANAGED_KEYS else "from --set"
            problems.append(
                f"{stack.path}: {key} holds a secret, but generate writes {key} {source}; "
                f"remove the secret (`pulumi config rm {key} -s {stack_of(stack.path)}`)"
                + (" or leave out the --set" if source == "from --set" else "")
            )
    if problems:
        raise StackFileError(problems)


def render_stack_files(
    plan: Plan,
    plan_ref: str,
    plan_digest: str,
    overrides: Mapping[str, Any] | None = None,
    inventory: Inventory | None = None,
    earlier: Mapping[str, StackFile] | None = None,
) -> GenerateResult:
    """File name -> content of every stack's configuration file (refuses systems without an image).

    A file with an *earlier* version (file name -> it, read back) keeps what that one holds and
    generate does not write (check_no_secret_is_managed first)."""
    overrides = dict(overrides or {})
    earlier = earlier or {}
    bad = sorted(set(overrides) & MANAGED_KEYS) + sorted(set(overrides) - set(project_config_schema()))
    if bad:
        raise ValueError(f"govcloud:{bad[0]}: cannot be overridden here (unknown key or set per stack)")
    settings = settings_from_values({**overrides, "plan": plan_ref})  # validates the overrides
    placed = [s for s in plan.systems if is_placed(s)]
    os_of, _ = host_facts(inventory)
    images_for(settings, placed, os_of)  # ImageError lists every system without an image
    undersized = []
    for s in placed:
        lay = server_layout(s.sizing, settings.flavors, settings.boot_volume_gb)
        if lay.undersized:
            undersized.append(
                f"{s.id}: needs {s.sizing.vcpu} vCPU / {s.sizing.ram_gb} GB on {lay.servers} server(s); "
                f"the largest flavor {lay.flavor.name} ({lay.flavor.vcpu}/{lay.flavor.ram_gb}) is smaller"
            )
    items = dict(sorted(overrides.items()))
    city = plan.inventory.city
    common = {"plan": plan_ref, "planDigest": plan_digest}
    pages = {
        stack_file_name(PLATFORM_STACK): (
            [
                "Stack `platform` of the govcloud project: the landing zone (networks, routers, the single",
                "internet exit, the extranet routes, the domain boundary, the shared security groups).",
                f"Generated by `govcloud stacks generate` for {city}; run `pulumi up -s platform` first.",
                "Admin credentials from clouds.yaml (OS_CLOUD). Keys not set here take Pulumi.yaml defaults.",
            ],
            {"layer": "platform", **common, **items},
        ),
        stack_file_name(DEPARTMENTS_STACK): (
            [
                "Stack `departments`: one project per department for the whole programme, its quotas",
                "and the RBAC shares of the domain networks and groups. Run it after the platform and",
                "again whenever the plan changes (quotas grow). Admin credentials (OS_CLOUD).",
            ],
            {"layer": "departments", **common, "platformStack": settings.platform_stack, **items},
        ),
    }
    for wave in sorted(plan.waves, key=lambda w: w.number):
        systems = sorted(s.id for s in placed if s.wave == wave.number)
        departments = {s.department for s in placed if s.wave == wave.number}
        pages[stack_file_name(wave_stack_name(wave.number))] = (
            [
                f"Stack `{wave_stack_name(wave.number)}`: migration wave {wave.number} "
                f"({wave.start} .. {wave.end}" + (", pilot wave (PILOT-1))." if wave.pilot else ")."),
                f"{len(systems)} migrating system(s) of {len(departments)} department(s), in their projects.",
                "Run after the platform, the departments and the earlier waves. Per-project providers:",
                "unset OS_CLOUD and set the secret govcloud:deployPassword (stacks/README.md).",
            ],
            {
                "layer": "wave",
                "wave": wave.number,
                **common,
                "systems": systems,
                "platformStack": settings.platform_stack,
                "departmentsStack": settings.departments_stack,
                **items,
            },
        )
    files = {
        name: _document(comments, config, earlier.get(name)) for name, (comments, config) in pages.items()
    }
    kept = {name: earlier[name].kept for name in files if name in earlier and earlier[name].kept}
    return GenerateResult(files=files, plan=plan, undersized=undersized, kept=kept)


def generate_stack_files(
    plan: Plan,
    plan_path: Path,
    out_dir: str | Path,
    plan_ref: str,
    overrides: Mapping[str, Any] | None = None,
    *,
    deployed: Iterable[str] = (),
    allow_change: Iterable[str] = (),
    inventory: Inventory | None = None,
    reference: Any = None,
    write_plan_file: bool = False,
) -> GenerateResult:
    """Write the stack files into *out_dir*, all complete on disk before the first replaces its old one.

    A failure while writing (a full disk) leaves the earlier set as it was; the wave files of
    an earlier run that the new plan no longer has are removed, so a dropped wave cannot be
    provisioned by mistake (each one was checked to be a stack file govcloud wrote).

    Each file keeps what its earlier version holds that generate does not write: the
    secrets-provider keys, secure values and other namespaces' config (`kept`; what a removed
    file held is in `dropped`). Every earlier file is read and checked before anything is
    written: StackFileError for one that is not a stack file govcloud wrote or that holds a
    secret under a key generate writes.

    Systems already deployed (*deployed*, from the progress database) stay in the wave whose
    existing stack file holds them; the plan the stacks then build is written next to them
    (`plan.stacks.json`) and named by every file. A deployed wave's systems change only for the
    systems in *allow_change* (LifecycleError otherwise). *reference* turns a path into the way a
    stack file names it (default: as given). *write_plan_file*: *plan* is written to *plan_path*
    with the stack files (in the same set: both replaced, or neither)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    earlier = earlier_stack_files(out)
    check_no_secret_is_managed(earlier, overrides or {})
    pinning: Pinning = pin_deployed(plan, previous_waves(earlier), deployed, allow_change)
    # The plan files written here go in the same set as the stack files: a failure (an image
    # missing, a full disk) leaves the plans and the stack files that name them as they were.
    plans: dict[Path, str] = {}
    if write_plan_file:
        plans[plan_path] = _plan_text(plan)
    path, ref = plan_path, plan_ref
    if pinning.pinned:
        path = out / PINNED_PLAN
        plans[path] = _plan_text(pinning.plan)
        ref = reference(path) if reference is not None else str(path)
    digest = text_digest(plans[path]) if path in plans else file_digest(path)
    result = render_stack_files(pinning.plan, ref, digest, overrides, inventory, earlier)
    result.pinned = pinning.pinned
    atomic_write_texts({**plans, **{out / name: text for name, text in result.files.items()}})
    result.written = [out / name for name in result.files]
    for name in sorted(set(earlier) - set(result.files)):  # only wave files: the others are always written
        stale = earlier[name].path
        stale.unlink(missing_ok=True)
        result.removed.append(stale)
        if earlier[name].kept:
            result.dropped[stale] = earlier[name].kept
    return result

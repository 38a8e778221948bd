"""Stack configuration files (`Pulumi.<stack>.yaml`) for a plan, rendered with jinja2.

One file for the `platform` stack and one per wave (`wave-00`, `wave-01`, ...). They hold only
non-secret configuration; OpenStack credentials come from clouds.yaml, selected with OS_CLOUD.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2

from foundation.atomic import atomic_write_text
from planner.plan_model import Plan
from stacks.config import project_config_schema, settings_from_values
from stacks.security import is_placed

TEMPLATES = Path(__file__).parent / "templates"
PLATFORM_STACK = "platform"
# Keys a generated file sets itself; the rest are optional overrides.
MANAGED_KEYS = frozenset({"layer", "wave", "plan", "platformStack"})


def wave_stack_name(number: int) -> str:
    """Stack name of a wave: wave-00, wave-01, ..."""
    return f"wave-{number:02d}"


def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )


def render_stack_files(
    plan: Plan, plan_ref: str, overrides: Mapping[str, Any] | None = None
) -> dict[str, str]:
    """File name -> content of every stack's configuration file."""
    overrides = dict(overrides or {})
    bad = sorted(set(overrides) & MANAGED_KEYS) + sorted(set(overrides) - set(project_config_schema()))
    if bad:
        raise ValueError(f"govcloud:{bad[0]}: cannot be overridden here (unknown key or set per stack)")
    settings = settings_from_values({**overrides, "plan": plan_ref})  # validates the overrides
    items = sorted(overrides.items())
    env = _env()
    files = {
        f"Pulumi.{PLATFORM_STACK}.yaml": env.get_template("platform.yaml.j2").render(
            plan_ref=plan_ref, city=plan.inventory.city, overrides=items
        )
    }
    for wave in sorted(plan.waves, key=lambda w: w.number):
        systems = plan.wave_systems(wave.number)
        migrating = [s for s in systems if is_placed(s)]
        files[f"Pulumi.{wave_stack_name(wave.number)}.yaml"] = env.get_template("wave.yaml.j2").render(
            stack=wave_stack_name(wave.number),
            wave=wave,
            migrating=len(migrating),
            departments=len({s.department for s in migrating}),
            other=len(systems) - len(migrating),
            plan_ref=plan_ref,
            city=plan.inventory.city,
            platform_stack=settings.platform_stack,
            overrides=items,
        )
    return files


def generate_stack_files(
    plan: Plan, out_dir: str | Path, plan_ref: str, overrides: Mapping[str, Any] | None = None
) -> list[Path]:
    """Write the stack files into *out_dir* (atomically each); return their paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in render_stack_files(plan, plan_ref, overrides).items():
        atomic_write_text(out / name, text)
        written.append(out / name)
    return written

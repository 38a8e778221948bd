"""CLI area: synth — `govcloud inventory synth`, a synthetic province-scale inventory."""

from __future__ import annotations

import time
from pathlib import Path

import typer

from govcloud.cli.common import EXIT_USAGE, console, fail, progress_callback
from govcloud.cli.inventory import inventory_app
from inventory.synth import is_synth_output, synthesize, write_inventory


@inventory_app.command("synth")
def synth(
    systems: int = typer.Option(..., "--systems", help="Number of systems to generate (at least 3)."),
    seed: int = typer.Option(1, "--seed", help="Random seed; the same seed gives byte-identical files."),
    out: Path = typer.Option(Path("out/synth"), "--out", help="Directory to write the YAML files into."),
    force: bool = typer.Option(False, "--force", help="Write even if the directory holds other YAML files."),
) -> None:
    """Generate a valid synthetic inventory with the statistical shape of the sample city."""
    if systems < 3:
        fail(f"--systems must be at least 3 (one department of 3 systems), got {systems}", EXIT_USAGE)
    if out.exists() and not out.is_dir():
        fail(f"{out}: exists and is not a directory", EXIT_USAGE)
    if out.is_dir() and not force:
        foreign = sorted(
            p.name for p in out.iterdir() if p.suffix in (".yaml", ".yml") and not is_synth_output(p.name)
        )
        if foreign:
            # They would be merged into the synthetic inventory when the directory is loaded.
            fail(
                f"{out}: holds YAML files synth did not write ({', '.join(foreign[:5])}); "
                "choose an empty directory or pass --force",
                EXIT_USAGE,
            )
    started = time.perf_counter()
    header = f"synthetic inventory: govcloud inventory synth --systems {systems} --seed {seed}"
    try:
        with progress_callback() as progress:
            inv = synthesize(systems, seed, progress=progress)
            files = write_inventory(inv, out, progress, header=header)
    except OSError as exc:
        fail(f"{out}: cannot write: {exc.strerror or exc}")
    size = sum(f.stat().st_size for f in files)
    console.print(
        f"wrote {len(files)} files ({size / 1e6:.1f} MB) to {out}: {len(inv.regions)} regions, "
        f"{len(inv.departments)} departments, {len(inv.systems)} systems, {len(inv.rooms)} rooms, "
        f"{len(inv.networks)} networks, {len(inv.assets)} assets in {time.perf_counter() - started:.1f} s",
        highlight=False,
        markup=False,
    )

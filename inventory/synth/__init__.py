"""Synthetic inventories in three parts: catalogue data, a generator and a writer.

* ``catalogue.yaml`` / :mod:`inventory.synth.catalogue` — the data the generator draws from
  (department kinds, typical systems, equipment models, place names), shipped as package data;
* :mod:`inventory.synth.generator` — ``synthesize(n_systems, seed)`` and the per-department
  :class:`Builder` the bundled sample city shares;
* :mod:`inventory.synth.writer` — ``write_inventory(inv, out_dir)``, the YAML files
  ``govcloud inventory synth`` writes.

The names below are the package's public surface (what the sample builder, the CLI, the
benchmarks and the tests use).
"""

from inventory.synth.catalogue import CATALOGUE, CATALOGUE_BY_KEY, DeptTemplate, default_platforms
from inventory.synth.generator import (
    SHAPE,
    Builder,
    DeptPlan,
    Shape,
    add_hosts,
    cloud_domains_for,
    dangling_references,
    depend,
    main_system_id,
    synthesize,
    synthesize_records,
)
from inventory.synth.writer import SYNTH_FILES, is_synth_output, write_inventory

__all__ = [
    "CATALOGUE",
    "CATALOGUE_BY_KEY",
    "SHAPE",
    "SYNTH_FILES",
    "Builder",
    "DeptPlan",
    "DeptTemplate",
    "Shape",
    "add_hosts",
    "cloud_domains_for",
    "dangling_references",
    "default_platforms",
    "depend",
    "main_system_id",
    "is_synth_output",
    "synthesize",
    "synthesize_records",
    "write_inventory",
]

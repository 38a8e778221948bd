"""Server sizing: the nearest catalogue flavor for a system's vCPU/RAM, and its volumes.

A plan's sizing is per system (vcpu, ram_gb and storage_gb are totals over its servers), so each
server gets the nearest flavor that fits its share, one boot volume and, when the system stores
data, one data volume holding its share of the storage.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from planner.plan_model import Sizing
from stacks.config import Flavor

# MLPS level from which volumes are encrypted and backed up (MLPS-4).
PROTECTED_MLPS_LEVEL = 3


@dataclass(frozen=True)
class ServerLayout:
    """How one system is laid out in the cloud."""

    flavor: Flavor
    servers: int
    boot_gb: int
    data_gb: int  # per server; 0 = no data volume
    undersized: bool = False  # no flavor fits: the largest one is used and the plan must be revisited

    @property
    def anti_affinity(self) -> bool:
        """Multi-server systems spread over hosts."""
        return self.servers > 1

    @property
    def volumes_per_server(self) -> int:
        return 1 + (1 if self.data_gb > 0 else 0)

    @property
    def volumes(self) -> int:
        return self.servers * self.volumes_per_server

    @property
    def volume_gb(self) -> int:
        return self.servers * (self.boot_gb + self.data_gb)

    @property
    def vcpu(self) -> int:
        return self.servers * self.flavor.vcpu

    @property
    def ram_gb(self) -> float:
        return self.servers * self.flavor.ram_gb


def nearest_flavor(vcpu: float, ram_gb: float, flavors: Sequence[Flavor]) -> tuple[Flavor, bool]:
    """The flavor that fits (vcpu, ram_gb) with the least relative excess; (largest, True) if none fits."""
    if not flavors:
        raise ValueError("the flavor catalogue is empty")
    need_cpu, need_ram = max(vcpu, 1.0), max(ram_gb, 0.5)
    fitting = [f for f in flavors if f.vcpu >= need_cpu and f.ram_gb >= need_ram]
    if not fitting:
        return max(flavors, key=lambda f: (f.vcpu, f.ram_gb, f.name)), True

    def excess(f: Flavor) -> tuple[float, str]:
        return ((f.vcpu - need_cpu) / need_cpu + (f.ram_gb - need_ram) / need_ram, f.name)

    return min(fitting, key=excess), False


def server_layout(sizing: Sizing, flavors: Sequence[Flavor], boot_gb: int) -> ServerLayout:
    """Flavor, server count and volume sizes of a system."""
    servers = max(1, sizing.servers)
    flavor, undersized = nearest_flavor(sizing.vcpu / servers, sizing.ram_gb / servers, flavors)
    data_gb = math.ceil(sizing.storage_gb / servers) if sizing.storage_gb > 0 else 0
    return ServerLayout(
        flavor=flavor, servers=servers, boot_gb=boot_gb, data_gb=data_gb, undersized=undersized
    )


def is_protected(mlps_level: int | None) -> bool:
    """Volumes of MLPS level 3+ systems are encrypted and backed up (MLPS-4)."""
    return (mlps_level or 0) >= PROTECTED_MLPS_LEVEL

"""Paths on the cloud instances built from system IDs, each by one function.

The data mount path is where cloud-init mounts a system's data volume and where the runbooks copy
its data; the wave stacks export it per system (`systems.<id>.data_mount`) and the runbooks read
it from there, so this function is the only place it is built.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

DATA_ROOT = PurePosixPath("/srv/govcloud")
# A system ID is one path segment: no separators, no `.`/`..`, nothing a shell or fstab would split.
_SEGMENT = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")


def data_mount_path(system_id: str) -> str:
    """`/srv/govcloud/<system-id>`: the data volume's mount point on every server of the system."""
    if not _SEGMENT.match(system_id) or system_id in {".", ".."}:
        raise ValueError(f"system ID {system_id!r} cannot name a directory under {DATA_ROOT}")
    path = DATA_ROOT / system_id
    if path.parent != DATA_ROOT:  # defensive: the pattern already guarantees one segment
        raise ValueError(f"system ID {system_id!r} leaves {DATA_ROOT}")
    return str(path)

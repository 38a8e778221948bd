"""Paths on the cloud instances built from system IDs, each by one function.

The data mount path is where cloud-init mounts a system's data volume and where the runbooks copy
its data; the wave stacks export it per system (`systems.<id>.data_mount`) and the runbooks read
it from there, so this function is the only place it is built.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from foundation.paths import path_for_id

DATA_ROOT = PurePosixPath("/srv/govcloud")


def data_mount_path(system_id: str) -> str:
    """`/srv/govcloud/<system-id>`: the data volume's mount point on every server of the system.

    Built by the one path-from-ID function, which refuses an ID that is not one safe segment.
    """
    return str(path_for_id(DATA_ROOT, system_id))

"""Cloud-init user data that formats and mounts a server's data volume, idempotently.

The data volume is attached after the server boots (a separate VolumeAttach), so the script waits
for its disk, found by the volume ID Nova hands the guest as the virtio serial (its first 20
characters, `/dev/disk/by-id/virtio-<id20>`; SCSI buses expose `scsi-0QEMU_QEMU_HARDDISK_<id20>`).
It formats the disk only when it holds no filesystem (a reattached, retained volume keeps its
data), mounts it by filesystem UUID with `nofail`, and runs again harmlessly on every boot
(`bootcmd` would run early; `runcmd` runs once per instance, so the fstab entry does the rest).
Host-key fingerprints go to the console (`ssh_fp_console_blacklist` left empty), where the
operator (or `openstack console log show`) reads them.
"""

from __future__ import annotations

import shlex

import yaml

FILESYSTEM = "xfs"
WAIT_SECONDS = 300

_SCRIPT = """\
set -eu
id20=$(printf %s {volume_id} | cut -c1-20)
dev=""
for i in $(seq 1 {wait}); do
  for c in /dev/disk/by-id/virtio-$id20 /dev/disk/by-id/scsi-0QEMU_QEMU_HARDDISK_$id20; do
    if [ -b "$c" ]; then dev=$(readlink -f "$c"); break 2; fi
  done
  sleep 1
done
[ -n "$dev" ] || {{ echo "govcloud: data volume {volume_id} not attached" >&2; exit 1; }}
blkid -o value -s TYPE "$dev" >/dev/null 2>&1 || mkfs.{fs} -q -L govcloud-data "$dev"
uuid=$(blkid -o value -s UUID "$dev")
mkdir -p {mount}
grep -q "UUID=$uuid " /etc/fstab || echo "UUID=$uuid {mount} {fs} defaults,nofail 0 2" >> /etc/fstab
mountpoint -q {mount} || mount {mount}
"""


def data_volume_user_data(volume_id: str, mount_path: str) -> str:
    """`#cloud-config` that mounts the volume *volume_id* at *mount_path* (both shell-quoted)."""
    script = _SCRIPT.format(
        volume_id=shlex.quote(volume_id), mount=shlex.quote(mount_path), fs=FILESYSTEM, wait=WAIT_SECONDS
    )
    doc = {
        "write_files": [
            {"path": "/usr/local/sbin/govcloud-mount-data", "permissions": "0755", "content": script}
        ],
        "runcmd": [["/bin/sh", "/usr/local/sbin/govcloud-mount-data"]],
        "ssh_fp_console_blacklist": [],
    }
    return "#cloud-config\n" + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)

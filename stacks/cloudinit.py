"""Cloud-init user data of a server: its SSH host key, and its data volume formatted and mounted.

**Host key.** `ssh_keys` hands sshd the key the program generated (stacks/hostkeys.py): cloud-init
deletes the image's keys (`ssh_deletekeys`), writes this one (mode 0600) and generates no other, so
the server presents exactly the key the wave's outputs publish. The user data is readable on the
instance through the metadata service, by any local user unless told otherwise, so `bootcmd`
(every boot, before logins) rejects connections to 169.254.169.254 from every user but root - the
local-firewall restriction cloud providers recommend for their metadata services.

**Data volume.** It is attached after the server boots (a separate VolumeAttach), so the script
waits for its disk, found by the volume ID Nova hands the guest as the virtio serial (its first 20
characters, `/dev/disk/by-id/virtio-<id20>`; SCSI buses expose `scsi-0QEMU_QEMU_HARDDISK_<id20>`).
It formats the disk only when it holds no filesystem (a reattached, retained volume keeps its
data), mounts it by filesystem UUID with `nofail`, and runs again harmlessly on every boot
(`bootcmd` would run early; `runcmd` runs once per instance, so the fstab entry does the rest).
Host-key fingerprints also go to the console (`ssh_fp_console_blacklist` left empty), where an
operator can compare them with the outputs.

The document is written as JSON, which YAML parsers read as YAML (a flow mapping): a serializer,
never a template, so no value can add a key, at a fraction of a YAML emitter's cost.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass

FILESYSTEM = "xfs"
WAIT_SECONDS = 300
MOUNT_SCRIPT = "/usr/local/sbin/govcloud-mount-data"

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


METADATA_ADDRESS = "169.254.169.254"
_METADATA_GUARD = (
    f"iptables -C OUTPUT -d {METADATA_ADDRESS} -m owner ! --uid-owner 0 -j REJECT 2>/dev/null"
    f" || iptables -I OUTPUT 1 -d {METADATA_ADDRESS} -m owner ! --uid-owner 0 -j REJECT"
    " || echo 'govcloud: the metadata service could not be restricted to root' >&2"
)


@dataclass(frozen=True)
class HostKeyMaterial:
    """The key cloud-init installs: `<prefix>_private` and `<prefix>_public` of `ssh_keys`."""

    cloud_init: str  # ed25519, ecdsa, rsa
    private_key: str
    public_key: str


def data_volume_script(volume_id: str, mount_path: str) -> str:
    """The idempotent mount script of volume *volume_id* at *mount_path* (both shell-quoted)."""
    return _SCRIPT.format(
        volume_id=shlex.quote(volume_id), mount=shlex.quote(mount_path), fs=FILESYSTEM, wait=WAIT_SECONDS
    )


def server_user_data(
    host_key: HostKeyMaterial, volume_id: str | None = None, mount_path: str | None = None
) -> str:
    """`#cloud-config` of one server: its host key and, when it has one, its data volume's mount."""
    doc: dict[str, object] = {
        "ssh_deletekeys": True,
        "ssh_keys": {
            f"{host_key.cloud_init}_private": host_key.private_key,
            f"{host_key.cloud_init}_public": host_key.public_key,
        },
        "ssh_fp_console_blacklist": [],
        "bootcmd": [["/bin/sh", "-c", _METADATA_GUARD]],
    }
    if volume_id is not None:
        if mount_path is None:
            raise ValueError("a data volume needs its mount path")
        doc["write_files"] = [
            {
                "path": MOUNT_SCRIPT,
                "permissions": "0755",
                "content": data_volume_script(volume_id, mount_path),
            }
        ]
        doc["runcmd"] = [["/bin/sh", MOUNT_SCRIPT]]
    return "#cloud-config\n" + json.dumps(doc, ensure_ascii=False) + "\n"

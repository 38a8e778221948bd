"""Protected data on the source: an unprivileged SSH account reads a root-owned 0700
PostgreSQL-like directory through `sudo -n`, its sudoers granting NOPASSWD for the data tools
only (rsync, find, sha256sum) and no shell - so nothing of the run may need `sudo sh`."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from inventory.models import Host
from playbooks.localsshd import LocalSSHD, SSHDUnavailable, require_sshd
from playbooks.model import SystemTarget
from playbooks.render import render_runbook
from playbooks.runner import RunOptions, run_runbook
from tests.conftest import service_unavailable
from tests.playbooks.conftest import build_inventory_and_plan, file_service, make_connector, tree_digest

pytestmark = pytest.mark.sshd

ACCOUNT = "govcloud-mover"  # unprivileged: no password, key login only
TOOLS = ("/usr/bin/rsync", "/usr/bin/find", "/usr/bin/sha256sum")  # what the mover runs as root
DB_UID = DB_GID = 70  # the database's own account on a real host; only root can read its files


def _account() -> None:
    """The account, created once (left in place: test runs of other checkouts may use it too)."""
    try:
        pwd.getpwnam(ACCOUNT)
        return
    except KeyError:
        pass
    res = subprocess.run(
        [
            "useradd",
            "--system",
            "--no-create-home",
            "--home-dir",
            "/nonexistent",
            "--shell",
            "/bin/sh",
            ACCOUNT,
        ],
        capture_output=True,
        text=True,
    )
    if res.returncode not in (0, 9):  # 9: created meanwhile by another run
        service_unavailable(f"cannot create the account {ACCOUNT}: {res.stderr.strip()}")
    # '*' instead of useradd's '!': no password works, but sshd does not treat it as locked.
    subprocess.run(["usermod", "-p", "*", ACCOUNT], check=True, capture_output=True)


@pytest.fixture
def sudo_source(sshd_hosts: dict[str, LocalSSHD], client_key: Path) -> Iterator[tuple[LocalSSHD, Path]]:
    """A source sshd the account logs into, and a sudoers file granting it the data tools only."""
    if os.geteuid() != 0:
        pytest.skip("creating an account and a sudoers file needs root")
    missing = [t for t in ("useradd", "usermod", "sudo", "visudo") if shutil.which(t) is None]
    if missing:
        service_unavailable(f"missing {', '.join(missing)} (Debian packages passwd, sudo)")
    try:
        require_sshd()
    except SSHDUnavailable as exc:
        service_unavailable(f"no private sshd possible: {exc}")
    _account()
    sudoers = Path(f"/etc/sudoers.d/govcloud-mover-test-{os.getpid()}")
    line = f"{ACCOUNT} ALL=(root) NOPASSWD: {', '.join(TOOLS)}\n"
    staged = Path(tempfile.mkdtemp()) / "sudoers"
    staged.write_text(line)
    check = subprocess.run(["visudo", "-cf", str(staged)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    staged.chmod(0o440)
    shutil.move(staged, sudoers)
    # Not under pytest's 0700 tmp: sshd reads authorized_keys as the account.
    base = Path(tempfile.mkdtemp(prefix="govcloud-sudo-sshd-"))
    base.chmod(0o755)
    host = LocalSSHD("protected", base / "sshd", other_users=(ACCOUNT,))
    host.base.mkdir()
    host.authorized_keys.write_text(client_key.with_suffix(".pub").read_text())
    host.authorized_keys.chmod(0o644)
    try:
        host.start()
        yield host, base
    finally:
        host.stop()
        sudoers.unlink(missing_ok=True)
        shutil.rmtree(base, ignore_errors=True)


def _protected_system(base: Path, sshd: LocalSSHD, target: LocalSSHD, case: str, sudo: bool):
    """A 0700 root-owned data directory of files owned by the database's account, mode 0600."""
    pgdata = base / "pgdata"
    (pgdata / "base" / "16384").mkdir(parents=True)
    (pgdata / "PG_VERSION").write_text("15\n")
    (pgdata / "base" / "16384" / "2619").write_bytes(os.urandom(200_000))
    (pgdata / "postgresql.auto.conf").write_text("# 机密\n")
    for p in [pgdata, *pgdata.rglob("*")]:
        if p != pgdata:
            os.chown(p, DB_UID, DB_GID)
        p.chmod(0o700 if p.is_dir() else 0o600)
    os.chown(pgdata, 0, 0)
    service_dir = base / "service"  # the service's state file: the account stops and starts it
    service_dir.mkdir()
    (service_dir / "service.state").write_text("running\n")
    acct = pwd.getpwnam(ACCOUNT)
    for p in (service_dir, service_dir / "service.state"):
        os.chown(p, acct.pw_uid, acct.pw_gid)
    target_dir = target.root / case
    target_dir.mkdir(parents=True)
    source = Host(address=sshd.address, port=sshd.port, user=ACCOUNT, role="db", data_dirs=[str(pgdata)])
    inv, plan = build_inventory_and_plan([("fin-ledger", source)])
    spec = SystemTarget(
        target=Host(address=target.address, port=target.port, user=target.user, role="target"),
        data_root=str(target_dir / "data-root"),
        current_link=str(target_dir / "current"),
        authorized_keys=str(target.authorized_keys),
        sudo=sudo,
        service_sudo=False,
        service=file_service(service_dir, target_dir),
    )
    return render_runbook("fin-ledger", plan, inv, {"fin-ledger": spec}), pgdata, target_dir, service_dir


def _options(tmp_path: Path, sshd: LocalSSHD, target: LocalSSHD, client_key: Path) -> RunOptions:
    known = tmp_path / "known_hosts"
    known.write_text(sshd.known_hosts_line() + target.known_hosts_line())
    return RunOptions(make_connector(known, client_key), tmp_path / "journal", settle_seconds=0.2)


def test_protected_directory_moves_through_sudo_for_the_data_tools_only(
    sudo_source, sshd_hosts, client_key, tmp_path, request
):
    sshd, base = sudo_source
    target = sshd_hosts["target"]
    rendered, pgdata, target_dir, _ = _protected_system(base, sshd, target, request.node.name, sudo=True)
    # The account itself cannot even look inside.
    denied = subprocess.run(["runuser", "-u", ACCOUNT, "--", "ls", str(pgdata)], capture_output=True)
    assert denied.returncode != 0

    result = run_runbook(rendered, _options(tmp_path, sshd, target, client_key))

    assert result.outcome == "complete", result.error
    copied = target_dir / "data-root" / "pgdata"
    assert tree_digest(copied) == tree_digest(pgdata)
    for p in [copied, *copied.rglob("*")]:
        src = pgdata / p.relative_to(copied)
        assert (p.stat().st_uid, p.stat().st_gid, p.stat().st_mode) == (
            src.stat().st_uid,
            src.stat().st_gid,
            src.stat().st_mode,
        ), p
    assert result.copy.files_hashed == 2 * 3  # every file SHA-256'd on both ends, as root on the source


def test_protected_directory_without_sudo_fails_before_freezing(
    sudo_source, sshd_hosts, client_key, tmp_path, request
):
    sshd, base = sudo_source
    target = sshd_hosts["target"]
    rendered, pgdata, _, service_dir = _protected_system(base, sshd, target, request.node.name, sudo=False)

    result = run_runbook(rendered, _options(tmp_path, sshd, target, client_key))

    assert result.outcome == "failed"
    assert result.step("pre-check").outcome == "failed"
    assert str(pgdata) in (result.error or "")
    assert (service_dir / "service.state").read_text() == "running\n"  # never frozen

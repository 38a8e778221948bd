"""The SSH executor against real private sshd instances: host keys, auth, retries, sudo, timeouts."""

from __future__ import annotations

import stat
import time
from pathlib import Path

import pytest

from playbooks.errors import (
    AuthenticationFailed,
    ChangedHostKey,
    CommandTimeout,
    ConnectFailed,
    SudoPasswordRequired,
    UnknownHostKey,
)
from playbooks.localsshd import LocalSSHD, free_port, keygen
from playbooks.ssh import Endpoint
from tests.playbooks.conftest import make_connector

pytestmark = pytest.mark.sshd


def endpoint(host: LocalSSHD) -> Endpoint:
    return Endpoint(host.address, host.port, host.user)


@pytest.fixture(params=[True, False], ids=["long-lived-shell", "session-per-command"])
def reuse_shell(request: pytest.FixtureRequest) -> bool:
    """Commands behave the same whether they go to a long-lived shell or a session of their own."""
    return bool(request.param)


def test_trusted_host_runs_a_command(sshd_hosts, known_hosts, client_key, reuse_shell):
    connector = make_connector(known_hosts, client_key, reuse_shell=reuse_shell)
    with connector.connect(endpoint(sshd_hosts["source"])) as session:
        result = session.run("printf '%s' \"$0\" ; echo; echo 中文 >&2; exit 3")
    assert result.exit_status == 3
    assert "中文" in result.stderr.decode()


def test_commands_of_a_session_share_one_long_lived_shell(sshd_hosts, known_hosts, client_key):
    with make_connector(known_hosts, client_key).connect(endpoint(sshd_hosts["source"])) as session:
        parents = {session.run("echo $PPID").text().strip() for _ in range(5)}
        private = session.run('dirname "$0"').text().strip()
        assert len(parents) == 1, "every command is a child of the same shell"
        assert Path(private).is_dir() and stat.S_IMODE(Path(private).stat().st_mode) == 0o700
    for _ in range(100):  # the shell sees its input close and removes its directory on exit
        if not Path(private).exists():
            break
        time.sleep(0.05)
    assert not Path(private).exists()


def test_binary_data_and_broken_commands_do_not_upset_the_shell(sshd_hosts, known_hosts, client_key):
    blob = bytes(range(256)) * 4096 + b"no newline at the end"
    with make_connector(known_hosts, client_key).connect(endpoint(sshd_hosts["target"])) as session:
        assert session.run("cat", stdin=blob).stdout == blob
        assert session.run("printf 'a\\0b'; printf 'x\\0y' >&2").stdout == b"a\0b"
        broken = session.run("echo 'unterminated")
        assert broken.exit_status != 0, "a syntax error fails that command only"
        assert session.run("echo still here").text() == "still here\n"


def test_unknown_host_key_is_refused(sshd_hosts, tmp_path, client_key):
    only_target = tmp_path / "known_hosts"
    only_target.write_text(sshd_hosts["target"].known_hosts_line())
    before = only_target.read_bytes()
    connector = make_connector(only_target, client_key)
    with pytest.raises(UnknownHostKey) as info:
        connector.connect(endpoint(sshd_hosts["source"]))
    assert "not in known_hosts" in str(info.value)
    assert not isinstance(info.value, ChangedHostKey)
    assert only_target.read_bytes() == before, "known_hosts must never be written"
    assert connector.stats.attempts == 1, "a host-key refusal is never retried"


def test_changed_host_key_is_refused_with_a_distinct_error(sshd_hosts, tmp_path, client_key):
    impostor = keygen(tmp_path / "impostor_key")
    kind, key = impostor.with_suffix(".pub").read_text().split()[:2]
    host = sshd_hosts["source"]
    forged = tmp_path / "known_hosts"
    forged.write_text(f"[{host.address}]:{host.port} {kind} {key}\n")
    before = forged.read_bytes()
    connector = make_connector(forged, client_key)
    with pytest.raises(ChangedHostKey) as info:
        connector.connect(endpoint(host))
    assert "HOST KEY CHANGED" in str(info.value)
    assert not isinstance(info.value, UnknownHostKey)
    assert forged.read_bytes() == before
    assert connector.stats.attempts == 1


def test_missing_known_hosts_file_refuses_and_creates_nothing(sshd_hosts, tmp_path, client_key):
    absent = tmp_path / "nowhere" / "known_hosts"
    with pytest.raises(UnknownHostKey):
        make_connector(absent, client_key).connect(endpoint(sshd_hosts["source"]))
    assert not absent.exists() and not absent.parent.exists()


def test_bad_authentication_is_not_retried(sshd_hosts, known_hosts, tmp_path):
    stranger = keygen(tmp_path / "not_authorized")
    host = sshd_hosts["source"]
    log_before = host.log.read_text(errors="replace").count("Connection from")
    connector = make_connector(known_hosts, stranger, attempts=5)
    with pytest.raises(AuthenticationFailed):
        connector.connect(endpoint(host))
    assert connector.stats.attempts == 1
    # The server saw exactly one connection too.
    assert host.log.read_text(errors="replace").count("Connection from") == log_before + 1


def test_refused_connection_is_retried_a_bounded_number_of_times(known_hosts, client_key):
    connector = make_connector(known_hosts, client_key, attempts=3)
    with pytest.raises(ConnectFailed):
        connector.connect(Endpoint("127.0.0.1", free_port(), "nobody"))
    assert connector.stats.attempts == 3


def test_sudo_needing_a_password_gives_a_clear_error(sshd_hosts, known_hosts, client_key, tmp_path):
    # A stand-in for sudo that behaves like `sudo -n` for an account without NOPASSWD.
    fake = sshd_hosts["source"].root / "fake-sudo"
    fake.write_text("#!/bin/sh\necho 'sudo: a password is required' >&2\nexit 1\n")
    fake.chmod(0o755)
    connector = make_connector(known_hosts, client_key, reuse_shell=reuse_shell)
    connector.sudo_command = str(fake)
    session = connector.connect(endpoint(sshd_hosts["source"]))
    with session, pytest.raises(SudoPasswordRequired) as info:
        session.run("systemctl stop fin-budget", sudo=True)
    assert "needs a password" in str(info.value) and "NOPASSWD" in str(info.value)


def test_sudo_runs_commands_non_interactively(sshd_hosts, known_hosts, client_key, reuse_shell):
    fake = sshd_hosts["source"].root / "fake-sudo-ok"
    fake.write_text('#!/bin/sh\n[ "$1" = -n ] || exit 99\nshift; [ "$1" = -- ] && shift\nexec "$@"\n')
    fake.chmod(0o755)
    connector = make_connector(known_hosts, client_key, reuse_shell=reuse_shell)
    connector.sudo_command = str(fake)
    with connector.connect(endpoint(sshd_hosts["source"])) as session:
        assert session.run("echo ok", sudo=True).text().strip() == "ok"


def test_command_timeout_is_enforced(sshd_hosts, known_hosts, client_key, reuse_shell):
    session = make_connector(known_hosts, client_key, reuse_shell=reuse_shell).connect(
        endpoint(sshd_hosts["target"])
    )
    with session:
        with pytest.raises(CommandTimeout):
            session.run("sleep 5", timeout=0.5)
        assert session.run("echo next").text() == "next\n", "the session goes on after a timeout"


def test_environment_reaches_the_command(sshd_hosts, known_hosts, client_key, reuse_shell):
    connector = make_connector(known_hosts, client_key, reuse_shell=reuse_shell)
    with connector.connect(endpoint(sshd_hosts["target"])) as session:
        out = session.run('printf %s "$APP_MODE"', env={"APP_MODE": 'it\'s "quoted" $x'}).text()
    assert out == 'it\'s "quoted" $x'


def host_fingerprint(host: LocalSSHD) -> str:
    import base64
    import hashlib

    blob = base64.b64decode(host.host_key.with_suffix(".pub").read_text().split()[1])
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


def test_fingerprint_from_the_stack_outputs_admits_a_host_not_in_known_hosts(
    sshd_hosts, tmp_path, client_key
):
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    host = sshd_hosts["target"]
    connector = make_connector(empty, client_key)
    with connector.connect(Endpoint(host.address, host.port, host.user, (host_fingerprint(host),))) as s:
        assert s.run("true").ok
    assert empty.read_text() == "", "still nothing is written"
    other = host_fingerprint(sshd_hosts["source"])
    with pytest.raises(ChangedHostKey, match="HOST KEY MISMATCH"):
        connector.connect(Endpoint(host.address, host.port, host.user, (other,)))


def test_secrets_travel_on_stdin_even_when_the_command_reads_stdin_itself(
    sshd_hosts, known_hosts, client_key, reuse_shell
):
    secret = "s3cret-value-on-stdin"
    connector = make_connector(known_hosts, client_key, reuse_shell=reuse_shell)
    with connector.connect(endpoint(sshd_hosts["target"])) as session:
        res = session.run(
            "cat; echo \"[$TOKEN]\"; tr '\\0' ' ' < /proc/$$/cmdline; ls /tmp | grep -c govcloud-env || true",
            env={"TOKEN": secret},
            stdin=b"payload\n",
        )
    out = res.text()
    assert out.startswith("payload\n") and f"[{secret}]" in out
    assert secret not in out.split("]", 1)[1], "not on the command line"


def test_more_parallel_commands_than_long_lived_shells_all_complete(sshd_hosts, known_hosts, client_key):
    from concurrent.futures import ThreadPoolExecutor

    from playbooks.ssh import MAX_SHELLS

    with make_connector(known_hosts, client_key).connect(endpoint(sshd_hosts["source"])) as session:
        n = MAX_SHELLS * 2
        with ThreadPoolExecutor(n) as pool:
            outs = list(pool.map(lambda i: session.run(f"sleep 0.3; echo {i}").text().strip(), range(n)))
        assert outs == [str(i) for i in range(n)]
        assert len({session.run("echo $PPID").text() for _ in range(3)}) == 1, "the shells are reused"

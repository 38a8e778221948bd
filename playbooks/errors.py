"""Errors of the playbooks: each failure kind is its own type so callers never parse messages."""

from __future__ import annotations

from foundation.errors import GovcloudError


class PlaybookError(GovcloudError):
    """Base of every playbook error; the message is already redacted when it leaves the runner."""


class TargetsError(PlaybookError):
    """A targets file that cannot be used: the message names file, system and field."""


class RenderError(PlaybookError):
    """A runbook that cannot be rendered for a system (no plan entry, no hosts, ...)."""


class SSHError(PlaybookError):
    """Anything that went wrong talking to a host over SSH."""


class HostKeyError(SSHError):
    """The host's key could not be trusted: the connection was refused before authenticating."""


class UnknownHostKey(HostKeyError):
    """The host is not in the known_hosts file: nothing is learnt automatically."""


class ChangedHostKey(HostKeyError):
    """The host presented a key different from the one in known_hosts: possible impersonation."""


class AuthenticationFailed(SSHError):
    """The host rejected our credentials; never retried (retrying can lock accounts)."""


class ConnectFailed(SSHError):
    """The TCP connection or SSH handshake failed (refused, reset, unreachable, timed out)."""


class ConnectionLost(SSHError):
    """An established connection dropped mid-operation: the run is interrupted, not failed."""


class LockLost(PlaybookError):
    """This controller no longer holds the system's lock: the run stops before its next step."""


class CommandTimeout(SSHError):
    """A remote command did not finish within its timeout."""


class CommandFailed(SSHError):
    """A remote command exited non-zero."""

    def __init__(self, message: str, exit_status: int = 1) -> None:
        super().__init__(message)
        self.exit_status = exit_status


class SudoPasswordRequired(CommandFailed):
    """`sudo -n` refused because the account needs a password for sudo."""


class VerificationFailed(PlaybookError):
    """Checksums of the target do not match the source manifest: cut-over is blocked (MLPS-4)."""

    def __init__(self, message: str, mismatched: list[str] | None = None) -> None:
        super().__init__(message)
        self.mismatched = mismatched or []


class StepFailed(PlaybookError):
    """A runbook step's action ran but its check still says 'not done'."""

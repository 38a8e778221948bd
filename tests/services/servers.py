"""The database servers of the test set-up live beside the private sshd (playbooks.localdb), so
the benchmarks use them too without importing the tests."""

from playbooks.localdb import (  # noqa: F401
    MariaDBServer,
    PostgresServer,
    ServerUnavailable,
    _private_dir,
    free_port,
)

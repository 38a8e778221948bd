"""Pytest fixtures for real database servers; any test area imports them:

    from tests.services.fixtures import postgres_server, mariadb_server  # noqa: F401

A missing server package skips locally and fails in CI (tests.conftest.service_unavailable).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.conftest import service_unavailable
from tests.services.servers import MariaDBServer, PostgresServer, ServerUnavailable


@pytest.fixture
def postgres_server() -> Iterator[Callable[[], PostgresServer]]:
    """Factory: a started PostgreSQL cluster (as many as the test asks for), stopped afterwards."""
    started: list[PostgresServer] = []

    def make() -> PostgresServer:
        try:
            server = PostgresServer().start()
        except ServerUnavailable as exc:
            service_unavailable(f"PostgreSQL: {exc}")
        started.append(server)
        return server

    yield make
    for s in started:
        s.stop()


@pytest.fixture
def mariadb_server() -> Iterator[Callable[..., MariaDBServer]]:
    """Factory: a started MariaDB server with binary logging (server_id= to tell them apart)."""
    started: list[MariaDBServer] = []

    def make(server_id: int = 1) -> MariaDBServer:
        try:
            server = MariaDBServer(server_id=server_id).start()
        except ServerUnavailable as exc:
            service_unavailable(f"MariaDB: {exc}")
        started.append(server)
        return server

    yield make
    for s in started:
        s.stop()

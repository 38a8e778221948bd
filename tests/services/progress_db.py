"""The progress database of a test, on each backend the product supports:

    from tests.services.progress_db import progress_postgres, progress_url  # noqa: F401

``progress_url`` is parametrized over ``sqlite`` (a file in the test's tmp_path) and
``postgresql`` (a fresh database on a real PostgreSQL server of the test set-up, one server per
test session and worker, dropped database by database). The PostgreSQL URL carries no
password: it is in PGPASSWORD, the way an operator passes it, so a URL on a command line or in
a message never holds a secret. A missing server skips locally and fails in CI.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import service_unavailable
from tests.services.servers import PostgresServer, ServerUnavailable

BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(scope="session")
def progress_postgres() -> Iterator[PostgresServer]:
    """One PostgreSQL server for the session's progress databases."""
    try:
        server = PostgresServer().start()
    except ServerUnavailable as exc:
        service_unavailable(f"PostgreSQL: {exc}")
    try:
        yield server
    finally:
        server.stop()


def postgres_database(server: PostgresServer) -> str:
    """A new empty database on *server*; its URL (no password: PGPASSWORD holds it)."""
    name = f"progress_{uuid.uuid4().hex[:16]}"
    server.sql(f"CREATE DATABASE {name};")
    return f"postgresql://postgres@127.0.0.1:{server.port}/{name}"


@pytest.fixture(params=BACKENDS)
def progress_url(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """The URL of an empty progress database on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'progress.db'}"
        return
    server: PostgresServer = request.getfixturevalue("progress_postgres")
    monkeypatch.setenv("PGPASSWORD", server.password)
    url = postgres_database(server)
    yield url
    name = url.rsplit("/", 1)[1]
    server.sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE);")

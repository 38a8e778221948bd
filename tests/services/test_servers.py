"""The shared database fixtures start real servers on loopback and answer queries."""

from __future__ import annotations

from tests.services.fixtures import mariadb_server, postgres_server  # noqa: F401


def test_postgres_fixture_serves_sql_over_loopback_with_a_password(postgres_server):  # noqa: F811
    pg = postgres_server()
    assert pg.sql("SELECT 40 + 2;") == "42"
    assert pg.sql("SELECT rolreplication FROM pg_roles WHERE rolname = 'replicator';") == "t"


def test_mariadb_fixture_serves_sql_with_binary_logging(mariadb_server):  # noqa: F811
    db = mariadb_server()
    assert db.sql("SELECT 40 + 2;") == "42"
    assert db.sql("SELECT @@log_bin;") == "1"

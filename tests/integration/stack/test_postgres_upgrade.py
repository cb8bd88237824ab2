"""A data folder from before the roles (``trust``, superuser-owned schemas) is upgraded by the
next ``mcr stack up``: passwords set, component roles made, default schemas handed over, and
``trust`` gone. Runs its own throwaway server on a free port."""

from __future__ import annotations

import shutil
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from deploy.local.postgres import Postgres, find_bin_dir
from deploy.local.settings import StackSettings


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def old_server() -> Iterator[Postgres]:
    """A server initialised the old way (``initdb -A trust``), running, with an MPI schema
    made by the superuser. Its folder is under /var/tmp: the postgres OS user cannot enter
    pytest's private tmp folders."""
    run_dir = Path(tempfile.mkdtemp(prefix="mcr-upgrade-", dir="/var/tmp"))
    run_dir.chmod(0o755)
    settings = StackSettings.from_env({"MCR_RUN_DIR": str(run_dir),
                                       "MCR_POSTGRES_PORT": str(_free_port()),
                                       "MCR_POSTGRES_DURABLE": "0"})  # fmt: skip
    server = Postgres(settings)
    server._ensure_home()
    made = server._as_owner([str(find_bin_dir() / "initdb"), "-D", str(server.data_dir),
                             "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-locale"])  # fmt: skip
    assert made.returncode == 0, made.stderr
    try:
        server.launch()
        assert server.wait_healthy(60).healthy
        trusted = f"host=127.0.0.1 port={settings.postgres_port} user=postgres dbname=mcr"
        with psycopg.connect(trusted, autocommit=True) as conn:
            conn.execute("CREATE SCHEMA mpi")
            conn.execute("CREATE TABLE mpi.persons (id bigserial PRIMARY KEY, v text)")
            conn.execute("INSERT INTO mpi.persons (v) VALUES ('before')")
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.home.resolve(), ignore_errors=True)
        shutil.rmtree(run_dir, ignore_errors=True)


def test_stack_up_upgrades_a_trusting_data_folder(old_server: Postgres) -> None:
    """After ``secure`` (what ``mcr stack up`` runs): no login without a password, the MPI
    belongs to the identity role with its old rows, and operators may change its rows."""
    settings = old_server.settings
    bare = f"host=127.0.0.1 port={settings.postgres_port} user=postgres dbname=mcr"
    psycopg.connect(bare, connect_timeout=5).close()  # trusted before

    old_server.secure()

    with pytest.raises(psycopg.OperationalError, match="password"):
        psycopg.connect(bare, connect_timeout=5)
    with psycopg.connect(settings.identity_dsn, autocommit=True) as conn:
        owners = conn.execute(
            "SELECT pg_get_userbyid(n.nspowner), pg_get_userbyid(c.relowner) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'mpi' "
            "AND c.relname = 'persons'"
        ).fetchone()
        conn.execute("ALTER TABLE mpi.persons ADD COLUMN IF NOT EXISTS w text")  # migrates
    assert owners == ("mcr_identity", "mcr_identity")
    with psycopg.connect(settings.operator_dsn, autocommit=True) as conn:
        conn.execute("INSERT INTO mpi.persons (v) VALUES ('after')")
        assert conn.execute("SELECT count(*) FROM mpi.persons").fetchone() == (2,)
    old_server.secure()  # idempotent: a second stack up changes nothing that matters
    with (
        psycopg.connect(settings.query_dsn) as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        conn.execute("SELECT * FROM mpi.persons")

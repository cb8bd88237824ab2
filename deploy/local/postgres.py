"""PostgreSQL from Debian's package, run as a non-root OS user on a project-local data folder.

No login is trusted: the data folder is made with SCRAM passwords for TCP and peer for the
``postgres`` OS user on the socket, and :meth:`Postgres.secure` (every ``mcr stack up``) sets
the component roles and rewrites ``pg_hba.conf`` (``deploy.local.postgres_roles``), which also
upgrades a data folder made before (``trust``).

The server refuses to run as root; when we are root we run it as the ``postgres`` user. If that
user cannot reach ``.run/`` (a private parent folder), the data lives in /var/tmp and
``.run/postgres`` links to it, so the documented path still holds.
"""

from __future__ import annotations

import hashlib
import os
import pwd
import shlex
import subprocess
from pathlib import Path

from deploy.local import process
from deploy.local.errors import RuntimeFetchError, ServiceStartError
from deploy.local.postgres_roles import ADMIN, HBA, ROLES, provision, set_admin_password
from deploy.local.service import Service

_DB = "mcr"
# Durable: what a deployment runs (a committed audit row or MPI link survives a crash). Fast:
# the test stack only, where the data is thrown away.
_DURABILITY = {
    True: "-c fsync=on -c synchronous_commit=on -c full_page_writes=on",
    False: "-c fsync=off -c synchronous_commit=off -c full_page_writes=off",
}


def find_bin_dir() -> Path:
    """The newest installed PostgreSQL server bin folder (Debian layout)."""
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if not candidates:
        raise RuntimeFetchError("PostgreSQL server not found: apt-get install -y postgresql")
    return candidates[-1].parent


class Postgres(Service):
    name = "postgres"

    @property
    def port(self) -> int:
        return self.settings.postgres_port

    @property
    def data_dir(self) -> Path:
        return self.home / "data"

    @property
    def socket_dir(self) -> Path:
        return self.home / "sock"

    @property
    def pid_file(self) -> Path:
        return self.data_dir / "postmaster.pid"

    def _as_owner(self, command: list[str]) -> subprocess.CompletedProcess[str]:
        """Run a server command as the non-root owner of the data folder."""
        if os.geteuid() == 0:
            command = ["su", "postgres", "-s", "/bin/sh", "-c", shlex.join(command)]
        return subprocess.run(command, capture_output=True, text=True, check=False)

    def _owner_can_reach(self, path: Path) -> bool:
        return self._as_owner(["test", "-w", str(path)]).returncode == 0

    def prepare(self) -> None:
        bin_dir = find_bin_dir()
        self._ensure_home()
        if not (self.data_dir / "PG_VERSION").exists():
            self._initdb(bin_dir)

    def _initdb(self, bin_dir: Path) -> None:
        # The superuser's password reaches initdb in a file only the postgres user can read,
        # removed straight after.
        password_file = self.home / "initdb.pw"
        descriptor = os.open(password_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(self.settings.postgres_password(ADMIN))
        if os.geteuid() == 0:
            self._chown_postgres(password_file)
        try:
            result = self._as_owner(
                [str(bin_dir / "initdb"), "-D", str(self.data_dir), "--auth-local=peer",
                 "--auth-host=scram-sha-256", f"--pwfile={password_file}", "-U", ADMIN,
                 "-E", "UTF8", "--no-locale"]
            )  # fmt: skip
        finally:
            password_file.unlink(missing_ok=True)
        if result.returncode != 0:
            raise ServiceStartError(f"initdb failed: {result.stderr.strip()}")

    def _write_hba(self) -> bool:
        """Our ``pg_hba.conf`` (no ``trust``); True when the file had to change."""
        hba = self.data_dir / "pg_hba.conf"
        if hba.exists() and hba.read_text() == HBA:
            return False
        hba.write_text(HBA)
        if os.geteuid() == 0:
            self._chown_postgres(hba)
        hba.chmod(0o600)
        return True

    @property
    def _admin_dsn(self) -> str:
        password = self.settings.postgres_password(ADMIN)
        return (
            f"host={self.settings.host} port={self.port} user={ADMIN} dbname=postgres "
            f"password={password}"
        )

    def secure(self) -> None:
        """Set the superuser's password and every component role, hand the default schemas
        to their owners, then load our ``pg_hba.conf`` (in that order: a server from before
        still trusts loopback until the passwords are in place).

        Raises ServiceStartError when the superuser's password is refused (a data folder made
        with another password: remove ``.run/postgres`` to start afresh).
        """
        import psycopg  # noqa: PLC0415 - only the stack's bootstrap needs it

        passwords = {role.name: self.settings.postgres_password(role.name) for role in ROLES}
        try:
            with psycopg.connect(self._admin_dsn, connect_timeout=5, autocommit=True) as conn:
                set_admin_password(conn, self.settings.postgres_password(ADMIN))
            dsn = self._admin_dsn.replace("dbname=postgres", f"dbname={_DB}")
            with psycopg.connect(dsn, connect_timeout=5, autocommit=True) as conn:
                provision(conn, passwords)
                if self._write_hba():
                    conn.execute("SELECT pg_reload_conf()")
        except psycopg.OperationalError as exc:
            raise ServiceStartError(
                f"PostgreSQL refused the stack's superuser login ({type(exc).__name__}): a data "
                f"folder made with another password? Stop it and remove {self.home} to start "
                f"afresh; see {self.log_file}"
            ) from exc

    def _ensure_home(self) -> None:
        if os.geteuid() != 0:
            self.socket_dir.mkdir(parents=True, exist_ok=True)
            return
        self.settings.run_dir.mkdir(parents=True, exist_ok=True)
        if not self.home.exists():
            self.home.mkdir()
            self._chown_postgres(self.home)
            if not self._owner_can_reach(self.home):
                self.home.rmdir()
                tag = hashlib.sha256(str(self.home).encode()).hexdigest()[:12]
                # Not a temp file: a stable, per-checkout data folder the postgres user can enter.
                outside = Path("/var/tmp") / f"mcr-postgres-{tag}"  # noqa: S108
                outside.mkdir(exist_ok=True)
                self._chown_postgres(outside)
                self.home.symlink_to(outside)
        self.socket_dir.mkdir(exist_ok=True)
        self._chown_postgres(self.socket_dir)

    @staticmethod
    def _chown_postgres(path: Path) -> None:
        user = pwd.getpwnam("postgres")
        os.chown(path, user.pw_uid, user.pw_gid)

    def launch(self) -> None:
        bin_dir = find_bin_dir()
        options = (
            f"-p {self.port} -k {self.socket_dir} -c listen_addresses={self.settings.host} "
            f"-c max_connections=200 {_DURABILITY[self.settings.postgres_durable]}"
        )
        result = self._as_owner(
            [
                str(bin_dir / "pg_ctl"),
                "-D",
                str(self.data_dir),
                "-o",
                options,
                "-l",
                str(self.log_file),
                "start",
            ]
        )
        if result.returncode != 0:
            raise ServiceStartError(
                f"pg_ctl start failed: {result.stderr.strip()}; see {self.log_file}"
            )

    def probe(self) -> tuple[bool, str]:
        """Healthy when a query answers; creates the application database on first contact."""
        import psycopg  # noqa: PLC0415 - only the probe needs it

        try:
            with psycopg.connect(self._admin_dsn, connect_timeout=2, autocommit=True) as conn:
                version = conn.execute("SHOW server_version").fetchone()
                exists = conn.execute(
                    "SELECT 1 FROM pg_database WHERE datname = %s", (_DB,)
                ).fetchone()
                if exists is None:
                    conn.execute(f"CREATE DATABASE {_DB}")
        except psycopg.Error as exc:
            if "password authentication failed" in str(exc):
                return False, (
                    "the superuser's password is refused: a data folder made with another "
                    f"password? stop it and remove {self.home}"
                )
            return False, f"no answer on {self.settings.host}:{self.port} ({type(exc).__name__})"
        return True, f"PostgreSQL {version[0] if version else '?'}, database {_DB}"

    def stale(self) -> bool:
        """True when durability is asked for and the running server has fsync off (started by
        the test stack): it must be restarted before it holds data that matters."""
        import psycopg  # noqa: PLC0415 - only the probe needs it

        if not self.settings.postgres_durable:
            return False
        try:
            with psycopg.connect(self._admin_dsn, connect_timeout=2, autocommit=True) as conn:
                found = conn.execute("SHOW fsync").fetchone()
        except psycopg.Error:
            return False
        return found is not None and found[0] != "on"

    def stop(self) -> None:
        if self.pid() is None:
            return
        result = self._as_owner(
            [str(find_bin_dir() / "pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "-w", "stop"]
        )
        pid = self.pid()
        if result.returncode != 0 and pid is not None:
            process.terminate(pid)

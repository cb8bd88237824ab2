"""Keycloak, the local OpenID Connect identity provider, with the ``mcr`` realm imported at start.

The distribution zip comes from Maven Central and is unpacked once into the cache; each run
folder (``.run/keycloak``) gets its own copy of it (the jars hard-linked), because Keycloak
keeps its build output, its H2 database and its import folder inside its home folder.

``start-dev`` (HTTP on loopback, embedded H2) is for this local stack only: see docs/auth.md for
what a deployment changes. The bootstrap admin password is generated at first start into
``.run/keycloak/admin-password`` (mode 0600); nothing secret is committed.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import stat
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

from deploy.local import process, runtimes
from deploy.local.errors import RuntimeFetchError
from deploy.local.service import Service
from deploy.local.settings import KEYCLOAK_REALM, KEYCLOAK_VERSION

REALM_FILE = Path(__file__).with_name("keycloak") / f"realm-{KEYCLOAK_REALM}.json"
ADMIN_USER = "mcr-admin"
_ARTIFACT = f"org.keycloak:keycloak-quarkus-dist:{KEYCLOAK_VERSION}:zip"
_DIST = f"keycloak-{KEYCLOAK_VERSION}"


def unpack(archive: Path, dest: Path) -> None:
    """Unzip ``archive`` into ``dest`` keeping the executable bits (zipfile drops them)."""
    with zipfile.ZipFile(archive) as zipped:
        for info in zipped.infolist():
            target = Path(zipped.extract(info, dest))
            mode = info.external_attr >> 16
            if mode & stat.S_IXUSR:
                target.chmod(target.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


def _link_or_copy(src: str, dst: str) -> object:
    """Hard-link a file that Keycloak never writes; copy it when linking is not possible."""
    try:
        os.link(src, dst)
    except OSError:
        return shutil.copy2(src, dst)
    return dst


class Keycloak(Service):
    name = "keycloak"

    @property
    def port(self) -> int:
        return self.settings.keycloak_port

    @property
    def runtime_dir(self) -> Path:
        """The pristine unpacked distribution, shared by every checkout through the cache."""
        return self.settings.cache_dir / _DIST

    @property
    def dist(self) -> Path:
        """This checkout's copy of the distribution (Keycloak writes into its home folder)."""
        return self.home / _DIST

    @property
    def password_file(self) -> Path:
        return self.home / "admin-password"

    def prepare(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        self._fetch()
        if not runtimes.is_complete(self.dist, KEYCLOAK_VERSION):
            shutil.rmtree(self.dist, ignore_errors=True)
            self._copy_dist()
            runtimes.mark_complete(self.dist, KEYCLOAK_VERSION)
        self._import_realm()
        self.admin_password()

    def _fetch(self) -> None:
        folder = self.runtime_dir
        if runtimes.is_complete(folder, KEYCLOAK_VERSION):
            return
        staging = folder.with_name(folder.name + ".partial")
        shutil.rmtree(staging, ignore_errors=True)
        archive = runtimes.copy_artifact(_ARTIFACT, staging, log_file=self.home / "fetch.log")
        unpack(archive, staging)
        archive.unlink()
        shutil.rmtree(folder, ignore_errors=True)
        (staging / _DIST).rename(folder)
        shutil.rmtree(staging)
        runtimes.mark_complete(folder, KEYCLOAK_VERSION)

    def _copy_dist(self) -> None:
        """Copy the distribution; the library jars (``lib/lib``, never written) are linked."""
        jars = self.runtime_dir / "lib" / "lib"

        def skip_jars(folder: str, names: list[str]) -> set[str]:
            return {"lib"} if Path(folder) == jars.parent else set()

        shutil.copytree(self.runtime_dir, self.dist, ignore=skip_jars)
        shutil.copytree(jars, self.dist / "lib" / "lib", copy_function=_link_or_copy)

    def stale(self) -> bool:
        """True when the realm file changed since this server imported it."""
        return not self._realm_is_current()

    def _realm_is_current(self) -> bool:
        return runtimes.is_complete(self.dist / "data", runtimes.recipe_hash(REALM_FILE))

    def _import_realm(self) -> None:
        """Place the realm file for ``--import-realm``; a changed file starts a fresh database.

        Keycloak imports a realm only when it does not exist yet, so an edited realm file would
        otherwise be ignored: a server running the old realm is stopped and its H2 data dropped.
        """
        data = self.dist / "data"
        if not self._realm_is_current():
            self.stop()
            shutil.rmtree(data, ignore_errors=True)
            (data / "import").mkdir(parents=True)
            runtimes.mark_complete(data, runtimes.recipe_hash(REALM_FILE))
        shutil.copy2(REALM_FILE, data / "import" / REALM_FILE.name)

    def admin_password(self) -> str:
        """The bootstrap admin password: generated once, kept in a 0600 file under .run/."""
        file = self.password_file
        if not file.exists():
            fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_urlsafe(24) + "\n")
        return file.read_text().strip()

    def launch(self) -> None:
        if shutil.which("java") is None:
            raise RuntimeFetchError("java not found: install a JDK 17")
        s = self.settings
        env = {
            **os.environ,
            "KC_BOOTSTRAP_ADMIN_USERNAME": ADMIN_USER,
            "KC_BOOTSTRAP_ADMIN_PASSWORD": self.admin_password(),
            "JAVA_OPTS_KC_HEAP": "-Xms64m -Xmx512m",
        }
        argv = [
            str(self.dist / "bin" / "kc.sh"),
            "start-dev",
            f"--http-host={s.host}",
            f"--http-port={s.keycloak_port}",
            "--import-realm",
        ]
        process.spawn(argv, log_file=self.log_file, pid_file=self.pid_file, cwd=self.home, env=env)

    def probe(self) -> tuple[bool, str]:
        """Healthy when the realm's OIDC discovery document answers with our issuer."""
        issuer = self.settings.auth_issuer
        url = f"{issuer}/.well-known/openid-configuration"
        try:
            with urllib.request.urlopen(url, timeout=3) as response:  # noqa: S310 - our loopback URL
                discovery = json.load(response)
        except (OSError, urllib.error.URLError, ValueError) as exc:
            return False, f"no OIDC discovery on {url} ({type(exc).__name__})"
        if discovery.get("issuer") != issuer:
            return False, f"discovery names another issuer than {issuer}"
        return True, f"Keycloak {KEYCLOAK_VERSION}, realm {KEYCLOAK_REALM}"

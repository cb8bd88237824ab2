"""OpenSearch 2.19 single node, run in-process by our small Java launcher (see Launcher.java),
with the security plugin: TLS on HTTP and the transport (a local CA,
``deploy.local.opensearch_tls``), a user per component with basic authentication inside TLS,
nobody anonymous (``deploy.local.opensearch_security``).
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import ssl
import urllib.error
import urllib.request
import zipfile
from pathlib import Path
from typing import Any

import yaml

from deploy.local import process, runtimes
from deploy.local.errors import RuntimeFetchError, ServiceStartError
from deploy.local.opensearch_security import (
    ADMIN,
    USERS,
    node_settings,
    role_mappings,
    roles,
    security_files,
)
from deploy.local.opensearch_tls import ensure_certificates
from deploy.local.service import Service
from deploy.local.settings import OPENSEARCH_VERSION

_PROJECT = Path(__file__).with_name("opensearch")
_POM = _PROJECT / "pom.xml"
_SOURCE = _PROJECT / "src" / "main" / "java" / "mcr" / "opensearch" / "Launcher.java"
_LOG4J = """\
status = error
appender.file.type = File
appender.file.name = file
appender.file.fileName = ${sys:opensearch.logs.base_path}/${sys:opensearch.logs.cluster_name}.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d{ISO8601}][%-5p][%-25c{1.}] %m%n
rootLogger.level = info
rootLogger.appenderRef.file.ref = file
logger.deprecation.name = org.opensearch.deprecation
logger.deprecation.level = error
"""
# The newest 2.19 security plugin on Maven Central (2.19.5.0 and 2.19.6.0 are not published).
# As a classpath plugin its descriptor's version is not checked; it loads on 2.19.6.
SECURITY_PLUGIN = "org.opensearch.plugin:opensearch-security:2.19.4.0:zip"
SECURITY_CLASS = "org.opensearch.security.OpenSearchSecurityPlugin"
_VERSIONED = re.compile(r"-[0-9][^-]*?(\.Final|-jre)?\.jar$")


def _artifact(jar: str) -> str:
    """``netty-common-4.1.125.Final.jar`` -> ``netty-common``."""
    return _VERSIONED.sub("", jar)


class OpenSearch(Service):
    name = "opensearch"

    @property
    def port(self) -> int:
        return self.settings.opensearch_port

    @property
    def runtime_dir(self) -> Path:
        # One folder per launcher recipe: stacks of other checkouts keep running on theirs.
        recipe = runtimes.recipe_hash(_POM, _SOURCE)
        return self.settings.cache_dir / f"opensearch-{OPENSEARCH_VERSION}-{recipe}"

    @property
    def security_dir(self) -> Path:
        """The security plugin's jars that the launcher's classpath does not already hold."""
        return self.settings.cache_dir / f"opensearch-security-{SECURITY_PLUGIN.split(':')[2]}"

    def prepare(self) -> None:
        recipe = runtimes.recipe_hash(_POM, _SOURCE)
        folder = self.runtime_dir
        fetch_log = self.home / "fetch.log"
        if not runtimes.is_complete(folder, recipe):
            folder.mkdir(parents=True, exist_ok=True)
            jar = runtimes.package_jar(_POM, build_dir=folder / "build", log_file=fetch_log)
            shutil.copy2(jar, folder / "launcher.jar")
            runtimes.copy_dependencies(_POM, folder / "libs", log_file=fetch_log)
            runtimes.mark_complete(folder, recipe)
        if not runtimes.is_complete(self.security_dir, SECURITY_PLUGIN):
            self._fetch_security(folder / "libs", fetch_log)
        config = self.home / "config"
        config.mkdir(parents=True, exist_ok=True)
        (config / "log4j2.properties").write_text(_LOG4J)
        self._write_security(config)

    def _fetch_security(self, libs: Path, fetch_log: Path) -> None:
        """The plugin's zip from Maven Central, unpacked without the jars (netty, the HTTP
        client, our own modules) the launcher already has in newer versions."""
        folder = self.security_dir
        shutil.rmtree(folder, ignore_errors=True)
        archive = runtimes.copy_artifact(SECURITY_PLUGIN, folder / "download", log_file=fetch_log)
        have = {_artifact(jar.name) for jar in libs.glob("*.jar")}
        (folder / "libs").mkdir()
        with zipfile.ZipFile(archive) as zipped:
            for name in zipped.namelist():
                if name.endswith(".jar") and "/" not in name and _artifact(name) not in have:
                    (folder / "libs" / name).write_bytes(zipped.read(name))
        runtimes.mark_complete(folder, SECURITY_PLUGIN)

    def _write_security(self, config: Path) -> None:
        """Certificates, node settings and the users (their password hashes are written once:
        the plugin reads the files only to initialise its index, on the first start)."""
        import bcrypt  # noqa: PLC0415 - only the stack's bootstrap hashes passwords

        ensure_certificates(config)
        (config / "opensearch.yml").write_text(yaml.safe_dump(node_settings(http_tls=True)))
        folder = config / "opensearch-security"
        if (folder / "internal_users.yml").exists():
            return
        hashes = {user: bcrypt.hashpw(self.settings.opensearch_password(user).encode(),
                                      bcrypt.gensalt(12)).decode() for user in USERS}  # fmt: skip
        folder.mkdir(exist_ok=True)
        for name, text in security_files(hashes).items():
            descriptor = os.open(folder / name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "w") as handle:
                handle.write(text)

    def launch(self) -> None:
        java = shutil.which("java")
        if java is None:
            raise RuntimeFetchError("java not found: install a JDK 17")
        s = self.settings
        classpath = (f"{self.runtime_dir / 'launcher.jar'}:{self.runtime_dir / 'libs'}/*:"
                     f"{self.security_dir / 'libs'}/*")  # fmt: skip
        argv = [
            java,
            "-Xms1g",
            "-Xmx1g",
            "-XX:+UseG1GC",
            "-Djava.awt.headless=true",
            "-Dfile.encoding=UTF-8",
            "-Dio.netty.noUnsafe=true",
            "-Dio.netty.recycler.maxCapacityPerThread=0",
            f"-Dmcr.os.home={self.home}",
            f"-Dmcr.os.host={s.host}",
            f"-Dmcr.os.http_port={s.opensearch_port}",
            f"-Dmcr.os.transport_port={s.opensearch_transport_port}",
            f"-Dmcr.os.plugins={SECURITY_CLASS}",
            "-cp",
            classpath,
            "mcr.opensearch.Launcher",
        ]
        process.spawn(argv, log_file=self.log_file, pid_file=self.pid_file, cwd=self.home)

    def _open(self, request: urllib.request.Request, timeout_s: float) -> Any:
        """``urlopen`` verifying the node's certificate against the local CA."""
        context = ssl.create_default_context(cafile=str(self.settings.opensearch_ca_file))
        return urllib.request.urlopen(request, timeout=timeout_s, context=context)  # noqa: S310

    def _get(self, path: str, *, user: str | None) -> urllib.request.Request:
        url = f"{self.settings.opensearch_address}{path}"  # https on loopback, never input
        request = urllib.request.Request(url)  # noqa: S310
        if user is not None:
            token = f"{user}:{self.settings.opensearch_password(user)}".encode()
            request.add_header("Authorization", f"Basic {base64.b64encode(token).decode()}")
        return request

    def probe(self) -> tuple[bool, str]:
        """Healthy when cluster health answers yellow or green (to the admin)."""
        request = self._get("/_cluster/health?timeout=1s", user=ADMIN)
        try:
            with self._open(request, 3) as response:
                health = json.load(response)
        except (OSError, urllib.error.URLError, ValueError) as exc:
            url = self.settings.opensearch_address
            return False, f"no cluster health answer on {url} ({type(exc).__name__})"
        status = health.get("status", "unknown")
        return status in {
            "green",
            "yellow",
        }, f"cluster {status}, {health.get('number_of_nodes')} node"

    def secure(self) -> None:
        """Bring our roles and their users up to date through the admin's REST API (the files
        only initialise the security index, on the first start). Raises ServiceStartError when
        the admin is refused."""
        api = "/_plugins/_security/api"
        changes = [(f"{api}/roles/{name}", body) for name, body in roles().items()]
        changes += [(f"{api}/rolesmapping/{name}", body) for name, body in role_mappings().items()
                    if name != "all_access"]  # fmt: skip
        for path, body in changes:
            request = self._get(path, user=ADMIN)
            request.method = "PUT"
            request.data = json.dumps(body).encode()
            request.add_header("Content-Type", "application/json")
            try:
                with self._open(request, 10):
                    pass
            except (OSError, urllib.error.URLError) as exc:
                raise ServiceStartError(
                    f"OpenSearch security: {path} not updated ({type(exc).__name__}); see "
                    f"{self.log_file}"
                ) from exc

    def _plain(self, path: str) -> urllib.request.Request:
        url = f"http://{self.settings.host}:{self.settings.opensearch_port}{path}"
        return urllib.request.Request(url)

    def stale(self) -> bool:
        """True when the running node answers plain HTTP without credentials (started before
        the security plugin, or without TLS on HTTP): it is restarted with it."""
        try:
            with urllib.request.urlopen(self._plain("/"), timeout=3):  # noqa: S310 - loopback
                return True
        except urllib.error.HTTPError:
            return True  # an HTTP answer (401 included) on plain HTTP: no TLS there
        except (OSError, urllib.error.URLError):
            return False

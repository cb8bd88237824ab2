"""OpenSearch 2.19 single node, run in-process by our small Java launcher (see Launcher.java)."""

from __future__ import annotations

import json
import shutil
import urllib.error
import urllib.request
from pathlib import Path

from deploy.local import process, runtimes
from deploy.local.errors import RuntimeFetchError
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


class OpenSearch(Service):
    name = "opensearch"

    @property
    def port(self) -> int:
        return self.settings.opensearch_port

    @property
    def runtime_dir(self) -> Path:
        return self.settings.cache_dir / f"opensearch-{OPENSEARCH_VERSION}"

    def prepare(self) -> None:
        recipe = runtimes.recipe_hash(_POM, _SOURCE)
        folder = self.runtime_dir
        if not runtimes.is_complete(folder, recipe):
            folder.mkdir(parents=True, exist_ok=True)
            fetch_log = self.home / "fetch.log"
            jar = runtimes.package_jar(_POM, build_dir=folder / "build", log_file=fetch_log)
            shutil.copy2(jar, folder / "launcher.jar")
            runtimes.copy_dependencies(_POM, folder / "libs", log_file=fetch_log)
            runtimes.mark_complete(folder, recipe)
        config = self.home / "config"
        config.mkdir(parents=True, exist_ok=True)
        (config / "log4j2.properties").write_text(_LOG4J)

    def launch(self) -> None:
        java = shutil.which("java")
        if java is None:
            raise RuntimeFetchError("java not found: install a JDK 17")
        s = self.settings
        classpath = f"{self.runtime_dir / 'launcher.jar'}:{self.runtime_dir / 'libs'}/*"
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
            "-cp",
            classpath,
            "mcr.opensearch.Launcher",
        ]
        process.spawn(argv, log_file=self.log_file, pid_file=self.pid_file, cwd=self.home)

    def probe(self) -> tuple[bool, str]:
        """Healthy when cluster health answers yellow or green."""
        url = f"{self.settings.opensearch_url}/_cluster/health?timeout=1s"
        try:
            with urllib.request.urlopen(url, timeout=3) as response:  # noqa: S310 - our loopback URL
                health = json.load(response)
        except (OSError, urllib.error.URLError, ValueError) as exc:
            url = self.settings.opensearch_url
            return False, f"no cluster health answer on {url} ({type(exc).__name__})"
        status = health.get("status", "unknown")
        return status in {
            "green",
            "yellow",
        }, f"cluster {status}, {health.get('number_of_nodes')} node"

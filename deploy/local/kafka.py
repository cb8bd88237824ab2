"""Apache Kafka 4.x in KRaft mode: one combined broker and controller, jars from Maven Central."""

from __future__ import annotations

import base64
import shutil
import subprocess
import uuid
from pathlib import Path

from deploy.local import process, runtimes
from deploy.local.errors import RuntimeFetchError
from deploy.local.service import Service
from deploy.local.settings import KAFKA_VERSION

_POM = Path(__file__).with_name("kafka") / "pom.xml"
_LOG4J = """\
status = error
appender.file.type = File
appender.file.name = file
appender.file.fileName = {log}
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = file
logger.kafka.name = kafka
logger.kafka.level = WARN
logger.apache.name = org.apache.kafka
logger.apache.level = WARN
"""


class Kafka(Service):
    name = "kafka"

    @property
    def port(self) -> int:
        return self.settings.kafka_port

    @property
    def libs(self) -> Path:
        return self.settings.cache_dir / f"kafka-{KAFKA_VERSION}" / "libs"

    @property
    def properties_file(self) -> Path:
        return self.home / "server.properties"

    def server_properties(self) -> str:
        """The broker's configuration: loopback only, replication 1, data under .run/kafka."""
        s = self.settings
        lines = {
            "process.roles": "broker,controller",
            "node.id": "1",
            "controller.quorum.voters": f"1@{s.host}:{s.kafka_controller_port}",
            "listeners": f"PLAINTEXT://{s.host}:{s.kafka_port},CONTROLLER://{s.host}:{s.kafka_controller_port}",
            "advertised.listeners": f"PLAINTEXT://{s.host}:{s.kafka_port}",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            "log.dirs": str(self.home / "data"),
            "num.partitions": "4",
            "offsets.topic.replication.factor": "1",
            "offsets.topic.num.partitions": "8",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "share.coordinator.state.topic.replication.factor": "1",
            "share.coordinator.state.topic.min.isr": "1",
            "group.initial.rebalance.delay.ms": "0",
            "auto.create.topics.enable": "true",
            # The log is our system of record: keep source topics unless told otherwise.
            "log.retention.hours": "-1",
            "log.cleaner.dedupe.buffer.size": "33554432",
        }
        return "".join(f"{key}={value}\n" for key, value in lines.items())

    def prepare(self) -> None:
        recipe = runtimes.recipe_hash(_POM)
        folder = self.libs.parent
        if not runtimes.is_complete(folder, recipe):
            folder.mkdir(parents=True, exist_ok=True)
            runtimes.copy_dependencies(_POM, self.libs, log_file=self.home / "fetch.log")
            runtimes.mark_complete(folder, recipe)
        self.home.mkdir(parents=True, exist_ok=True)
        self.properties_file.write_text(self.server_properties())
        (self.home / "log4j2.properties").write_text(_LOG4J.format(log=self.home / "server.log"))
        if not (self.home / "data" / "meta.properties").exists():
            self._format_storage()

    def _java(self) -> str:
        java = shutil.which("java")
        if java is None:
            raise RuntimeFetchError(
                "java not found: install a JDK 17 (apt-get install openjdk-17-jre-headless)"
            )
        return java

    def _format_storage(self) -> None:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        result = subprocess.run(
            [
                self._java(),
                "-cp",
                f"{self.libs}/*",
                *self._log_flags(),
                "kafka.tools.StorageTool",
                "format",
                "-t",
                cluster_id,
                "-c",
                str(self.properties_file),
                "--ignore-formatted",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeFetchError(f"kafka storage format failed: {result.stdout}{result.stderr}")

    def _log_flags(self) -> list[str]:
        return [f"-Dlog4j2.configurationFile={self.home / 'log4j2.properties'}"]

    def launch(self) -> None:
        argv = [
            self._java(),
            "-Xms512m",
            "-Xmx1g",
            "-XX:+UseG1GC",
            *self._log_flags(),
            "-cp",
            f"{self.libs}/*",
            "kafka.Kafka",
            str(self.properties_file),
        ]
        process.spawn(argv, log_file=self.log_file, pid_file=self.pid_file, cwd=self.home)

    def probe(self) -> tuple[bool, str]:
        """Healthy when the broker answers a metadata request."""
        from confluent_kafka.admin import AdminClient  # noqa: PLC0415 - only the probe needs it

        admin = AdminClient(
            {
                "bootstrap.servers": self.settings.kafka_bootstrap,
                "log_level": 0,
                "socket.connection.setup.timeout.ms": 1000,
            }
        )
        try:
            metadata = admin.list_topics(timeout=2)
        except Exception as exc:
            return (
                False,
                f"no metadata answer on {self.settings.kafka_bootstrap} ({type(exc).__name__})",
            )
        return True, f"{len(metadata.brokers)} broker, {len(metadata.topics)} topics"

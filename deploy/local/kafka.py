"""Apache Kafka 4.x in KRaft mode: one combined broker and controller, jars from Maven Central.

Secured as a deployment would be (docs/security.md): the client listener speaks SASL/SCRAM-SHA-512
over TLS, the controller listener TLS with a client certificate (only the broker's own), and the
StandardAuthorizer denies whatever no ACL allows. The admin and broker SCRAM users are written
into the metadata when the storage is formatted (``--add-scram`` from an argument file, so no
password is ever on a command line); the other principals are made by ``mcr stack up``.
"""

from __future__ import annotations

import base64
import shutil
import subprocess
import uuid
from pathlib import Path

from deploy.local import process, runtimes
from deploy.local.errors import RuntimeFetchError, StackError
from deploy.local.secrets import ensure_password, write_private
from deploy.local.service import Service
from deploy.local.settings import KAFKA_VERSION
from deploy.local.tls import BROKER_COMMON_NAME, ensure_broker_tls
from mcr.core.kafka_acls import ADMIN, BROKER
from mcr.core.kafka_client import SCRAM_MECHANISM

_POM = Path(__file__).with_name("kafka") / "pom.xml"
_SECURED_MARKER = "mcr-secured"  # in the data folder: formatted with the SCRAM users
_SCRAM_LOGIN = "org.apache.kafka.common.security.scram.ScramLoginModule"
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

    @property
    def data_dir(self) -> Path:
        return self.home / "data"

    def server_properties(self) -> str:
        """The broker's configuration: loopback only, replication 1, data under .run/kafka,
        SASL_SSL for clients, mTLS for the controller, ACLs on (holds the broker's password:
        the file is 0600)."""
        s = self.settings
        secrets = s.kafka_secrets_dir
        broker_password = s.kafka_password_file(BROKER).read_text().strip()
        client, controller = f"{s.host}:{s.kafka_port}", f"{s.host}:{s.kafka_controller_port}"
        listeners, advertised = (
            [f"CLIENT://{client}", f"CONTROLLER://{controller}"],
            [f"CLIENT://{client}"],
        )
        protocols = ["CONTROLLER:SSL", "CLIENT:SASL_SSL"]
        if s.kafka_bench_plaintext_port is not None:  # benchmark comparison only (opt-in)
            bench = f"BENCH://{s.host}:{s.kafka_bench_plaintext_port}"
            listeners, advertised = [*listeners, bench], [*advertised, bench]
            protocols.append("BENCH:PLAINTEXT")
        lines = {
            "process.roles": "broker,controller",
            "node.id": "1",
            "controller.quorum.voters": f"1@{controller}",
            "listeners": ",".join(listeners),
            "advertised.listeners": ",".join(advertised),
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "CLIENT",
            "listener.security.protocol.map": ",".join(protocols),
            "sasl.enabled.mechanisms": SCRAM_MECHANISM,
            "sasl.mechanism.inter.broker.protocol": SCRAM_MECHANISM,
            "listener.name.client.scram-sha-512.sasl.jaas.config": (
                f'{_SCRAM_LOGIN} required username="{BROKER}" password="{broker_password}";'
            ),
            "ssl.keystore.type": "PEM",
            "ssl.keystore.location": str(secrets / "broker.pem"),
            "ssl.truststore.type": "PEM",
            "ssl.truststore.location": str(s.kafka_ca_file),
            "ssl.enabled.protocols": "TLSv1.3,TLSv1.2",
            # Only a certificate of our CA may speak to the controller: the broker's own.
            "listener.name.controller.ssl.client.auth": "required",
            "ssl.principal.mapping.rules": "RULE:^CN=([a-zA-Z0-9.-]+),.*$/$1/,DEFAULT",
            "authorizer.class.name": "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
            "allow.everyone.if.no.acl.found": "false",
            "super.users": f"User:{ADMIN};User:{BROKER_COMMON_NAME}",
            "log.dirs": str(self.data_dir),
            "num.partitions": "4",
            "offsets.topic.replication.factor": "1",
            "offsets.topic.num.partitions": "8",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "share.coordinator.state.topic.replication.factor": "1",
            "share.coordinator.state.topic.min.isr": "1",
            "group.initial.rebalance.delay.ms": "0",
            # Only a principal with CREATE on a topic can have it auto-created (the admin;
            # the streams worker for its own internal topics), never an organisation.
            "auto.create.topics.enable": "true",
            # The log is our system of record: keep source topics unless told otherwise.
            "log.retention.hours": "-1",
            "log.cleaner.dedupe.buffer.size": "33554432",
        }
        return "".join(f"{key}={value}\n" for key, value in lines.items())

    def prepare(self) -> None:
        """Fetch the jars, make the TLS material and passwords, write the properties, format
        the storage with the SCRAM users once. Raises StackError for a data folder formatted
        before Kafka security (checked first: no download for a stack that cannot start)."""
        formatted = (self.data_dir / "meta.properties").exists()
        if formatted and not (self.data_dir / _SECURED_MARKER).exists():
            raise StackError(
                f"Kafka data in {self.data_dir} was made before Kafka security (SASL/TLS, "
                f"ACLs) and cannot be upgraded in place: stop the stack and remove "
                f"{self.home} to start from empty topics (mcr stack down; rm -rf {self.home})"
            )
        recipe = runtimes.recipe_hash(_POM)
        folder = self.libs.parent
        if not runtimes.is_complete(folder, recipe):
            folder.mkdir(parents=True, exist_ok=True)
            runtimes.copy_dependencies(_POM, self.libs, log_file=self.home / "fetch.log")
            runtimes.mark_complete(folder, recipe)
        self.home.mkdir(parents=True, exist_ok=True)
        secrets = self.settings.kafka_secrets_dir
        ensure_broker_tls(secrets, host=self.settings.host)
        for user in (ADMIN, BROKER):
            ensure_password(self.settings.kafka_password_file(user))
        write_private(self.properties_file, self.server_properties().encode())
        (self.home / "log4j2.properties").write_text(_LOG4J.format(log=self.home / "server.log"))
        if not formatted:
            self._format_storage()

    def _java(self) -> str:
        java = shutil.which("java")
        if java is None:
            raise RuntimeFetchError(
                "java not found: install a JDK 17 (apt-get install openjdk-17-jre-headless)"
            )
        return java

    def _format_storage(self) -> None:
        """Format the metadata log with the admin and broker SCRAM users. The passwords go in
        a 0600 java argument file (``@file``), never on the command line."""
        cluster_id = "-"
        while cluster_id.startswith("-"):  # the tool would read "-..." as an option (1 in 64)
            cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        scram = [
            f"SCRAM-SHA-512=[name={user},password={self._password(user)}]"
            for user in (ADMIN, BROKER)
        ]
        arguments = ["kafka.tools.StorageTool", "format", "-t", cluster_id, "-c",
                     str(self.properties_file), "--ignore-formatted"]  # fmt: skip
        for entry in scram:
            arguments += ["--add-scram", entry]
        argfile = write_private(self.home / "format.args", "\n".join(arguments).encode())
        try:
            result = subprocess.run(
                [self._java(), "-cp", f"{self.libs}/*", *self._log_flags(), f"@{argfile}"],
                capture_output=True,
                text=True,
                check=False,
            )
        finally:
            argfile.unlink(missing_ok=True)
        if result.returncode != 0:
            # StorageTool's output names options, not the argument file's secrets.
            raise RuntimeFetchError(f"kafka storage format failed: {result.stdout}{result.stderr}")
        (self.data_dir / _SECURED_MARKER).write_text("SASL_SSL, SCRAM-SHA-512, ACLs\n")

    def _password(self, user: str) -> str:
        return self.settings.kafka_password_file(user).read_text().strip()

    def _log_flags(self) -> list[str]:
        return [f"-Dlog4j2.configurationFile={self.home / 'log4j2.properties'}"]

    def stale(self) -> bool:
        """True when the broker runs on other properties than these settings give (a changed
        listener, a changed rule): ``mcr stack up`` then restarts it."""
        try:
            return self.properties_file.read_text() != self.server_properties()
        except OSError:
            return False

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

        try:
            config = self.settings.kafka_admin.config(
                log_level=0, **{"socket.connection.setup.timeout.ms": 1000}
            )
        except Exception as exc:
            return False, f"no admin credentials yet ({type(exc).__name__})"
        admin = AdminClient(config)
        try:
            metadata = admin.list_topics(timeout=2)
        except Exception as exc:
            return (
                False,
                f"no metadata answer on {self.settings.kafka_bootstrap} ({type(exc).__name__})",
            )
        return True, f"{len(metadata.brokers)} broker, {len(metadata.topics)} topics"

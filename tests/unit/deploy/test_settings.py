"""Stack settings and generated service configuration (pure)."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography import x509

from deploy.local.errors import StackError
from deploy.local.kafka import Kafka
from deploy.local.settings import StackSettings, export_client_defaults
from deploy.local.tls import ensure_broker_tls


def test_defaults_are_loopback_ports(tmp_path: Path) -> None:
    """With no variables set, every service listens on loopback on its documented port."""
    settings = StackSettings.from_env({"MCR_RUN_DIR": str(tmp_path)})

    dsn = settings.postgres_dsn  # the password file is made on first use
    password = (tmp_path / "secrets" / "postgres-postgres.password").read_text()
    assert (settings.kafka_bootstrap, settings.opensearch_address, dsn) == (
        "127.0.0.1:9092",
        "https://127.0.0.1:9200",
        f"postgresql://postgres:{password}@127.0.0.1:5433/mcr",
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("abc", "MCR_KAFKA_PORT: not a TCP port"),
        ("70000", "MCR_KAFKA_PORT: not a TCP port"),
        ("0", "MCR_KAFKA_PORT: not a TCP port"),
    ],
)
def test_bad_port_is_rejected_with_the_variable_name(value: str, message: str) -> None:
    """A port variable that is not 1-65535 fails at start, naming the variable."""
    with pytest.raises(ValueError, match=message):
        StackSettings.from_env({"MCR_KAFKA_PORT": value})


def test_kafka_properties_follow_the_settings(tmp_path: Path) -> None:
    """server.properties binds the configured ports on loopback, keeps data under the run dir,
    and secures both listeners: SASL_SSL for clients, mTLS for the controller, ACLs on."""
    settings = StackSettings.from_env(
        {
            "MCR_RUN_DIR": str(tmp_path),
            "MCR_KAFKA_PORT": "19092",
            "MCR_KAFKA_CONTROLLER_PORT": "19093",
        }
    )
    settings.kafka_password_file("mcr-broker").parent.mkdir(parents=True)
    settings.kafka_password_file("mcr-broker").write_text("broker-secret")

    props = dict(line.split("=", 1) for line in Kafka(settings).server_properties().splitlines())

    assert props["listeners"] == "CLIENT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093"
    assert props["listener.security.protocol.map"] == "CONTROLLER:SSL,CLIENT:SASL_SSL"
    assert props["listener.name.controller.ssl.client.auth"] == "required"
    assert props["allow.everyone.if.no.acl.found"] == "false"
    assert props["sasl.enabled.mechanisms"] == "SCRAM-SHA-512"
    assert props["super.users"] == "User:mcr-admin;User:mcr-broker"
    assert props["controller.quorum.voters"] == "1@127.0.0.1:19093"
    assert props["log.dirs"] == str(tmp_path / "kafka" / "data")
    assert props["offsets.topic.replication.factor"] == "1"


def test_moved_ports_move_the_client_variables_unless_set(tmp_path: Path) -> None:
    """Setting only MCR_*_PORT points every client at the moved stack; explicit URLs win."""
    env = {
        "MCR_RUN_DIR": str(tmp_path),
        "MCR_KAFKA_PORT": "19092",
        "MCR_POSTGRES_PORT": "15433",
        "MCR_OPENSEARCH_URL": "http://search.example:9200",
    }

    export_client_defaults(env)

    assert env["MCR_KAFKA_BOOTSTRAP"] == "127.0.0.1:19092"
    password = (tmp_path / "secrets" / "postgres-mcr_identity.password").read_text()
    assert env["MCR_IDENTITY_DSN"] == f"postgresql://mcr_identity:{password}@127.0.0.1:15433/mcr"
    assert env["MCR_OPENSEARCH_URL"] == "http://search.example:9200"


def test_a_stack_formatted_before_kafka_security_is_refused_with_the_way_out(
    tmp_path: Path,
) -> None:
    """Data formatted without the SCRAM users cannot be secured in place: a clear message."""
    settings = StackSettings.from_env({"MCR_RUN_DIR": str(tmp_path)})
    data = tmp_path / "kafka" / "data"
    data.mkdir(parents=True)
    (data / "meta.properties").write_text("node.id=1\n")

    with pytest.raises(StackError, match=r"made before Kafka security .* rm -rf"):
        Kafka(settings).prepare()


def test_the_local_ca_signs_a_broker_certificate_for_the_host(tmp_path: Path) -> None:
    """ca.pem verifies broker.pem, which names 127.0.0.1; keys are readable by the owner only."""
    ca_file, broker_file = ensure_broker_tls(tmp_path, host="127.0.0.1")
    ca = x509.load_pem_x509_certificate(ca_file.read_bytes())
    broker = x509.load_pem_x509_certificates(broker_file.read_bytes())[0]
    broker.verify_directly_issued_by(ca)
    names = broker.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "127.0.0.1" in {str(ip) for ip in names.get_values_for_type(x509.IPAddress)}
    assert oct(broker_file.stat().st_mode & 0o777) == "0o600"
    assert ensure_broker_tls(tmp_path, host="127.0.0.1") == (ca_file, broker_file)
    assert x509.load_pem_x509_certificates(broker_file.read_bytes())[0] == broker  # kept


def test_client_variables_carry_one_role_each_and_never_the_superuser(tmp_path: Path) -> None:
    """Each component's DSN names its own role with its own password (files of mode 0600);
    the superuser's DSN is not exported."""
    env = {"MCR_RUN_DIR": str(tmp_path)}

    export_client_defaults(env)

    variables = ("MCR_IDENTITY_DSN", "MCR_CONSENT_DSN", "MCR_API_DSN", "MCR_API_AUDIT_DSN",
                 "MCR_API_AUDIT_ADMIN_DSN", "MCR_OPERATOR_DSN", "MCR_RECORD_DSN",
                 "MCR_PLANNING_DSN")  # fmt: skip
    users = [env[name].split("://", 1)[1].split(":", 1)[0] for name in variables]
    assert users == ["mcr_identity", "mcr_consent", "mcr_query", "mcr_audit_writer",
                     "mcr_audit_owner", "mcr_operator", "mcr_record", "mcr_planning"]  # fmt: skip
    passwords = {env[name].split(":", 2)[2].split("@", 1)[0] for name in variables}
    assert len(passwords) == len(variables) and all(len(p) >= 32 for p in passwords)
    assert not any("postgres:" in value for value in env.values())
    files = list((tmp_path / "secrets").glob("postgres-*.password"))
    assert files and all(f.stat().st_mode & 0o777 == 0o600 for f in files)

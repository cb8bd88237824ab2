"""An organisation's Kafka credentials, for ``mcr org add`` and ``mcr org rotate-credentials``.

Thin I/O around ``mcr.core.kafka_principals`` (which owns users, topics and ACLs): run as an
admin principal, it gives the organisation its source topic, its SCRAM user ``org-<ODS>``
and its ACLs (write its own topic only), writes the password to
``<credentials dir>/org-<ODS>.password`` (mode 0600) and returns the producer configuration,
which refers to that file and never holds the password. Rotating replaces the password: every
new connection with the old one is refused. Nothing here prints or logs a secret.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from confluent_kafka.admin import AdminClient

from consumers.ops.errors import OpsError
from mcr.core.errors import McrError
from mcr.core.kafka_client import KafkaClientSettings
from mcr.core.kafka_principals import (
    KafkaCredentials,
    producer_properties,
    provision_organisation,
    rotate_organisation_credentials,
    write_secret,
)

__all__ = ["Provisioned", "password_file_of", "provision", "rotate"]


@dataclass(frozen=True)
class Provisioned:
    """What an organisation is handed: its user, the file holding its password, and the
    producer configuration (no secret in it)."""

    username: str
    password_file: Path
    properties: str


def password_file_of(credentials_dir: Path, username: str) -> Path:
    """Where the password of ``username`` is kept."""
    return credentials_dir / f"{username}.password"


def _ca_file(kafka: KafkaClientSettings) -> Path:
    if kafka.ca_file is None:
        raise OpsError("MCR_KAFKA_CA_FILE: not set (the CA the organisation must trust)")
    return kafka.ca_file


def provision(
    kafka: KafkaClientSettings, ods_code: str, *, credentials_dir: Path, topic_prefix: str = ""
) -> Provisioned:
    """Topic, user (fresh password) and ACLs for ``ods_code``; OpsError when Kafka refuses."""
    admin = AdminClient(kafka.config())
    try:
        credentials = provision_organisation(
            admin, ods_code, topic_prefix=topic_prefix, profile=kafka.topic_profile
        )
    except (McrError, ValueError) as exc:
        raise OpsError(f"kafka: the organisation could not be provisioned ({exc})") from exc
    target = password_file_of(credentials_dir, credentials.username)
    properties = producer_properties(
        credentials, bootstrap=kafka.bootstrap, ca_file=_ca_file(kafka), password_file=target
    )
    return Provisioned(credentials.username, target, properties)


def rotate(kafka: KafkaClientSettings, ods_code: str, *, credentials_dir: Path) -> Path:
    """A fresh password for ``ods_code``, written to its password file (returned)."""
    admin = AdminClient(kafka.config())
    try:
        credentials: KafkaCredentials = rotate_organisation_credentials(admin, ods_code)
    except (McrError, ValueError) as exc:
        raise OpsError(f"kafka: the credentials could not be rotated ({exc})") from exc
    return write_secret(password_file_of(credentials_dir, credentials.username),
                        credentials.password)  # fmt: skip

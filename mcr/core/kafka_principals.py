"""Provision Kafka principals: SCRAM users with fresh passwords, their topics and ACLs.

Called with an admin client (the ``mcr-admin`` super user): by ``mcr stack up`` for the
pipeline's components, and by the organisation registry (``mcr org add``,
``rotate-credentials``) for each organisation. What each principal may do is
:mod:`mcr.core.kafka_acls`; this module only applies it.

Passwords are random (256 bits), handed back as ``SecretStr`` and written only to files the
caller names (mode 0600): never logged, never on a command line. An organisation receives
:func:`producer_properties` plus its password file (see docs/security.md, "Handing over").
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from confluent_kafka import KafkaException
from confluent_kafka.admin import (  # type: ignore[attr-defined]  # not all in __all__
    AclBinding,
    AclBindingFilter,
    AclOperation,
    AclPermissionType,
    AdminClient,
    ResourcePatternType,
    ResourceType,
    ScramCredentialInfo,
    ScramMechanism,
    UserScramCredentialAlteration,
    UserScramCredentialUpsertion,
)
from pydantic import SecretStr

from mcr.core.errors import McrError
from mcr.core.kafka_acls import (
    PLANNING_GROUP,
    PROJECTION_GROUP,
    STREAMS_APP_ID,
    Acl,
    Pattern,
    Resource,
    component_acls,
    organisation_acls,
    organisation_principal,
)
from mcr.core.kafka_client import SCRAM_MECHANISM
from mcr.core.topic_admin import TopicCreateError, create_topics_with
from schemas.events import organisation_topic

__all__ = [
    "KafkaCredentials",
    "ProvisioningError",
    "apply_acls",
    "grant_components",
    "organisation_principal",
    "producer_properties",
    "provision_organisation",
    "revoke",
    "rotate_organisation_credentials",
    "upsert_user",
    "upsert_users",
    "write_secret",
]

_ITERATIONS = 8192
_TIMEOUT_S = 30.0


class ProvisioningError(McrError):
    """A user, topic or ACL could not be made (the message names which, never a secret)."""


@dataclass(frozen=True)
class KafkaCredentials:
    """A SCRAM-SHA-512 user and its password (masked in ``repr``)."""

    username: str
    password: SecretStr


def new_password() -> SecretStr:
    """A fresh random password (256 bits, URL-safe text)."""
    return SecretStr(secrets.token_urlsafe(32))


def upsert_user(admin: AdminClient, username: str, password: SecretStr) -> KafkaCredentials:
    """Set ``username``'s SCRAM-SHA-512 credential to ``password`` (created or replaced: from
    then on new connections with an older password are refused)."""
    upsert_users(admin, [KafkaCredentials(username, password)])
    return KafkaCredentials(username, password)


def upsert_users(admin: AdminClient, users: Sequence[KafkaCredentials]) -> None:
    """:func:`upsert_user` for many users in one request."""
    if not users:
        return
    info = ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, _ITERATIONS)
    upsertions: list[UserScramCredentialAlteration] = [
        UserScramCredentialUpsertion(u.username, info, u.password.get_secret_value().encode())
        for u in users
    ]
    futures = admin.alter_user_scram_credentials(upsertions, request_timeout=_TIMEOUT_S)
    for username, future in futures.items():
        try:
            future.result(timeout=_TIMEOUT_S)
        except KafkaException as exc:
            raise ProvisioningError(f"user {username}: SCRAM credential not set") from exc


def apply_acls(admin: AdminClient, acls: Iterable[Acl]) -> None:
    """Create each ALLOW rule (idempotent: an existing rule stays as it is)."""
    bindings = [_binding(acl) for acl in acls]
    if not bindings:
        return
    futures = admin.create_acls(bindings, request_timeout=_TIMEOUT_S)
    try:
        for future in futures.values():
            future.result(timeout=_TIMEOUT_S)
    except KafkaException as exc:
        raise ProvisioningError("ACLs: could not be created") from exc


def grant_components(
    admin: AdminClient,
    topic_prefix: str = "",
    *,
    streams_app_id: str = STREAMS_APP_ID,
    projection_group: str = PROJECTION_GROUP,
    planning_group: str = PLANNING_GROUP,
) -> None:
    """Give the component principals their rules in the topic space after ``topic_prefix``
    (``mcr stack up`` for the empty prefix; tests, sandboxes and benchmarks for theirs)."""
    acls = component_acls(
        topic_prefix,
        streams_app_id=streams_app_id,
        projection_group=projection_group,
        planning_group=planning_group,
    )
    apply_acls(admin, acls)


def revoke(admin: AdminClient, acls: Iterable[Acl]) -> None:
    """Delete exactly these ALLOW rules (a throwaway topic space's, when it is removed)."""
    filters = [_filter(acl) for acl in acls]
    if filters:
        for future in admin.delete_acls(filters, request_timeout=_TIMEOUT_S).values():
            future.result(timeout=_TIMEOUT_S)


def provision_organisation(
    admin: AdminClient,
    ods_code: str,
    *,
    topic_prefix: str = "",
    profile: str = "local",
    partitions: int | None = None,
) -> KafkaCredentials:
    """Make organisation ``ods_code`` able to publish: its source topic (if missing; settings
    from ``schemas/topics.toml`` for ``profile``, the admin client's
    ``MCR_KAFKA_TOPIC_PROFILE``), its SCRAM user with a fresh random password, and its ACLs
    (write its own topic only).

    Idempotent apart from the password, which is new on every call (the previous one is then
    refused). Raises ValueError for a bad ODS code, ProvisioningError when Kafka says no."""
    topic = organisation_topic(ods_code, prefix=topic_prefix)
    try:
        create_topics_with(admin, [topic], profile=profile, partitions=partitions)
    except TopicCreateError as exc:
        raise ProvisioningError(str(exc)) from exc
    credentials = upsert_user(admin, organisation_principal(ods_code), new_password())
    apply_acls(admin, organisation_acls(ods_code, topic_prefix=topic_prefix))
    return credentials


def rotate_organisation_credentials(admin: AdminClient, ods_code: str) -> KafkaCredentials:
    """A fresh password for organisation ``ods_code``; the old one is refused for every new
    connection from now on (connections already open
    stay open until they reconnect: the local broker does not force re-authentication)."""
    return upsert_user(admin, organisation_principal(ods_code), new_password())


def write_secret(path: Path, secret: SecretStr) -> Path:
    """Write ``secret`` alone to ``path`` with mode 0600 (folder 0700), replacing it atomically."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    staging = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    descriptor = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(secret.get_secret_value())
    staging.replace(path)
    return path


def producer_properties(
    credentials: KafkaCredentials,
    *,
    bootstrap: str,
    ca_file: Path,
    password_file: Path | None = None,
) -> str:
    """The producer configuration an organisation is given (Java client properties, which the
    properties reference rather than hold its password).

    The password goes to ``password_file`` (default: ``<username>.password`` beside
    ``ca_file``), mode 0600, read by Kafka's ``DirectoryConfigProvider`` in Java clients and by
    ``MCR_KAFKA_PASSWORD_FILE`` in ours. The returned text holds no secret."""
    target = password_file or ca_file.parent / f"{credentials.username}.password"
    write_secret(target, credentials.password)
    jaas = (
        "org.apache.kafka.common.security.scram.ScramLoginModule required "
        f'username="{credentials.username}" '
        f'password="${{dir:{target.parent}:{target.name}}}";'
    )
    return "\n".join(
        [
            f"# Kafka producer configuration for {credentials.username} (no secret in here:",
            "# the password is in the file named below, readable by its owner only).",
            f"bootstrap.servers={bootstrap}",
            "security.protocol=SASL_SSL",
            f"sasl.mechanism={SCRAM_MECHANISM}",
            "ssl.truststore.type=PEM",
            f"ssl.truststore.location={ca_file}",
            "ssl.endpoint.identification.algorithm=https",
            "config.providers=dir",
            "config.providers.dir.class=org.apache.kafka.common.config.provider.DirectoryConfigProvider",
            f"sasl.jaas.config={jaas}",
            "enable.idempotence=true",
            "acks=all",
            "# The same for the mcr producer SDK and `mcr produce` (environment variables):",
            f"#   MCR_KAFKA_BOOTSTRAP={bootstrap}",
            "#   MCR_KAFKA_SECURITY_PROTOCOL=SASL_SSL",
            f"#   MCR_KAFKA_CA_FILE={ca_file}",
            f"#   MCR_KAFKA_USERNAME={credentials.username}",
            f"#   MCR_KAFKA_PASSWORD_FILE={target}",
            "",
        ]
    )


_RESOURCES = {Resource.TOPIC: ResourceType.TOPIC, Resource.GROUP: ResourceType.GROUP}
_PATTERNS = {Pattern.LITERAL: ResourcePatternType.LITERAL,
             Pattern.PREFIXED: ResourcePatternType.PREFIXED}  # fmt: skip


def _filter(acl: Acl) -> AclBindingFilter:
    return AclBindingFilter(*_fields(acl))


def _binding(acl: Acl) -> AclBinding:
    return AclBinding(*_fields(acl))


def _fields(acl: Acl) -> tuple[Any, ...]:
    return (
        _RESOURCES[acl.resource],
        acl.name,
        _PATTERNS[acl.pattern],
        f"User:{acl.principal}",
        "*",
        AclOperation[acl.op.value],
        AclPermissionType.ALLOW,
    )  # the positional order AclBinding and AclBindingFilter share

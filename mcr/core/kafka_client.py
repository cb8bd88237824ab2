"""How every Kafka client of the project connects: one settings class, one config builder.

=============================  ===============  ==========================================
variable                       field            meaning (default)
=============================  ===============  ==========================================
MCR_KAFKA_BOOTSTRAP            bootstrap        brokers, ``host:port,...`` (127.0.0.1:9092)
MCR_KAFKA_SECURITY_PROTOCOL    security_protocol ``SASL_SSL`` (default) or ``PLAINTEXT``
MCR_KAFKA_CA_FILE              ca_file          PEM file of the CA that signed the brokers
MCR_KAFKA_USERNAME             username         the SCRAM-SHA-512 principal
MCR_KAFKA_PASSWORD_FILE        password_file    a file holding only its password
MCR_KAFKA_SECRETS_DIR          secrets_dir      a folder of ``<user>.password`` files
MCR_KAFKA_TOPIC_PROFILE        topic_profile    ``local`` (one broker, default) or ``cluster``:
                                                which profile of ``schemas/topics.toml``
                                                the topics this client makes follow
=============================  ===============  ==========================================

A process that is not told its user (``MCR_KAFKA_USERNAME`` unset) runs as its component's
principal (:meth:`KafkaClientSettings.resolve`), with the password file of that name in
``secrets_dir``: the local stack works that way; a deployment sets user and file per process.

The password is read from its file when a client is built, never from the environment or the
command line, and never shown: ``repr`` prints the file's path. ``PLAINTEXT`` exists only for
the benchmark's comparison listener; the local broker refuses it on the client port.

- :meth:`KafkaClientSettings.config` is the confluent-kafka (librdkafka) configuration dict:
  every ``Producer(...)``, ``Consumer(...)`` and ``AdminClient(...)`` is built from it.
- :meth:`KafkaClientSettings.faust_broker` gives faust's ``broker`` URL and
  ``broker_credentials`` (``faust.SASLCredentials``, SCRAM-SHA-512 with an SSL context that
  trusts ``ca_file`` and checks the broker's host name).
"""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field

from mcr.core.errors import McrError
from mcr.core.settings import (
    DEFAULT_KAFKA_BOOTSTRAP,
    KafkaBootstrap,
    McrSettings,
    environ_being_read,
)

if TYPE_CHECKING:
    import faust

__all__ = ["SCRAM_MECHANISM", "KafkaClient", "KafkaClientSettings", "KafkaCredentialError"]

SCRAM_MECHANISM = "SCRAM-SHA-512"


class KafkaCredentialError(McrError):
    """The Kafka credentials are missing or unreadable (the message names the setting)."""


class KafkaClientSettings(McrSettings):
    """Where the brokers are and who this client is (see the module docstring)."""

    bootstrap: KafkaBootstrap = DEFAULT_KAFKA_BOOTSTRAP
    security_protocol: Annotated[
        Literal["SASL_SSL", "PLAINTEXT"], Field(validation_alias="MCR_KAFKA_SECURITY_PROTOCOL")
    ] = "SASL_SSL"
    ca_file: Annotated[Path | None, Field(validation_alias="MCR_KAFKA_CA_FILE")] = None
    username: Annotated[str | None, Field(validation_alias="MCR_KAFKA_USERNAME")] = None
    password_file: Annotated[Path | None, Field(validation_alias="MCR_KAFKA_PASSWORD_FILE")] = None

    secrets_dir: Annotated[Path | None, Field(validation_alias="MCR_KAFKA_SECRETS_DIR")] = None
    topic_profile: Annotated[
        Literal["local", "cluster"], Field(validation_alias="MCR_KAFKA_TOPIC_PROFILE")
    ] = "local"

    @property
    def secured(self) -> bool:
        return self.security_protocol == "SASL_SSL"

    def as_principal(self, username: str, password_file: Path | None = None) -> KafkaClientSettings:
        """The same brokers and CA as ``username`` (password file: given, or
        ``<secrets_dir>/<username>.password``)."""
        if password_file is None and self.secrets_dir is not None:
            password_file = self.secrets_dir / f"{username}.password"
        return self.model_copy(update={"username": username, "password_file": password_file})

    def resolve(self, default_username: str) -> KafkaClientSettings:
        """These settings when a user is set; otherwise the same as ``default_username`` (the
        caller's component principal, password from ``secrets_dir``)."""
        if self.username or not self.secured:
            return self
        return self.as_principal(default_username)

    def environment(self, *, with_user: bool = True) -> dict[str, str]:
        """The ``MCR_KAFKA_*`` variables that rebuild these settings in a child process
        (file paths only, never a password); ``with_user=False`` leaves the user out, so the
        child runs as its own component principal."""
        values = {
            "MCR_KAFKA_BOOTSTRAP": self.bootstrap,
            "MCR_KAFKA_SECURITY_PROTOCOL": self.security_protocol,
            "MCR_KAFKA_CA_FILE": self.ca_file,
            "MCR_KAFKA_SECRETS_DIR": self.secrets_dir,
            "MCR_KAFKA_TOPIC_PROFILE": self.topic_profile,
        }
        if with_user:
            values |= {
                "MCR_KAFKA_USERNAME": self.username,
                "MCR_KAFKA_PASSWORD_FILE": self.password_file,
            }
        return {name: str(value) for name, value in values.items() if value}

    def config(self, **extra: Any) -> dict[str, Any]:
        """The librdkafka configuration for this client, plus ``extra`` (client-specific keys).

        Raises KafkaCredentialError when a secured client lacks its CA, user or password."""
        config: dict[str, Any] = {"bootstrap.servers": self.bootstrap}
        if self.secured:
            config |= {
                "security.protocol": "SASL_SSL",
                "sasl.mechanisms": SCRAM_MECHANISM,
                "sasl.username": self._username(),
                "sasl.password": self.password(),
                "ssl.ca.location": str(self._ca_file()),
                "ssl.endpoint.identification.algorithm": "https",
            }
        return config | extra

    def faust_broker(self) -> dict[str, Any]:
        """``broker`` and ``broker_credentials`` keyword arguments for ``faust.App``."""
        broker = ";".join(f"kafka://{host}" for host in self.bootstrap.split(","))
        if not self.secured:
            return {"broker": broker}
        return {"broker": broker, "broker_credentials": self.faust_credentials()}

    def faust_credentials(self) -> faust.SASLCredentials:
        import faust  # noqa: PLC0415 - only the streams worker needs faust

        return faust.SASLCredentials(
            username=self._username(),
            password=self.password(),
            mechanism=SCRAM_MECHANISM,
            ssl_context=self.ssl_context(),
        )

    def ssl_context(self) -> ssl.SSLContext:
        """A client TLS context trusting only ``ca_file``, checking host names (TLS 1.2+)."""
        context = ssl.create_default_context(cafile=str(self._ca_file()))
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        return context

    def password(self) -> str:
        """The password read from ``password_file`` (surrounding whitespace dropped)."""
        if self.password_file is None:
            raise KafkaCredentialError("MCR_KAFKA_PASSWORD_FILE: not set (SASL_SSL needs it)")
        try:
            secret = self.password_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise KafkaCredentialError("MCR_KAFKA_PASSWORD_FILE: cannot be read") from exc
        if not secret:
            raise KafkaCredentialError("MCR_KAFKA_PASSWORD_FILE: the file is empty")
        return secret

    def _username(self) -> str:
        if not self.username:
            raise KafkaCredentialError("MCR_KAFKA_USERNAME: not set (SASL_SSL needs it)")
        return self.username

    def _ca_file(self) -> Path:
        if self.ca_file is None:
            raise KafkaCredentialError("MCR_KAFKA_CA_FILE: not set (SASL_SSL needs it)")
        if not self.ca_file.is_file():
            raise KafkaCredentialError("MCR_KAFKA_CA_FILE: no such file")
        return self.ca_file


def _from_environ() -> KafkaClientSettings:
    environ = environ_being_read()
    return KafkaClientSettings() if environ is None else KafkaClientSettings.from_env(environ)


KafkaClient = Annotated[KafkaClientSettings, Field(default_factory=_from_environ)]
"""A settings field holding the Kafka client settings, read from the same variables as the
settings class it is part of (``MCR_KAFKA_*``)."""

"""The typed settings base of every package's ``settings.py`` (pydantic-settings).

- Each field names its environment variable (``validation_alias="MCR_..."``).
  ``Settings.from_env()`` reads the process environment (or a given mapping); building a
  settings object directly reads no environment at all (defaults plus what is passed), so the
  entry point decides where configuration comes from and passes the object down.
- :class:`SecretUrl` holds DSNs and URLs that may carry a password: ``repr`` and ``str`` show
  them with the password masked; the code that connects reads ``get_secret_value()``.
- Errors: :class:`SettingsError` names the variable and the rule, never the value (pydantic's
  own errors quote the input; they are translated here and their cause is dropped).
- The loopback defaults of the shared services, and the rules several packages use
  (:func:`rule`, :data:`SqlIdentifier`, :data:`TopicPrefix`, ports, whole numbers).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Annotated, Any, ClassVar, Self, TypeVar

from pydantic import BeforeValidator, Field, SecretStr, ValidationError
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from mcr.core.errors import McrError
from mcr.core.secrets import mask_url

__all__ = [
    "DEFAULT_KAFKA_BOOTSTRAP",
    "DEFAULT_OPENSEARCH_URL",
    "DEFAULT_POSTGRES_DSN",
    "AuditOwnerDsn",
    "ConsentDsn",
    "IdentityDsn",
    "KafkaBootstrap",
    "McrSettings",
    "OpenSearchCaFile",
    "OpenSearchUrl",
    "OperatorDsn",
    "OperatorOpenSearchUrl",
    "PostgresDsn",
    "QueryDsn",
    "QueryOpenSearchUrl",
    "SecretUrl",
    "SettingsError",
    "SqlIdentifier",
    "TopicPrefix",
    "environ_being_read",
    "local_dsn",
    "replace",
    "rule",
    "tcp_port",
    "whole_number",
]

DEFAULT_KAFKA_BOOTSTRAP = "127.0.0.1:9092"
DEFAULT_OPENSEARCH_URL = "http://127.0.0.1:9200"
DEFAULT_POSTGRES_DSN = "postgresql://mcr_operator@127.0.0.1:5433/mcr"
"""What ``MCR_POSTGRES_DSN`` defaults to: the operators' role (never the superuser)."""

_ENVIRON: ContextVar[Mapping[str, str] | None] = ContextVar("mcr_settings_environ", default=None)
_WHOLE = re.compile(r"-?[0-9]+")  # ASCII digits: int() also takes "٤" and str.isdigit "²"
_SQL_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]{0,62}")  # fullmatch: "$" matches before "\n"
_TOPIC_PREFIX = re.compile(r"[A-Za-z0-9._-]{0,100}")


class SettingsError(McrError, ValueError):
    """A setting breaks a rule; the message names the variable and the rule, never the value.

    Also a ``ValueError``, as the settings' errors have always been.
    """


class SecretUrl(SecretStr):
    """A URL or DSN that may carry a password: shown with the password as ``***``."""

    def _display(self) -> str:
        return mask_url(self.get_secret_value())


def rule(check: Callable[[Any], Any], message: str) -> BeforeValidator:
    """A validator that keeps ``check(value)`` when it is truthy and fails with ``message``
    (the rule, without the value) otherwise; ``check`` may also convert the value."""

    def validate(value: Any) -> Any:
        try:
            checked = check(value)
        except (TypeError, ValueError):
            checked = None
        if checked is None or checked is False:
            raise ValueError(message)
        return value if checked is True else checked

    return BeforeValidator(validate)


def whole_number(*, minimum: int) -> BeforeValidator:
    """A whole number (ASCII digits in the environment) of at least ``minimum``."""

    def validate(value: Any) -> int:
        if isinstance(value, str):
            if not _WHOLE.fullmatch(value.strip()):
                raise ValueError("expected a whole number")
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError("expected a whole number")
        if value < minimum:
            floor = "must not be negative" if minimum == 0 else f"must be at least {minimum}"
            raise ValueError(floor)
        return value

    return BeforeValidator(validate)


def tcp_port(*, allow_zero: bool) -> BeforeValidator:
    """A TCP port, 1-65535 (or 0, "pick a free one", when ``allow_zero``)."""
    low = 0 if allow_zero else 1
    hint = "0-65535, 0 picks a free one" if allow_zero else "1-65535"

    def check(value: Any) -> int | None:
        number = int(value) if isinstance(value, int) else None
        if isinstance(value, str) and re.fullmatch(r"[0-9]{1,5}", value):
            number = int(value)
        return number if number is not None and low <= number < 65536 else None

    return rule(check, f"not a TCP port (expected {hint})")


SqlIdentifier = Annotated[
    str, rule(lambda v: bool(_SQL_IDENTIFIER.fullmatch(v)), "expected a lower-case SQL identifier")
]
TopicPrefix = Annotated[
    str,
    rule(lambda v: bool(_TOPIC_PREFIX.fullmatch(v)), "expected letters, digits, '.', '_' or '-'"),
    Field(validation_alias="MCR_TOPIC_PREFIX"),
]
KafkaBootstrap = Annotated[
    str,
    rule(lambda v: v.strip() or None, "must not be empty"),
    Field(validation_alias="MCR_KAFKA_BOOTSTRAP"),
]
PostgresDsn = Annotated[SecretUrl, Field(validation_alias="MCR_POSTGRES_DSN")]
# One login role per component (docs/security-stores.md): each reads its own variable, so one
# process that runs two components (the streams worker) holds two credentials, never one that
# can do both. The defaults name the role without a password: the server then refuses them.
IdentityDsn = Annotated[SecretUrl, Field(validation_alias="MCR_IDENTITY_DSN")]
ConsentDsn = Annotated[SecretUrl, Field(validation_alias="MCR_CONSENT_DSN")]
QueryDsn = Annotated[SecretUrl, Field(validation_alias="MCR_API_DSN")]
AuditOwnerDsn = Annotated[SecretUrl, Field(validation_alias="MCR_API_AUDIT_ADMIN_DSN")]
OperatorDsn = Annotated[SecretUrl, Field(validation_alias="MCR_OPERATOR_DSN")]
RecordDsn = Annotated[SecretUrl, Field(validation_alias="MCR_RECORD_DSN")]
"""The record projection's role: it may only write purge receipts."""
PlanningDsn = Annotated[SecretUrl, Field(validation_alias="MCR_PLANNING_DSN")]
"""The planning store's role: it owns the planning schema and writes purge receipts."""
OpenSearchUrl = Annotated[SecretUrl, Field(validation_alias="MCR_OPENSEARCH_URL")]
"""The record projection's OpenSearch user (it writes the record indices)."""
QueryOpenSearchUrl = Annotated[SecretUrl, Field(validation_alias="MCR_API_OPENSEARCH_URL")]
OperatorOpenSearchUrl = Annotated[SecretUrl, Field(validation_alias="MCR_OPERATOR_OPENSEARCH_URL")]
"""The operators' OpenSearch user (rebuild, verify)."""
OpenSearchCaFile = Annotated[str, Field(validation_alias="MCR_OPENSEARCH_CA_FILE")]
"""The CA that signed the OpenSearch node's HTTP certificate (empty: the system's CAs)."""
"""The query service's OpenSearch user (it may only read the record)."""


def local_dsn(role: str) -> str:
    """The loopback DSN of ``role`` without a password (a default the server refuses)."""
    return f"postgresql://{role}@127.0.0.1:5433/mcr"


class _Environ(PydanticBaseSettingsSource):
    """The variables of the mapping ``from_env`` is reading (none outside ``from_env``)."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        variable = _variable(field, field_name)
        environ = _ENVIRON.get()
        return (None if environ is None else environ.get(variable)), variable, False

    def __call__(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for name, field in self.settings_cls.model_fields.items():
            value, variable, _ = self.get_field_value(field, name)
            if value is not None:
                found[variable] = value
        return found


class McrSettings(BaseSettings):
    """Base of every settings class: frozen, one variable per field, errors without values."""

    model_config = SettingsConfigDict(
        frozen=True,
        extra="forbid",
        validate_by_name=True,
        validate_by_alias=True,
        hide_input_in_errors=True,
    )
    #: What a broken rule raises (a package may name its own subclass).
    settings_error: ClassVar[type[SettingsError]] = SettingsError

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as exc:
            raise self.settings_error(_describe(exc, type(self))) from None
        except SettingsError as exc:  # a nested settings field (e.g. Kafka) broke a rule
            if isinstance(exc, self.settings_error):
                raise
            raise self.settings_error(str(exc)) from None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Self:
        """Settings from ``env`` (default: the process environment); unset variables keep
        their defaults. Raises SettingsError naming each variable that breaks a rule."""
        with _reading(os.environ if env is None else env):
            return cls()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Arguments first, then the mapping ``from_env`` reads; no dotenv or secret files."""
        return init_settings, _Environ(settings_cls)


_S = TypeVar("_S", bound=McrSettings)


def replace(settings: _S, /, **changes: Any) -> _S:
    """A copy of ``settings`` with ``changes`` (field names), validated like the original
    (what ``dataclasses.replace`` was for the dataclass settings)."""
    return type(settings)(**{**dict(settings), **changes})


def environ_being_read() -> Mapping[str, str] | None:
    """The mapping a ``from_env`` call in progress reads (None outside one): lets a nested
    settings field read the same variables as its parent."""
    return _ENVIRON.get()


@contextmanager
def _reading(environ: Mapping[str, str]) -> Iterator[None]:
    token = _ENVIRON.set(environ)
    try:
        yield
    finally:
        _ENVIRON.reset(token)


def _variable(field: FieldInfo, name: str) -> str:
    alias = field.validation_alias
    return alias if isinstance(alias, str) else name


def _describe(exc: ValidationError, settings: type[McrSettings]) -> str:
    """``<VARIABLE>: <rule>`` per error, never the input (pydantic's text would quote it)."""
    variables = {name: _variable(f, name) for name, f in settings.model_fields.items()}
    parts = []
    for error in exc.errors(include_url=False, include_input=False, include_context=True):
        name = str(error["loc"][0]) if error["loc"] else settings.__name__
        context = error.get("ctx") or {}
        reason = str(context["error"]) if error["type"] == "value_error" else error["msg"]
        parts.append(f"{variables.get(name, name)}: {reason}")
    return "; ".join(parts)

"""Typed settings read from environment variables (12-factor).

Each service declares a frozen dataclass deriving from ServiceSettings; every field is read
from the environment variable of the same name in upper case. The same names are used in
the Helm values and documented in the README's configuration table.
"""

from __future__ import annotations

import dataclasses
import os
import typing
from collections.abc import Mapping


class SettingsError(ValueError):
    """Raised at start-up with every missing or malformed variable listed."""


def _convert(name: str, raw: str, kind: typing.Any):
    if kind is bool:
        lowered = raw.strip().lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off", ""}:
            return False
        raise ValueError(f"{name} must be true or false, got {raw!r}")
    if kind is int:
        try:
            return int(raw)
        except ValueError:
            raise ValueError(f"{name} must be a whole number, got {raw!r}") from None
    if kind is float:
        try:
            return float(raw)
        except ValueError:
            raise ValueError(f"{name} must be a number, got {raw!r}") from None
    return raw


def load(cls, environ: Mapping[str, str] | None = None):
    """Build `cls` from the environment; raise SettingsError naming every bad variable."""
    environ = os.environ if environ is None else environ
    hints = typing.get_type_hints(cls)
    values, problems = {}, []
    for field in dataclasses.fields(cls):
        name = field.name.upper()
        has_default = field.default is not dataclasses.MISSING or field.default_factory is not dataclasses.MISSING
        if name not in environ:
            if not has_default:
                problems.append(f"{name} is required")
            continue
        try:
            values[field.name] = _convert(name, environ[name], hints[field.name])
        except ValueError as exc:
            problems.append(str(exc))
    if problems:
        raise SettingsError(f"{cls.__name__}: " + "; ".join(problems))
    return cls(**values)


@dataclasses.dataclass(frozen=True)
class ServiceSettings:
    """What every service needs; services extend it with their own fields."""

    service_name: str = "service"
    instance_id: str = "ma"
    grpc_port: int = 0
    metrics_port: int = 0
    database_url: str = ""
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    kafka_group_prefix: str = ""
    log_level: str = "INFO"
    log_format: str = "json"
    # This service's own credential (cokit.auth.service_identity), traded with identity for the
    # token it sends on calls to other services; empty: its calls carry none.
    service_credential: str = ""

    def nameko_config(self) -> dict:
        """The nameko config dict: the kit's extensions read these keys."""
        config = {field.name.upper(): getattr(self, field.name) for field in dataclasses.fields(self)}
        config["GRPC_BIND_PORT"] = self.grpc_port
        config["GRPC_BIND_ADDRESS"] = "0.0.0.0"
        return config


@dataclasses.dataclass(frozen=True)
class SmtpSettings:
    """The SMTP_* settings of a service that sends mail (cokit.mail)."""

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_from: str = "Bureau Citoyen <no-reply@citizenoffice.local>"
    smtp_starttls: bool = False
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_timeout: float = 10.0

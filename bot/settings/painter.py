"""The settings both the bot and its worker processes read (the broker, the devices, the
metrics address), and the worker's own."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


def split_addr(addr: str) -> tuple[str, int]:
    """``host:port`` (``[::1]:9100`` for IPv6) into its parts; ValueError when it is not one."""
    host, sep, port = addr.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError(f"{addr!r} is not host:port")
    return host.strip("[]") or "0.0.0.0", int(port)


class PainterSettings(BaseSettings):
    """``STYLEBOT_<FIELD>`` variables that the bot and the workers share."""

    model_config = SettingsConfigDict(
        env_prefix="STYLEBOT_", env_file=".env", extra="ignore", frozen=True
    )

    broker_url: SecretStr | None = Field(
        None,
        description="Redis URL (redis://host:6379/0) of the job queue shared with worker "
        "processes (python -m bot.worker); unset: the bot paints in its own process",
    )
    devices: Annotated[tuple[str, ...], NoDecode] = Field(
        (), description="comma-separated devices (cuda:0,cuda:1 or cpu); empty: every GPU, else CPU"
    )
    workers_per_device: int = Field(1, ge=1, le=16, description="jobs run at once per device")
    cpu_threads: int = Field(
        0,
        ge=0,
        le=256,
        description="torch threads per job on the CPU; 0: this host's cores / the jobs this "
        "process paints at once (set it when several worker processes share one host)",
    )
    weights: str = Field(
        "caffe",
        min_length=1,
        description="VGG19 weights the painters use: caffe, torchvision or a file path; a "
        "worker refuses jobs that ask for other weights",
    )
    heartbeat: float = Field(
        6.0,
        ge=1,
        le=600,
        description="seconds without a sign of life after which a worker's job is given to "
        "another worker",
    )
    log_level: str = Field("INFO", description="logging level")
    log_format: Literal["text", "json"] = Field(
        "text", description="text, or json: one JSON object per line, with the job's id"
    )
    metrics_addr: str | None = Field(
        None,
        description="host:port where the process serves /metrics (Prometheus), /healthz and "
        "/readyz; unset: none",
    )

    @field_validator("metrics_addr")
    @classmethod
    def _check_metrics_addr(cls, value: str | None) -> str | None:
        if value:
            split_addr(value)  # ValueError: said as the setting's error
        return value or None

    def secrets(self) -> list[str]:
        """What no log line may show (masked by bot.observe.logs)."""
        if self.broker_url is None:
            return []
        url = self.broker_url.get_secret_value()
        password = urlsplit(url).password
        return [url, password] if password else [url]

    @field_validator("devices", mode="before")
    @classmethod
    def _split_devices(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value


class WorkerSettings(PainterSettings):
    """What ``python -m bot.worker`` reads; it needs the broker."""

    broker_url: SecretStr = Field(description="Redis URL of the job queue (required here)")
    batch_size: int = Field(
        0,
        ge=0,
        le=64,
        description="jobs a worker paints as one batch on each device; 0: on a GPU as many as "
        "its free memory holds at 512 px (up to 32), on the CPU 1 (no batches)",
    )

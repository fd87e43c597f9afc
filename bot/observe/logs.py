"""Logging for the bot and the workers: readable text (the default) or, with
``STYLEBOT_LOG_FORMAT=json``, one JSON object per line for a log collector, each with the id of
the job it is about where there is one. Secrets the process holds (the Discord token, the
broker's URL) are masked in every line, whatever logged them."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable
from contextvars import ContextVar
from typing import Literal

from pythonjsonlogger.json import JsonFormatter

LogFormat = Literal["text", "json"]
MASK = "[secret]"
TEXT_FORMAT = "%(asctime)s %(levelname)-8s %(name)s: %(message)s%(job_suffix)s"

# The job the current task works on (set by the runner and by a worker's painter): every line
# logged within it carries the id.
current_job: ContextVar[str | None] = ContextVar("current_job", default=None)


class _JobField(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        job = getattr(record, "job", None) or current_job.get()
        if job:
            record.job = job
        record.job_suffix = f" [job {job}]" if job else ""
        return True


class _Masking(logging.Formatter):
    """Format with ``inner``, then mask every secret in the whole line (message, arguments,
    a traceback's text)."""

    def __init__(self, inner: logging.Formatter, secrets: Iterable[str]) -> None:
        super().__init__()
        self.inner = inner
        # Longest first: a URL holding a password is masked whole before the password alone.
        self.secrets = sorted({s for s in secrets if len(s) >= 6}, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        line = self.inner.format(record)
        for secret in self.secrets:
            line = line.replace(secret, MASK)
        return line


def _json_formatter() -> logging.Formatter:
    return JsonFormatter(
        "{asctime}{levelname}{name}{message}",
        style="{",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        reserved_attrs=[*_RESERVED, "job_suffix"],
        timestamp=False,
        datefmt="%Y-%m-%dT%H:%M:%S%z",
    )


_RESERVED = [
    "args", "created", "exc_info", "exc_text", "filename", "funcName", "levelno", "lineno",
    "module", "msecs", "msg", "pathname", "process", "processName", "relativeCreated",
    "stack_info", "thread", "threadName", "taskName",
]  # fmt: skip


def configure_logging(
    level: str, log_format: LogFormat, secrets: Iterable[str], *, stream: object = None
) -> logging.Handler:
    """One handler on the root logger, for this process; returns it."""
    handler = logging.StreamHandler(stream or sys.stderr)  # type: ignore[arg-type]
    inner = _json_formatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)
    handler.setFormatter(_Masking(inner, secrets))
    handler.addFilter(_JobField())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.getLevelNamesMapping().get(level.upper(), logging.INFO))
    return handler

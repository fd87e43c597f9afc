"""The shape of what travels through Redis.

A job's run on the broker is one SAQ job whose key is the *dispatch key* (the bot's job id and
the run's number). Its record carries only the small :class:`Task`; large bytes have keys of
their own with a TTL: the input images (by sha256, so a re-run shares them), the latest preview
and the outcome with the encoded picture. The worker also keeps a small JSON report of its
progress, and the bot asks a running job to stop with a cancel key.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

QUEUE = "stylebot"
FUNCTION = "paint"

INPUT_TTL = 24 * 3600  # seconds an input image stays (refreshed by each dispatch)
REPORT_TTL = 3600  # progress, preview and cancel keys
OUTCOME_TTL = 7 * 24 * 3600  # a picture waits this long for a bot that was down


def input_key(digest: str) -> str:
    return f"stylebot:input:{digest}"


def report_key(dispatch: str) -> str:
    return f"stylebot:report:{dispatch}"


def preview_key(dispatch: str) -> str:
    return f"stylebot:preview:{dispatch}"


def outcome_key(dispatch: str) -> str:
    return f"stylebot:outcome:{dispatch}"


def cancel_key(dispatch: str) -> str:
    return f"stylebot:cancel:{dispatch}"


class TaskError(ValueError):
    """A task record that this worker cannot read (a bot of another version wrote it)."""


@dataclass(frozen=True)
class Task:
    """Everything a worker needs for one run; it never opens the bot's database."""

    job_id: str
    params: dict[str, str]  # every knob as text (StyleParams.as_strings)
    inputs: list[str]  # sha256 of the input images, the content first
    upload_limit: int  # bytes the encoded picture may take
    preview_size: int
    max_pixels: int
    engine: str  # the engine version the bot expects

    def to_kwargs(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_kwargs(cls, kwargs: dict[str, Any]) -> Task:
        try:
            task = cls(**kwargs)
        except TypeError as exc:
            raise TaskError(f"not a task this worker knows: {exc}") from exc
        if not (isinstance(task.params, dict) and isinstance(task.inputs, list) and task.inputs):
            raise TaskError("a task needs params and at least one input")
        return task


@dataclass(frozen=True)
class WorkerReport:
    """The worker's latest word on a running job, kept at :func:`report_key`."""

    attempt: int  # SAQ's attempt: above 1, a worker stopped and this one started over
    device: str
    frame: dict[str, Any] | None = None  # the engine's Progress fields, without the preview
    preview: int = 0  # how many previews were stored; a new number means a new picture

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str | bytes) -> WorkerReport:
        return cls(**json.loads(text))


@dataclass(frozen=True)
class OutcomeRecord:
    """How a run ended, kept at :func:`outcome_key` (with the picture's bytes beside it)."""

    outcome: str  # a bot.jobs.job.Outcome value
    message: str | None = None
    format: str | None = None
    size: tuple[int, int] | None = None
    elapsed: float = 0.0
    device: str | None = None
    precision: str | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str | bytes) -> OutcomeRecord:
        data = json.loads(text)
        if data.get("size") is not None:
            data["size"] = tuple(data["size"])
        return cls(**data)

"""What a run carries to a worker: the small :class:`Task` in SAQ's job record (the images
travel by their keys, :mod:`bot.broker.keys`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


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
    grid: bool = False  # paint the content in each style apart, as a grid to choose from

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
        if not isinstance(task.grid, bool):
            raise TaskError("a task's grid is true or false")
        return task

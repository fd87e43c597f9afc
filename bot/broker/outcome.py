"""How a run ended, on its way from a worker to the bot, both halves: the worker stores
:func:`outcome_fields` (a small JSON record and the picture's bytes, in one hash at
:func:`~bot.broker.keys.outcome_key`); the bot turns them back into a result with
:func:`result_of`."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import asdict, dataclass

from bot.job import Outcome, Rendered, RunResult
from styleengine import EncodedImage


@dataclass(frozen=True)
class OutcomeRecord:
    outcome: str  # an Outcome value
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


def outcome_fields(result: RunResult) -> dict[str, bytes | str]:
    """The worker's side: ``result`` as the fields of the outcome hash."""
    record = OutcomeRecord(outcome=str(result.outcome), message=result.message)
    fields: dict[str, bytes | str] = {}
    rendered = result.rendered
    if rendered is not None:
        record = dataclasses.replace(
            record,
            format=rendered.image.format,
            size=rendered.image.size,
            elapsed=rendered.elapsed,
            device=rendered.device,
            precision=rendered.precision,
        )
        fields["data"] = rendered.image.data
    fields["meta"] = record.to_json()
    return fields


def result_of(fields: dict[bytes, bytes]) -> RunResult:
    """The bot's side: the outcome hash read back as the run's result."""
    record = OutcomeRecord.from_json(fields[b"meta"])
    outcome = Outcome(record.outcome)
    if outcome is not Outcome.PAINTED:
        return RunResult(outcome, message=record.message)
    assert record.format is not None and record.size is not None
    image = EncodedImage(fields[b"data"], record.format, record.size)
    rendered = Rendered(image, record.elapsed, record.device or "?", record.precision or "?")
    return RunResult(Outcome.PAINTED, rendered=rendered)

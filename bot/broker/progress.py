"""A running job's progress on its way from a worker to the bot, both halves: the worker keeps
its latest word in a :class:`LiveReport` and stores it as a :class:`WorkerReport` (JSON, at
:func:`~bot.broker.keys.report_key`, the preview beside it); the bot reads it back with
:func:`progress_of`."""

from __future__ import annotations

import dataclasses
import json
import logging
from dataclasses import asdict, dataclass
from typing import Any

from styleengine import Progress

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WorkerReport:
    """The worker's latest word on a running job."""

    attempt: int  # SAQ's attempt: above 1, a worker stopped and this one started over
    device: str
    progress: dict[str, Any] | None = None  # the engine's Progress fields, without the preview
    preview: int = 0  # how many previews were stored; a new number means a new picture

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str | bytes) -> WorkerReport:
        """Read a report back; ValueError (or TypeError) if it is not one a worker writes."""
        report = cls(**json.loads(text))
        if not (
            isinstance(report.attempt, int)
            and isinstance(report.device, str)
            and isinstance(report.preview, int)
            and (report.progress is None or isinstance(report.progress, dict))
        ):
            raise ValueError("a progress report with fields of the wrong types")
        return report


class LiveReport:
    """The worker's side: the latest progress and preview of a run, updated (on the event loop)
    with each report the engine's thread makes."""

    def __init__(self, report: WorkerReport) -> None:
        self.report = report
        self.preview: bytes | None = None  # the latest preview, JPEG
        self.updates = 0

    def update(self, progress: Progress, preview: bytes | None) -> None:
        fields = dataclasses.asdict(progress)
        fields.pop("preview", None)
        number = self.report.preview + (preview is not None)
        self.report = dataclasses.replace(self.report, progress=fields, preview=number)
        if preview is not None:
            self.preview = preview
        self.updates += 1


def progress_of(report: WorkerReport) -> Progress | None:
    """The bot's side: the engine's progress as the worker reported it."""
    if report.progress is None:
        return None
    fields = dict(report.progress)
    fields["size"] = tuple(fields["size"])
    return Progress(**fields)


def read_report(raw: bytes | None, *, job_id: str, key: str) -> WorkerReport | None:
    """The worker's latest progress report as the bot reads it; one that cannot be read is
    passed over (logged)."""
    if raw is None:
        return None
    try:
        report = WorkerReport.from_json(raw)
        progress_of(report)  # its progress must read back too
    except (ValueError, TypeError, KeyError) as exc:
        log.warning("job %s: run %s has a progress report I cannot read: %s", job_id, key, exc)
        return None
    return report

"""How a run ended, on its way from a worker to the bot, both halves: the worker stores
:func:`outcome_fields` (a small JSON record and the picture's bytes, in one hash at
:func:`~bot.broker.keys.outcome_key`); the bot turns them back into a result with
:func:`result_of`, which trusts nothing it reads (:class:`MalformedOutcome`)."""

from __future__ import annotations

import dataclasses
import io
import json
import logging
import math
from dataclasses import asdict, dataclass

from PIL import Image

from bot.job import Outcome, Rendered, RunResult
from styleengine import EncodedImage
from styleengine.clips import first_frame

log = logging.getLogger(__name__)

PICTURE_FORMATS = ("png", "webp", "jpeg")  # what the engine encodes a picture as
CLIP_FORMATS = ("gif", "webp", "mp4")  # and a painted clip


class MalformedOutcome(ValueError):
    """An outcome that no worker of this version writes; the message says what is wrong."""


@dataclass(frozen=True)
class OutcomeRecord:
    outcome: str  # an Outcome value
    message: str | None = None
    format: str | None = None
    size: tuple[int, int] | None = None
    elapsed: float = 0.0
    device: str | None = None
    precision: str | None = None
    frames: int = 0

    def to_json(self) -> str:
        return json.dumps(asdict(self))


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
            frames=rendered.frames,
        )
        fields["data"] = rendered.image.data
    fields["meta"] = record.to_json()
    return fields


def result_of(fields: dict[bytes, bytes], *, max_bytes: int) -> RunResult:
    """The bot's side: the outcome hash read back as the run's result. Anything odd (a record
    that is not ours, a picture over ``max_bytes`` or not the image it claims to be) raises
    :class:`MalformedOutcome` instead of reaching the member."""
    try:
        data = json.loads(fields[b"meta"])
        outcome = Outcome(data["outcome"])
        message = data.get("message")
        if message is not None and not isinstance(message, str):
            raise MalformedOutcome("its message is not text")
    except (KeyError, ValueError, TypeError) as exc:
        raise MalformedOutcome(f"its record cannot be read ({exc})") from exc
    if outcome is not Outcome.PAINTED:
        return RunResult(outcome, message=message)
    return RunResult(Outcome.PAINTED, rendered=_rendered(data, fields.get(b"data"), max_bytes))


def _rendered(meta: dict[str, object], picture: bytes | None, max_bytes: int) -> Rendered:
    fmt, size, elapsed = meta.get("format"), meta.get("size"), meta.get("elapsed", 0.0)
    frames = meta.get("frames", 0)
    if not isinstance(frames, int) or not 0 <= frames <= 10_000:
        raise MalformedOutcome(f"its frame count {frames!r} is not one")
    if fmt not in (CLIP_FORMATS if frames else PICTURE_FORMATS):
        raise MalformedOutcome(f"its picture's format {fmt!r} is not one the engine writes")
    if not (isinstance(size, list) and len(size) == 2
            and all(isinstance(n, int) and 0 < n <= 65535 for n in size)):  # fmt: skip
        raise MalformedOutcome(f"its picture's size {size!r} is not a size")
    if not isinstance(elapsed, int | float) or not math.isfinite(elapsed) or elapsed < 0:
        raise MalformedOutcome(f"its time {elapsed!r} is not a time")
    if not picture or len(picture) > max_bytes:
        raise MalformedOutcome(f"its picture has {len(picture or b'')} bytes (at most {max_bytes})")
    try:
        if frames:
            shown = first_frame(picture).size
        else:
            with Image.open(io.BytesIO(picture), formats=[str(fmt).upper()]) as opened:
                shown = opened.size
    except (OSError, SyntaxError, ValueError) as exc:
        raise MalformedOutcome(f"its picture is not a {fmt} image") from exc
    if shown != tuple(size):
        raise MalformedOutcome(f"its picture is {shown}, not the {size} it says")
    image = EncodedImage(picture, str(fmt), (size[0], size[1]))
    device, precision = _text(meta.get("device")), _text(meta.get("precision"))
    return Rendered(image, float(elapsed), device, precision, frames=frames)


def _text(value: object) -> str:
    return value if isinstance(value, str) and len(value) <= 100 else "?"


UNREADABLE = "The painter sent back something I cannot read; the operator is told."


def read_outcome(fields: dict[bytes, bytes], *, job_id: str, key: str, max_bytes: int) -> RunResult:
    """The run's outcome, or a failure for the member if it is not one a worker of ours writes
    (a worker is a process on some host: what it sends is checked, not trusted)."""
    try:
        return result_of(fields, max_bytes=max_bytes)
    except MalformedOutcome as exc:
        log.error("job %s: run %s sent back an outcome I cannot use: %s", job_id, key, exc)
        return RunResult(Outcome.FAILED, message=UNREADABLE)

"""What travels through Redis, both halves of each codec: read back as written, and anything a
worker of ours would not write refused rather than trusted."""

from __future__ import annotations

import io
import json
import math

import pytest
from PIL import Image

from bot.broker.outcome import MalformedOutcome, outcome_fields, result_of
from bot.broker.progress import LiveReport, WorkerReport, progress_of
from bot.job import Outcome, Rendered, RunResult
from styleengine import EncodedImage, Progress


def _png(size=(24, 16)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (10, 200, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def _as_redis(fields: dict) -> dict[bytes, bytes]:
    """The hash as redis-py hands it back: bytes keys and values."""
    return {k.encode(): v.encode() if isinstance(v, str) else v for k, v in fields.items()}


PAINTED = RunResult(
    Outcome.PAINTED, rendered=Rendered(EncodedImage(_png(), "png", (24, 16)), 2.5, "cpu", "bf16")
)


def test_an_outcome_reads_back_as_it_was_written():
    assert result_of(_as_redis(outcome_fields(PAINTED)), max_bytes=1 << 20) == PAINTED
    failed = RunResult(Outcome.OUT_OF_MEMORY, message="The painter ran out of memory at size 64")
    assert result_of(_as_redis(outcome_fields(failed)), max_bytes=1 << 20) == failed


def _tampered(**meta_changes) -> dict[bytes, bytes]:
    fields = _as_redis(outcome_fields(PAINTED))
    meta = {**json.loads(fields[b"meta"]), **meta_changes}
    return {**fields, b"meta": json.dumps(meta).encode()}


@pytest.mark.parametrize(
    ("fields", "why"),
    [
        ({b"data": _png()}, "record cannot be read"),
        ({b"meta": b"not json"}, "record cannot be read"),
        ({b"meta": b'["painted"]'}, "record cannot be read"),
        (_tampered(outcome="exploded"), "record cannot be read"),
        (_tampered(outcome="failed", message=["a", "list"]), "message is not text"),
        (_tampered(format="eps"), "format 'eps'"),
        (_tampered(size=[24]), "is not a size"),
        (_tampered(size=[100_000, 16]), "is not a size"),
        (_tampered(size=[48, 32]), "not the [48, 32] it says"),
        (_tampered(elapsed=math.nan), "is not a time"),
        ({**_as_redis(outcome_fields(PAINTED)), b"data": b"%!PS-Adobe-3.0"}, "not a png image"),
        ({**_as_redis(outcome_fields(PAINTED)), b"data": b""}, "has 0 bytes"),
    ],
)
def test_an_outcome_no_worker_of_ours_writes_is_refused(fields, why):
    with pytest.raises(MalformedOutcome, match=why.replace("[", r"\[").replace("]", r"\]")):
        result_of(fields, max_bytes=1 << 20)


def _clip_outcome(fmt: str) -> RunResult:
    from styleengine.clip_writer import encode_clip

    frames = [Image.new("RGB", (24, 16), (20 * k, 90, 30)) for k in range(3)]
    clip = encode_clip(frames, [100] * 3, formats=(fmt,))
    image = EncodedImage(clip.data, clip.format, clip.size)
    return RunResult(Outcome.PAINTED, rendered=Rendered(image, 2.0, "cpu", "bf16", frames=3))


@pytest.mark.parametrize("fmt", ["gif", "webp", "mp4"])
def test_a_painted_clip_reads_back_as_it_was_written(fmt):
    painted = _clip_outcome(fmt)
    assert result_of(_as_redis(outcome_fields(painted)), max_bytes=1 << 20) == painted


def test_a_clip_no_worker_of_ours_writes_is_refused():
    fields = _as_redis(outcome_fields(_clip_outcome("mp4")))
    meta = json.loads(fields[b"meta"])
    for change, why in (
        ({"frames": -1}, "frame count"),
        ({"frames": "3"}, "frame count"),
        ({"frames": 0}, "format 'mp4'"),  # a still is never an MP4
        ({"size": [48, 32]}, r"not the \[48, 32\] it says"),
    ):
        tampered = {**fields, b"meta": json.dumps({**meta, **change}).encode()}
        with pytest.raises(MalformedOutcome, match=why):
            result_of(tampered, max_bytes=1 << 20)
    with pytest.raises(MalformedOutcome, match="not a mp4 image"):
        result_of({**fields, b"data": b"\x00\x00\x00\x18ftypmp42 junk"}, max_bytes=1 << 20)


def test_a_picture_over_the_upload_limit_is_refused():
    with pytest.raises(MalformedOutcome, match="at most 10\\)"):
        result_of(_as_redis(outcome_fields(PAINTED)), max_bytes=10)


def test_progress_reads_back_as_the_engine_reported_it():
    live = LiveReport(WorkerReport(attempt=2, device="cuda:0"))
    progress = Progress(
        scale=2, scales=3, size=(256, 171), iteration=40, iterations=100,
        losses={"content": 1.0, "style": 2.0, "tv": 0.1, "total": 3.1}, elapsed=4.0, eta=6.0,
        frame=3, frames=12,
    )  # fmt: skip
    live.update(progress, b"jpeg")
    live.update(progress, None)
    back = WorkerReport.from_json(live.report.to_json())
    assert back.preview == 1 and back.attempt == 2 and live.updates == 2
    assert progress_of(back) == progress


@pytest.mark.parametrize(
    "raw",
    [
        b"[]",
        b'{"attempt": 1}',
        b'{"attempt": "1", "device": "cpu"}',
        b'{"attempt": 1, "device": "cpu", "progress": "half"}',
        b'{"attempt": 1, "device": "cpu", "surprise": true}',
    ],
)
def test_a_progress_report_no_worker_writes_is_refused(raw):
    with pytest.raises((ValueError, TypeError)):
        WorkerReport.from_json(raw)

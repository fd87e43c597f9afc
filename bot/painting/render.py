"""Paint jobs with the engine, one or a batch: the one place both painters (the bot's own
threads and ``python -m bot.worker``) call it and turn its errors into answers for the member.

Called in a worker thread, never on an event loop.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.job import Outcome, Rendered, RunResult
from styleengine import (
    Cancelled,
    CancelToken,
    ImageError,
    Listener,
    OutOfMemory,
    ParamError,
    Progress,
    StyleParams,
    WeightsError,
    encode_image,
)
from styleengine.clip_writer import encode_clip, output_formats
from styleengine.clips import ClipLimits, is_animated, read_clip
from styleengine.images import jpeg_bytes

if TYPE_CHECKING:
    from styleengine import Result

log = logging.getLogger(__name__)

# Gets each progress report (without its image) and the preview as JPEG, if there is one.
ProgressSink = Callable[[Progress, bytes | None], None]

# Progress reports per run: enough for a smooth bar, few enough to cost nothing.
_REPORTS = 50
_PREVIEWS = 12
_PREVIEW_QUALITY = 80  # JPEG quality of a preview: a small picture edited in often
_EACH_FRAME = 1_000_000  # a clip's previews: each frame as it is finished


@dataclass(frozen=True)
class Work:
    """Everything a painter needs for one run of a job."""

    job_id: str
    content: bytes
    styles: tuple[bytes, ...]
    params: StyleParams
    upload_limit: int  # bytes the encoded picture may take
    preview_size: int
    max_pixels: int
    grid: bool = False  # each style painted apart, the pictures laid out as a numbered grid


def paint(work: Work, *, device: str, on_progress: ProgressSink, cancel: CancelToken) -> RunResult:
    """Paint ``work`` on ``device``; every way the engine can fail becomes a :class:`RunResult`
    whose message is written for the member (the details go to the log)."""
    return paint_batch([Order(work, on_progress, cancel)], device=device)[0]


@dataclass(frozen=True)
class Order:
    """One job of a batch: its work, where its progress goes, and its cancel."""

    work: Work
    on_progress: ProgressSink
    cancel: CancelToken


def paint_batch(orders: list[Order], *, device: str) -> list[RunResult]:
    """Paint every order on ``device``, those that can share a batch as one
    (:func:`styleengine.stylize_batch`); each gets its own :class:`RunResult`."""
    from styleengine import Picture, stylize_batch  # the engine (and torch) only where painted

    # A clip's frames follow one another, a grid is a batch of its own: each painted alone.
    alone = [o.work.grid or is_animated(o.work.content) for o in orders]
    if any(alone):
        stills = [o for o, apart in zip(orders, alone, strict=True) if not apart]
        painted = iter(paint_batch(stills, device=device) if stills else [])
        return [
            (_paint_grid(o, device) if o.work.grid else _paint_clip(o, device))
            if apart
            else next(painted)
            for o, apart in zip(orders, alone, strict=True)
        ]
    pictures = [
        Picture(
            o.work.content,
            list(o.work.styles),
            o.work.params,
            listener=_listener(o),
        )
        for o in orders
    ]
    limit = min(o.work.max_pixels for o in orders)  # no order gets a looser limit than its own
    try:
        outcomes = stylize_batch(pictures, device=device, max_pixels=limit)
    except Exception as exc:  # a failure outside any one picture: every order gets it
        log.exception("the engine failed on a batch of %d", len(orders))
        return [_answer(o.work, exc) for o in orders]
    return [_answer(o.work, outcome) for o, outcome in zip(orders, outcomes, strict=True)]


def _paint_clip(order: Order, device: str) -> RunResult:
    """A GIF or video, painted frame after frame (:func:`styleengine.sequence.stylize_clip`)."""
    from styleengine.sequence import stylize_clip

    work = order.work
    try:
        clip = read_clip(work.content, ClipLimits(frames=1000, seconds=600, side=work.params.size))
        total = work.params.clip_iterations(len(clip.frames))
        listener = _listener(order, total, preview_every=_EACH_FRAME)
        result = stylize_clip(
            clip,
            list(work.styles),
            work.params,
            device=device,
            on_progress=listener.on_progress,
            progress_every=listener.progress_every,
            preview_every=listener.preview_every,
            preview_size=listener.preview_size,
            cancel=order.cancel,
            max_pixels=work.max_pixels,
        )
        encoded = encode_clip(
            result.frames,
            result.durations,
            loop=result.loop,
            formats=output_formats(clip.kind),
            max_bytes=work.upload_limit,
        )
    except Exception as exc:
        return _answer(work, exc)
    rendered = Rendered(
        image=encoded,
        elapsed=result.elapsed,
        device=result.device,
        precision=result.precision,
        frames=len(result.frames),
    )
    return RunResult(Outcome.PAINTED, rendered=rendered)


def _paint_grid(order: Order, device: str) -> RunResult:
    """One photo in each of its styles, as one batch, laid out as a numbered grid
    (:func:`styleengine.choices.stylize_choices`)."""
    from styleengine.choices import stylize_choices

    work = order.work
    listener = _listener(order)
    try:
        choices = stylize_choices(
            work.content,
            list(work.styles),
            work.params,
            device=device,
            on_progress=listener.on_progress,
            progress_every=listener.progress_every,
            preview_every=listener.preview_every,
            preview_size=2 * work.preview_size,  # the tiles each at about the usual size
            cancel=order.cancel,
            max_pixels=work.max_pixels,
        )
        image = encode_image(choices.grid(), max_bytes=work.upload_limit)
    except Exception as exc:
        return _answer(work, exc)
    rendered = Rendered(
        image=image, elapsed=choices.elapsed, device=choices.device, precision=choices.precision
    )
    return RunResult(Outcome.PAINTED, rendered=rendered)


def _listener(order: Order, iterations: int | None = None, preview_every: int = 0) -> Listener:
    iterations = iterations or order.work.params.iterations

    def report(progress: Progress) -> None:
        preview = None
        if progress.preview is not None:
            preview = jpeg_bytes(progress.preview, quality=_PREVIEW_QUALITY)
        order.on_progress(dataclasses.replace(progress, preview=None), preview)

    return Listener(
        on_progress=report,
        progress_every=max(1, iterations // _REPORTS),
        preview_every=preview_every or max(1, iterations // _PREVIEWS),
        preview_size=order.work.preview_size,
        cancel=order.cancel,
    )


def _answer(work: Work, outcome: Result | Exception) -> RunResult:
    """The engine's result, or its failure as a message for the member."""
    size = work.params.size
    if not isinstance(outcome, Exception):
        rendered = Rendered(
            image=encode_image(outcome.image, max_bytes=work.upload_limit),
            elapsed=outcome.elapsed,
            device=str(outcome.device),
            precision=outcome.precision,
        )
        return RunResult(Outcome.PAINTED, rendered=rendered)
    if isinstance(outcome, Cancelled):
        return RunResult(Outcome.CANCELLED)
    if isinstance(outcome, OutOfMemory):
        if outcome.foreseen:  # refused before it started: say what it needs
            log.warning("job %s: not started, %s", work.job_id, outcome.foreseen)
            return RunResult(
                Outcome.OUT_OF_MEMORY,
                message=f"The painter has too little memory: {outcome.foreseen}",
            )
        return RunResult(
            Outcome.OUT_OF_MEMORY, message=f"The painter ran out of memory at size {size}"
        )
    if isinstance(outcome, (ImageError, ParamError)):
        return RunResult(Outcome.FAILED, message=f"I could not paint this: {outcome}.")
    if isinstance(outcome, WeightsError):
        log.error("job %s: the model weights could not be loaded", work.job_id, exc_info=outcome)
        return RunResult(
            Outcome.FAILED,
            message="The painter is misconfigured (model weights); the operator is told.",
        )
    log.error("job %s: the engine failed", work.job_id, exc_info=outcome)
    return RunResult(
        Outcome.FAILED,
        message=f"The painter failed ({type(outcome).__name__}); please try again.",
    )

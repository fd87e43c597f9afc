"""Paint one job with the engine: the one place both painters (the bot's own threads and
``python -m bot.worker``) call it and turn its errors into answers for the member.

Called in a worker thread, never on an event loop.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass

from bot.job import Outcome, Rendered, RunResult
from styleengine import (
    Cancelled,
    CancelToken,
    ImageError,
    OutOfMemory,
    ParamError,
    Progress,
    StyleParams,
    WeightsError,
    encode_image,
)
from styleengine.images import jpeg_bytes

log = logging.getLogger(__name__)

# Gets each progress report (without its image) and the preview as JPEG, if there is one.
ProgressSink = Callable[[Progress, bytes | None], None]

# Progress reports per run: enough for a smooth bar, few enough to cost nothing.
_REPORTS = 50
_PREVIEWS = 12
_PREVIEW_QUALITY = 80  # JPEG quality of a preview: a small picture edited in often


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


def paint(work: Work, *, device: str, on_progress: ProgressSink, cancel: CancelToken) -> RunResult:
    """Paint ``work`` on ``device``; every way the engine can fail becomes a :class:`RunResult`
    whose message is written for the member (the details go to the log)."""
    size = work.params.size
    try:
        rendered = _render(work, device=device, on_progress=on_progress, cancel=cancel)
    except Cancelled:
        return RunResult(Outcome.CANCELLED)
    except OutOfMemory as exc:
        if exc.foreseen:  # refused before it started: say what it needs
            log.warning("job %s: not started, %s", work.job_id, exc.foreseen)
            return RunResult(
                Outcome.OUT_OF_MEMORY, message=f"The painter has too little memory: {exc.foreseen}"
            )
        return RunResult(
            Outcome.OUT_OF_MEMORY, message=f"The painter ran out of memory at size {size}"
        )
    except (ImageError, ParamError) as exc:
        return RunResult(Outcome.FAILED, message=f"I could not paint this: {exc}.")
    except WeightsError:
        log.exception("job %s: the model weights could not be loaded", work.job_id)
        return RunResult(
            Outcome.FAILED,
            message="The painter is misconfigured (model weights); the operator is told.",
        )
    except Exception as exc:
        log.exception("job %s: the engine failed", work.job_id)
        return RunResult(
            Outcome.FAILED, message=f"The painter failed ({type(exc).__name__}); please try again."
        )
    return RunResult(Outcome.PAINTED, rendered=rendered)


def _render(work: Work, *, device: str, on_progress: ProgressSink, cancel: CancelToken) -> Rendered:
    from styleengine import stylize  # the engine (and torch) only where a job is painted

    iterations = work.params.iterations

    def report(progress: Progress) -> None:
        preview = None
        if progress.preview is not None:
            preview = jpeg_bytes(progress.preview, quality=_PREVIEW_QUALITY)
        on_progress(dataclasses.replace(progress, preview=None), preview)

    result = stylize(
        work.content,
        list(work.styles),
        work.params,
        device=device,
        on_progress=report,
        progress_every=max(1, iterations // _REPORTS),
        preview_every=max(1, iterations // _PREVIEWS),
        preview_size=work.preview_size,
        cancel=cancel,
        max_pixels=work.max_pixels,
    )
    return Rendered(
        image=encode_image(result.image, max_bytes=work.upload_limit),
        elapsed=result.elapsed,
        device=str(result.device),
        precision=result.precision,
    )

"""Run one job through the engine. Called in a worker thread, never on the event loop."""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Callable

from PIL import Image

from bot.jobs.job import Job, Rendered
from styleengine import Progress, encode_image, stylize

# Gets each progress report (without its image) and the preview as JPEG, if there is one.
FrameSink = Callable[[Progress, bytes | None], None]

# Progress reports per run: enough for a smooth bar, few enough to cost nothing.
_REPORTS = 50
_PREVIEWS = 12


def render(
    job: Job, *, device: str, on_frame: FrameSink, preview_size: int, max_pixels: int
) -> Rendered:
    """Stylize ``job``'s inputs on ``device``; raises the engine's errors unchanged."""
    iterations = job.params.iterations

    def report(progress: Progress) -> None:
        preview = _jpeg(progress.preview) if progress.preview is not None else None
        on_frame(dataclasses.replace(progress, preview=None), preview)

    result = stylize(
        job.content.data,
        [style.data for style in job.styles],
        job.params,
        device=device,
        on_progress=report,
        progress_every=max(1, iterations // _REPORTS),
        preview_every=max(1, iterations // _PREVIEWS),
        preview_size=preview_size,
        cancel=job.cancel,
        max_pixels=max_pixels,
    )
    return Rendered(
        image=encode_image(result.image, max_bytes=job.upload_limit),
        elapsed=result.elapsed,
        device=str(result.device),
        precision=result.precision,
    )


def _jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()

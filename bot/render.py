"""Run one job through the engine. Called in a worker thread, never on the event loop."""

from __future__ import annotations

import io
from collections.abc import Callable

from PIL import Image

from bot.jobs import Job, ProgressFrame, Rendered
from styleengine import Progress, encode_image, stylize

FrameSink = Callable[[ProgressFrame, bytes | None], None]

# Progress reports per run: enough for a smooth bar, few enough to cost nothing.
_REPORTS = 50
_PREVIEWS = 12


def render(
    job: Job, *, device: str, on_frame: FrameSink, preview_size: int, max_pixels: int
) -> Rendered:
    """Stylize ``job``'s inputs on ``device``; raises the engine's errors unchanged."""
    iterations = job.params.iterations

    def report(progress: Progress) -> None:
        frame = ProgressFrame(
            scale=progress.scale,
            scales=progress.scales,
            size=progress.size,
            iteration=progress.iteration,
            iterations=progress.iterations,
            elapsed=progress.elapsed,
            eta=progress.eta,
        )
        on_frame(frame, _jpeg(progress.preview) if progress.preview is not None else None)

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
    encoded = encode_image(result.image, max_bytes=job.upload_limit)
    return Rendered(
        data=encoded.data,
        extension=encoded.extension,
        size=encoded.size,
        elapsed=result.elapsed,
        device=str(result.device),
        precision=result.precision,
    )


def _jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()

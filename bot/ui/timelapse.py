"""A job's timelapse: its progress previews from the coarsest scale to the finest, then the
finished picture, as an animated WebP that fits the room left in the upload limit.

Previews grow with the scales; every frame is fitted onto the finished picture's shape at the
size of the largest preview, so the animation does not jump. Where even a short, small version
does not fit, there is no timelapse (the caller says so)."""

from __future__ import annotations

import io
from collections.abc import Sequence

from PIL import Image

_FRAME_MS = 350
_LAST_FRAME_MS = 1500
_QUALITIES = (80, 60, 40)


def timelapse(previews: Sequence[bytes], final: bytes, *, max_bytes: int) -> bytes | None:
    """The animated WebP, or None when there are no previews or it cannot fit ``max_bytes``."""
    if not previews or max_bytes <= 0:
        return None
    frames = [_open(data) for data in previews]
    side = max(max(frame.size) for frame in frames)
    last = _open(final)
    last.thumbnail((side, side), Image.Resampling.LANCZOS)
    size = last.size
    frames = [frame.resize(size, Image.Resampling.LANCZOS) for frame in frames] + [last]
    while True:
        for quality in _QUALITIES:
            data = _webp(frames, quality)
            if len(data) <= max_bytes:
                return data
        if len(frames) <= 3:
            return None
        frames = [*frames[:-1:2], frames[-1]]  # every other preview, the picture still last


def _open(data: bytes) -> Image.Image:
    with Image.open(io.BytesIO(data)) as image:
        return image.convert("RGB")


def _webp(frames: list[Image.Image], quality: int) -> bytes:
    out = io.BytesIO()
    durations = [_FRAME_MS] * (len(frames) - 1) + [_LAST_FRAME_MS]
    frames[0].save(
        out,
        format="WEBP",
        save_all=True,
        append_images=frames[1:],
        duration=durations,
        loop=0,
        quality=quality,
        method=4,
    )
    return out.getvalue()

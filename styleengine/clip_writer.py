"""Animated pictures out: GIF and animated WebP (Pillow), MP4 (:mod:`styleengine.video`), or a
folder of PNG frames; each frame shown for its own time, the loop count kept.

A GIF holds 256 colours: every frame is mapped to one palette made from the whole clip, so that a
colour does not change its dither from frame to frame (a palette per frame makes still areas
shimmer).
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from styleengine.clips import Clip, ClipError
from styleengine.images import EncodedImage, resize

CLIP_FORMATS = ("gif", "webp", "mp4")
PALETTE_SAMPLES = 8  # frames the GIF's one palette is made from


def encode_clip(
    frames: list[Image.Image],
    durations: list[int],
    *,
    loop: int | None = 0,
    formats: tuple[str, ...] = ("gif",),
    max_bytes: int | None = None,
) -> EncodedImage:
    """The clip in the first of ``formats`` that fits ``max_bytes``; past all of them, smaller
    frames (three quarters a side at a time). :class:`ClipError` if nothing fits."""
    current = frames
    while True:
        for fmt in formats:
            data = _encode(current, durations, loop, fmt)
            if max_bytes is None or len(data) <= max_bytes:
                width, height = current[0].size
                if fmt == "mp4":  # H.264 in 4:2:0 takes even sides: the odd pixel is dropped
                    width, height = width - width % 2, height - height % 2
                return EncodedImage(data, fmt, (width, height))
        width, height = current[0].size
        if max_bytes is None or min(width, height) <= 32:
            raise ClipError(f"the painted clip does not fit in {max_bytes} bytes")
        size = (round(width * 0.75), round(height * 0.75))
        current = [resize(frame, size) for frame in current]


def _encode(frames: list[Image.Image], durations: list[int], loop: int | None, fmt: str) -> bytes:
    if fmt == "mp4":
        from styleengine.video import write_video

        return write_video(frames, durations)
    buffer = io.BytesIO()
    if fmt == "gif":
        palette = shared_palette(frames)
        mapped = [f.quantize(palette=palette, dither=Image.Dither.FLOYDSTEINBERG) for f in frames]
        looping = {} if loop is None else {"loop": loop}  # no loop given: played once
        mapped[0].save(buffer, "GIF", save_all=True, append_images=mapped[1:],
                       duration=durations, optimize=False, disposal=1, **looping)  # fmt: skip
    elif fmt == "webp":
        frames[0].save(buffer, "WEBP", save_all=True, append_images=frames[1:],
                       duration=durations, loop=1 if loop is None else loop, quality=85,
                       method=4)  # fmt: skip
    else:
        raise ClipError(f"cannot write a clip as {fmt!r}: {', '.join(CLIP_FORMATS)}")
    return buffer.getvalue()


def kept_bytes(clip: Clip) -> bytes:
    """``clip`` as a service keeps it until it is painted: a video as MP4, an animation as an
    animated WebP (quality 90), with its frames' times and its loop count; reading either back
    gives the same frames (up to compression), of the same kind of clip."""
    if clip.kind == "video":
        return _encode(clip.frames, clip.durations, clip.loop, "mp4")
    buffer = io.BytesIO()
    clip.frames[0].save(buffer, "WEBP", save_all=True, append_images=clip.frames[1:],
                        duration=clip.durations, loop=1 if clip.loop is None else clip.loop,
                        quality=90, method=4)  # fmt: skip
    return buffer.getvalue()


def output_formats(kind: str) -> tuple[str, ...]:
    """What a painted clip is sent back as, first choice first: a video gives a video; an
    animation an animation where it fits (GIF, which plays everywhere, then WebP), else MP4."""
    return ("mp4",) if kind == "video" else ("gif", "webp", "mp4")


def shared_palette(frames: list[Image.Image]) -> Image.Image:
    """One 256-colour palette for all of ``frames`` (made from evenly spaced ones)."""
    step = max(1, len(frames) // PALETTE_SAMPLES)
    sample = frames[::step][:PALETTE_SAMPLES]
    width, height = sample[0].size
    sheet = Image.new("RGB", (width, height * len(sample)))
    for k, frame in enumerate(sample):
        sheet.paste(frame, (0, k * height))
    return sheet.quantize(256, method=Image.Quantize.MEDIANCUT)


def save_clip(
    frames: list[Image.Image], durations: list[int], path: str | Path, *, loop: int | None = 0
) -> Path:
    """Write the clip where ``path`` says: a folder (ending in ``/`` or existing) gets
    ``frame_0000.png``, ...; ``.gif``, ``.webp`` and ``.mp4`` files their format."""
    target = Path(path)
    if str(path).endswith(("/", "\\")) or target.is_dir():
        target.mkdir(parents=True, exist_ok=True)
        for k, frame in enumerate(frames):
            frame.save(target / f"frame_{k:04d}.png")
        return target
    fmt = target.suffix.lower().lstrip(".")
    if fmt not in CLIP_FORMATS:
        raise ClipError(
            f"a clip is written as .gif, .webp, .mp4 or a folder (DIR/), not {target.name!r}"
        )
    target.write_bytes(_encode(frames, durations, loop, fmt))
    return target

"""Animated pictures in: GIF, animated WebP and APNG (Pillow), MP4/WebM/MOV and the other
containers FFmpeg reads (PyAV). No torch: the bot checks a member's clip with it before queueing.

A clip is decoded in two passes, both bounded before anything large is held: the first reads
only the frames' times (GIF and WebP frames are decoded one at a time and dropped; a video's
packets are read without decoding) up to :attr:`ClipLimits.seconds`; the second decodes only the
frames kept, each brought down to :attr:`ClipLimits.side` on its long side as soon as it is
decoded. A clip longer than the limit is trimmed; one with more frames than
:attr:`ClipLimits.frames` in that time has its frame rate lowered (evenly spaced frames, each
shown for the time of those it stands for). :class:`Clip` says which, for the member.
"""

from __future__ import annotations

import io
import math
import struct
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageSequence, UnidentifiedImageError

from styleengine.images import ImageError, fit_long_side, resize, to_rgb

ANIMATED_FORMATS = ("GIF", "WEBP", "PNG")  # what Pillow reads as animations (PNG: APNG)
MIN_FRAME_MS = 20  # browsers show a GIF frame of under 20 ms for 100 ms; so do we
SHORT_FRAME_MS = 100
MIN_SIDE = 16  # a clip with a shorter side has nothing to paint


class ClipError(ImageError):
    """A clip that cannot be read or painted; the message says why."""


@dataclass(frozen=True)
class ClipLimits:
    """How much of a clip is taken: at most ``seconds`` of it (the rest trimmed), at most
    ``frames`` frames (the frame rate lowered to fit), each frame brought to ``side`` pixels on
    its long side. ``scan_frames`` bounds the first pass (a GIF of 10,000 one-millisecond frames
    is refused, not decoded), ``max_pixels`` a frame's size from its header."""

    frames: int = 48
    seconds: float = 10.0
    side: int = 512
    scan_frames: int = 2000
    max_pixels: int = 40_000_000

    def __post_init__(self) -> None:
        if self.frames < 1 or self.seconds <= 0 or self.side < MIN_SIDE or self.scan_frames < 1:
            raise ValueError(f"limits out of range: {self}")


@dataclass(frozen=True)
class Clip:
    """Frames (RGB, all one size) with how long each is shown, and how often the clip loops."""

    frames: list[Image.Image]
    durations: list[int]  # milliseconds, one per frame
    loop: int | None = 0  # 0: forever; n: n more times (GIF's meaning); None: played once
    source_frames: int = 0  # frames read in the first pass (the clip's, up to the limits)
    source_seconds: float = 0.0  # the clip's length, as far as it was read
    trimmed: bool = False  # the clip was longer than the limit: its end was left out
    thinned: bool = False  # the frame rate was lowered to fit the frame limit
    kind: str = "gif"  # "gif", "webp", "apng" or "video"
    background: tuple[int, int, int] = field(default=(255, 255, 255))  # under transparency

    @property
    def size(self) -> tuple[int, int]:
        return self.frames[0].size

    @property
    def seconds(self) -> float:
        return sum(self.durations) / 1000

    @property
    def animated(self) -> bool:
        return len(self.frames) > 1


def is_animated(data: bytes | str | Path) -> bool:
    """Whether ``data`` is a clip (an animation or a video) rather than a still picture; a
    damaged or unknown file is not (reading it as a still says what is wrong)."""
    raw = Path(data).read_bytes() if isinstance(data, str | Path) else data
    try:
        image = _open_animation(raw)
    except ClipError:  # too large to open: reading it as a still says so
        return False
    if image is not None:
        with image:
            try:
                return bool(getattr(image, "is_animated", False))
            except Exception:  # damaged past its first frame: reading it says how
                return True
    return _looks_like_video(raw)


def read_clip(data: bytes | str | Path, limits: ClipLimits | None = None) -> Clip:
    """The clip in ``data`` (an animation or a video), within ``limits``; :class:`ClipError`
    for anything that is not a clip that can be painted."""
    limits = limits or ClipLimits()
    raw = Path(data).read_bytes() if isinstance(data, str | Path) else data
    if not raw:
        raise ClipError("the clip is an empty file")
    image = _open_animation(raw)
    if image is not None:
        with image:
            return _read_animation(image, limits)
    from styleengine.video import read_video  # PyAV only where a video comes

    return read_video(raw, limits)


def first_frame(data: bytes) -> Image.Image:
    """The first frame of a clip, or the picture itself (RGB): a clip's poster."""
    if is_animated(data):
        return read_clip(data, ClipLimits(frames=1, seconds=0.001, side=4096)).frames[0]
    with Image.open(io.BytesIO(data)) as image:
        image.seek(0)
        return to_rgb(image.convert("RGBA") if image.mode == "P" else image.copy())


def _open_animation(raw: bytes) -> Image.Image | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return Image.open(io.BytesIO(raw), formats=ANIMATED_FORMATS)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, struct.error):
        return None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ClipError("the clip's frames are too large to decode safely") from exc


# ISO media files whose brand says they hold still pictures (HEIF, HEIC, AVIF), not video.
PICTURE_BRANDS = frozenset(
    {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs", b"mif1", b"msf1",
     b"avif", b"avis"}
)  # fmt: skip


def video_container(raw: bytes) -> str | None:
    """The demuxer for a video in ``raw`` (``mp4`` for ISO media and QuickTime, ``matroska``
    for Matroska and WebM), from its first bytes; None if it is not one."""
    if raw[4:8] == b"ftyp" and raw[8:12] not in PICTURE_BRANDS:
        return "mp4"
    if raw[:4] == b"\x1a\x45\xdf\xa3":
        return "matroska"
    return None


def _looks_like_video(raw: bytes) -> bool:
    return video_container(raw) is not None


def check_frame_size(size: tuple[int, int], limits: ClipLimits) -> None:
    width, height = size
    if min(width, height) < MIN_SIDE:
        raise ClipError(f"the clip is too small to paint: {width}x{height} pixels")
    if width * height > limits.max_pixels:
        raise ClipError(f"the clip's frames are too large: {width}x{height}")
    if max(width, height) / min(width, height) > 20:
        raise ClipError(f"the clip is too narrow: {width}x{height}")


def frame_ms(ms: float | None) -> int:
    """How long a frame is shown, as browsers show it."""
    if ms is None or not math.isfinite(ms) or ms < MIN_FRAME_MS:
        return SHORT_FRAME_MS
    return round(ms)


@dataclass(frozen=True)
class Selection:
    """Which of the first ``scanned`` frames are kept, and each kept frame's time on screen."""

    keep: list[int]
    durations: list[int]
    scanned: int
    seconds: float
    trimmed: bool
    thinned: bool


def select_frames(durations: list[int], limits: ClipLimits, *, more: bool) -> Selection:
    """The frames to paint from a clip whose first frames last ``durations`` ms (``more``: the
    clip went on past them). Frames start within ``limits.seconds``; where more than
    ``limits.frames`` do, evenly spaced ones are kept, each lasting until the next kept one."""
    starts = [0]
    for ms in durations[:-1]:
        starts.append(starts[-1] + ms)
    within = [i for i, s in enumerate(starts) if s < limits.seconds * 1000]
    trimmed = more or len(within) < len(durations)
    shown = sum(durations[i] for i in within)
    if len(within) > limits.frames:
        keep = sorted({within[math.floor(k * len(within) / limits.frames)]
                       for k in range(limits.frames)})  # fmt: skip
    else:
        keep = within
    ends = [starts[i] for i in keep[1:]] + [starts[within[-1]] + durations[within[-1]]]
    kept_ms = [end - starts[i] for i, end in zip(keep, ends, strict=True)]
    return Selection(keep, kept_ms, len(durations), shown / 1000, trimmed, keep != within)


def _read_animation(image: Image.Image, limits: ClipLimits) -> Clip:
    check_frame_size(image.size, limits)
    kind = {"GIF": "gif", "WEBP": "webp", "PNG": "apng"}[image.format or "GIF"]
    loop = image.info.get("loop", None if kind == "gif" else 0)
    loop = None if loop is None else int(loop)
    durations: list[int] = []
    more = False
    try:
        for index, frame in enumerate(ImageSequence.Iterator(image)):
            if index >= limits.scan_frames:
                raise ClipError(
                    f"the clip has over {limits.scan_frames} frames in its first "
                    f"{limits.seconds:g} s: too many to read"
                )
            if sum(durations) >= limits.seconds * 1000:
                more = True
                break
            if frame.size != image.size:
                raise ClipError("the clip's frames change size")
            if kind == "webp":
                frame.load()  # Pillow reads a WebP frame's duration as it decodes it
            durations.append(frame_ms(frame.info.get("duration")))
        chosen = select_frames(durations, limits, more=more)
        frames = list(_decode(image, chosen.keep, limits.side))
    except ClipError:
        raise
    except Exception as exc:  # Pillow's decoders fail on a damaged file in many ways
        raise ClipError(f"the clip is damaged or truncated ({exc})") from exc
    if not frames:
        raise ClipError("the clip has no frames")
    return Clip(
        frames,
        chosen.durations,
        loop=loop,
        source_frames=chosen.scanned,
        source_seconds=chosen.seconds,
        trimmed=chosen.trimmed,
        thinned=chosen.thinned,
        kind=kind,
    )


def _decode(image: Image.Image, keep: list[int], side: int) -> Iterator[Image.Image]:
    """The frames at ``keep`` (composited, transparency flattened on white), long side at most
    ``side``."""
    target = fit_long_side(image.size, min(side, max(image.size)))
    wanted = set(keep)
    for index, frame in enumerate(ImageSequence.Iterator(image)):
        if index > keep[-1]:
            break
        if index in wanted:
            yield resize(to_rgb(frame.copy()), target)

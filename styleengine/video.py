"""Videos in and out with PyAV (FFmpeg's libraries inside its wheel): MP4, MOV and WebM.

Only ISO media (MP4/MOV) and Matroska (WebM/MKV) are opened, each with its own demuxer named:
FFmpeg's format probing would also take playlists and other formats that open further files
or URLs, which a member's upload must not make the bot do.
"""

from __future__ import annotations

import io
import itertools
from fractions import Fraction

import av
import av.error
from PIL import Image

from styleengine.clips import (
    Clip,
    ClipError,
    ClipLimits,
    check_frame_size,
    frame_ms,
    select_frames,
    video_container,
)
from styleengine.images import fit_long_side, resize

MP4_TIME_BASE = Fraction(1, 1000)  # frame times in milliseconds: a GIF's own timing kept


def _demuxer(raw: bytes) -> str:
    name = video_container(raw)
    if name is None:
        raise ClipError("the file is not a video or an animated picture that can be read")
    return name


def read_video(raw: bytes, limits: ClipLimits) -> Clip:
    """The video in ``raw`` within ``limits`` (see :mod:`styleengine.clips`)."""
    try:
        with av.open(io.BytesIO(raw), mode="r", format=_demuxer(raw)) as container:
            if not container.streams.video:
                raise ClipError("the file has no video in it (no video track, or one of no frames)")
            stream = container.streams.video[0]
            check_frame_size((stream.codec_context.width, stream.codec_context.height), limits)
            times, more = _frame_times(container, stream, limits)
            if not times:
                raise ClipError("the video has no frames")
            durations = [frame_ms(1000 * (b - a)) for a, b in itertools.pairwise(times)]
            # The last frame's own time is not in the file's frame times: as long as the one
            # before it (or one frame at the stream's rate).
            if durations:
                durations.append(durations[-1])
            else:
                rate = float(stream.average_rate) if stream.average_rate else 0.0
                durations.append(frame_ms(1000 / rate if rate > 0 else None))
            chosen = select_frames(durations, limits, more=more)
            container.seek(0)
            frames = _decode(container, stream, chosen.keep, limits.side)
    except ClipError:
        raise
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        raise ClipError(f"the video cannot be read ({exc})") from exc
    if len(frames) < len(chosen.keep):
        raise ClipError("the video is damaged: frames are missing")
    return Clip(
        frames,
        chosen.durations,
        loop=0,
        source_frames=chosen.scanned,
        source_seconds=chosen.seconds,
        trimmed=chosen.trimmed,
        thinned=chosen.thinned,
        kind="video",
    )


def _frame_times(
    container: av.container.InputContainer, stream: av.video.stream.VideoStream, limits: ClipLimits
) -> tuple[list[float], bool]:
    """The presentation times (s) of the video's frames up to the limits, read from its packets
    without decoding them; and whether it goes on past them."""
    base = stream.time_base or Fraction(1, 1000)
    times: list[float] = []
    for packet in container.demux(stream):
        if packet.pts is None or packet.size == 0:
            continue
        if len(times) >= limits.scan_frames:
            raise ClipError(f"the video has over {limits.scan_frames} frames: too many to read")
        times.append(float(packet.pts * base))
        if times[-1] - min(times) >= limits.seconds + 1:
            return sorted(times), True
    times.sort()
    return [t - times[0] for t in times] if times else [], False


def _decode(
    container: av.container.InputContainer,
    stream: av.video.stream.VideoStream,
    keep: list[int],
    side: int,
) -> list[Image.Image]:
    wanted = set(keep)
    size = (stream.codec_context.width, stream.codec_context.height)
    target = fit_long_side(size, min(side, max(size)))
    frames: list[Image.Image] = []
    for index, frame in enumerate(container.decode(stream)):
        if index > keep[-1]:
            break
        if (frame.width, frame.height) != size:
            raise ClipError("the video's frames change size")
        if index in wanted:
            picture: Image.Image = frame.to_image()  # type: ignore[no-untyped-call]
            frames.append(resize(picture.convert("RGB"), target))
    return frames


def write_video(frames: list[Image.Image], durations: list[int], *, crf: int = 20) -> bytes:
    """``frames`` as an H.264 MP4 (yuv420p, which every player and Discord's plays), each shown
    for its own duration (ms); sides made even by dropping a pixel where odd."""
    width, height = frames[0].size
    width, height = width - width % 2, height - height % 2
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=1000)
        stream.width, stream.height = width, height
        stream.pix_fmt = "yuv420p"
        stream.time_base = MP4_TIME_BASE
        stream.options = {"crf": str(crf), "preset": "medium"}
        start = 0
        for image, ms in zip(frames, durations, strict=True):
            cropped = image.crop((0, 0, width, height))
            frame = av.VideoFrame.from_image(cropped)  # type: ignore[no-untyped-call]
            frame.pts, frame.time_base = start, MP4_TIME_BASE
            start += ms
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return buffer.getvalue()

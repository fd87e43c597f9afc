"""Small clips for the clip tests: a pan across a sample photo, written as the formats a member
sends."""

import io
from pathlib import Path

from PIL import Image

from styleengine.clip_writer import save_clip
from styleengine.video import write_video


def pan(data_dir: Path, frames: int, size: tuple[int, int] = (48, 32)) -> list[Image.Image]:
    photo = Image.open(data_dir / "chelsea.jpg").convert("RGB")
    width, height = photo.width * 2 // 3, photo.height * 2 // 3
    step = min(6, (photo.width - width) // max(1, frames - 1))  # a slow pan: 6 px a frame
    return [photo.crop((k * step, 0, k * step + width, height)).resize(size) for k in range(frames)]


def gif_bytes(frames: list[Image.Image], durations: list[int], loop: int = 0) -> bytes:
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=durations,
                   loop=loop)  # fmt: skip
    return buffer.getvalue()


def mp4_bytes(frames: list[Image.Image], ms: int = 100) -> bytes:
    return write_video(frames, [ms] * len(frames))


def written(tmp_path: Path, frames: list[Image.Image], name: str, ms: int = 100) -> Path:
    return save_clip(frames, [ms] * len(frames), tmp_path / name)


def empty_mp4() -> bytes:
    """An MP4 with a video track of no frames (a zero-length video)."""
    import av

    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = 32, 32, "yuv420p"
        container.start_encoding()
    return buffer.getvalue()

"""Clips with known motion, made from the benchmark's photos: a pan, a zoom, and an object moving
over a background (a disc of the cat crossing the launch pad). Frames 80 ms each."""

from __future__ import annotations

from collections.abc import Callable

from PIL import Image, ImageDraw

from bench.pairs import IMAGES
from styleengine.clips import Clip

FRAME_MS = 80


def pan(frames: int) -> list[Image.Image]:
    photo = Image.open(IMAGES / "chelsea.png").convert("RGB")  # 451 x 300
    width, height = 300, 200
    travel = photo.width - width
    return [
        photo.crop((x, 40, x + width, 40 + height))
        for x in (round(travel * k / max(1, frames - 1)) for k in range(frames))
    ]


def zoom(frames: int) -> list[Image.Image]:
    photo = Image.open(IMAGES / "astronaut.png").convert(
        "RGB"
    )  # 512 x 512, the face near (250, 150)
    out = []
    for k in range(frames):
        side = 512 - 256 * k / max(1, frames - 1)
        cx, cy = (
            256 + (250 - 256) * k / max(1, frames - 1),
            256 + (170 - 256) * k / max(1, frames - 1),
        )
        box = (cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2)
        out.append(photo.resize((384, 384), Image.Resampling.LANCZOS, box=box))
    return out


def moving_object(frames: int) -> list[Image.Image]:
    background = Image.open(IMAGES / "rocket.jpg").convert("RGB").resize((384, 256))
    cat = Image.open(IMAGES / "chelsea.png").convert("RGB").crop((150, 40, 310, 200))
    cat = cat.resize((96, 96))
    disc = Image.new("L", cat.size, 0)
    ImageDraw.Draw(disc).ellipse((0, 0, 95, 95), fill=255)
    out = []
    for k in range(frames):
        t = k / max(1, frames - 1)
        frame = background.copy()
        frame.paste(cat, (round(10 + 270 * t), round(140 - 100 * t)), disc)
        out.append(frame)
    return out


SCENES: dict[str, Callable[[int], list[Image.Image]]] = {
    "pan": pan,
    "zoom": zoom,
    "object": moving_object,
}


def scene(name: str, frames: int) -> Clip:
    pictures = SCENES[name](frames)
    return Clip(pictures, [FRAME_MS] * len(pictures), loop=0, source_frames=len(pictures))

"""The clip benchmark: painting a clip without flicker against painting each frame alone.

    python bench/clip.py [--scenes pan zoom object] [--frames 48] [--size 256] [--set k=v ...]

For each clip with known motion (``bench/clip_scenes.py``) it paints the clip with
:func:`~styleengine.sequence.stylize_clip` and, as the anchor, every frame alone with
:func:`~styleengine.stylize` (what every Gatys implementation does to a clip), then prints:

* temporal error: mean |O_t - warp(O_t-1)| over the pixels the motion keeps visible (RGB levels
  0..255; the motion from the photo frames, the same for both), ours against the anchor's;
* per frame, the style and content distances (``styleengine.metrics``, at the clip's size) of our
  frame over the anchor's (the still picture of that frame): mean and worst;
* the clip's time over a still's (the anchor's mean time per frame).

Targets (issue 25): temporal error at most 0.4x the anchor's, every frame's distances within
15 % of the still's, a 48-frame 256 px clip in at most 10x a still's time. ``--strip`` writes a
strip of frames (ours above, frame by frame below) per clip, ``--animation`` our first clip.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.clip_scenes import SCENES, scene
from bench.pairs import IMAGES
from styleengine import StyleParams, load_image, stylize
from styleengine.clip_writer import save_clip
from styleengine.flow import motion, temporal_error
from styleengine.images import fit_long_side, resize
from styleengine.metrics import Evaluator
from styleengine.sequence import stylize_clip

TEMPORAL_TARGET = 0.4
DISTANCE_TARGET = 1.15
TIME_TARGET = 10.0


@dataclass(frozen=True)
class Row:
    name: str
    temporal: float
    anchor_temporal: float
    style_mean: float
    style_worst: float
    content_mean: float
    content_worst: float
    seconds: float
    still_seconds: float

    @property
    def met(self) -> bool:
        return (
            self.temporal <= TEMPORAL_TARGET * self.anchor_temporal
            and max(self.style_worst, self.content_worst) <= DISTANCE_TARGET
            and self.seconds <= TIME_TARGET * self.still_seconds
        )


def measure(
    name: str, frames: int, params: StyleParams, painting: Image.Image
) -> tuple[Row, list[Image.Image], list[Image.Image], list[int]]:
    clip = scene(name, frames)
    size = fit_long_side(clip.size, params.size)
    photos = [resize(f, size) for f in clip.frames]
    started = time.perf_counter()
    ours = stylize_clip(clip, [painting], params).frames
    seconds = time.perf_counter() - started
    started = time.perf_counter()
    alone = [stylize(f, [painting], params).image for f in clip.frames]
    still = (time.perf_counter() - started) / len(alone)
    motions = [motion(photos[k - 1], photos[k]) for k in range(1, len(photos))]

    def flicker(pictures: list[Image.Image]) -> float:
        arrays = [np.asarray(p, dtype=np.float32) / 255 for p in pictures]
        errors = [temporal_error(arrays[k - 1], arrays[k], m) for k, m in enumerate(motions, 1)]
        return float(np.mean(errors))

    judge = Evaluator(params.size)
    ours_d = [judge.distances(o, p, painting) for o, p in zip(ours, photos, strict=True)]
    alone_d = [judge.distances(a, p, painting) for a, p in zip(alone, photos, strict=True)]
    style = [o.style / a.style for o, a in zip(ours_d, alone_d, strict=True)]
    content = [o.content / a.content for o, a in zip(ours_d, alone_d, strict=True)]
    row = Row(name, flicker(ours), flicker(alone), float(np.mean(style)), max(style),
              float(np.mean(content)), max(content), seconds, still)  # fmt: skip
    return row, ours, alone, clip.durations


def strip(
    rows: list[tuple[str, list[Image.Image], list[Image.Image]]], path: Path, shown: int = 6
) -> None:
    height = 128
    tiles: list[list[Image.Image]] = []
    for _, ours, alone in rows:
        picks = [round(k * (len(ours) - 1) / (shown - 1)) for k in range(shown)]
        for frames in (ours, alone):
            tiles.append([resize(frames[i], fit_long_side(frames[i].size, height)) for i in picks])
    width = max(sum(t.width for t in row) + 4 * (len(row) - 1) for row in tiles)
    sheet = Image.new("RGB", (width + 90, len(tiles) * (height + 4)), "white")
    draw = ImageDraw.Draw(sheet)
    for r, row in enumerate(tiles):
        y = r * (height + 4)
        kind = "ours" if r % 2 == 0 else "frame by\nframe"
        label = f"{rows[r // 2][0]}\n{kind}"
        draw.multiline_text((4, y + 4), label, fill="black")
        x = 90
        for tile in row:
            sheet.paste(tile, (x, y))
            x += tile.width + 4
    sheet.save(path, quality=88)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenes", nargs="+", choices=sorted(SCENES), default=list(SCENES))
    parser.add_argument("--frames", type=int, default=48)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--style", default="starry_night.jpg")
    parser.add_argument("--set", nargs="*", default=[], metavar="KNOB=VALUE")
    parser.add_argument("--strip", type=Path, help="write a strip of frames (JPEG)")
    parser.add_argument("--animation", type=Path, help="write our first clip (.gif/.webp/.mp4)")
    args = parser.parse_args()
    params = StyleParams(size=args.size).with_strings(dict(s.split("=", 1) for s in args.set))
    painting = load_image(IMAGES / args.style)
    print(f"# {platform.processor() or platform.machine()}, torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads; {args.frames} frames at {args.size} px, "
          f"frame_iterations {params.frame_iterations}, "
          f"temporal_weight {params.temporal_weight:g}")  # fmt: skip
    print(f"{'clip':8} {'temporal':>8} {'anchor':>7} {'ratio':>6} {'style':>11} {'content':>11} "
          f"{'clip s':>7} {'still s':>7} {'x still':>7}  targets")  # fmt: skip
    shown = []
    for name in args.scenes:
        row, ours, alone, durations = measure(name, args.frames, params, painting)
        shown.append((name, ours, alone))
        if args.animation and len(shown) == 1:
            save_clip(ours, durations, args.animation)
        print(f"{row.name:8} {row.temporal:8.2f} {row.anchor_temporal:7.2f} "
              f"{row.temporal / row.anchor_temporal:6.3f} "
              f"{row.style_mean:5.3f}/{row.style_worst:5.3f} "
              f"{row.content_mean:5.3f}/{row.content_worst:5.3f} {row.seconds:7.1f} "
              f"{row.still_seconds:7.2f} {row.seconds / row.still_seconds:7.2f}  "
              f"{'met' if row.met else 'MISSED'}", flush=True)  # fmt: skip
    if args.strip:
        strip(shown, args.strip)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

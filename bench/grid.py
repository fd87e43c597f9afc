"""The grid benchmark: one photo in four paintings as one batch, against four separate jobs.

    python bench/grid.py [--sizes 128 160 192 256] [--iterations 60] [--sheet FILE]

For each size it paints the photo in four paintings of the gallery both ways, each warmed up
and timed ``--repeat`` times, alternating, the best kept: as four separate pictures
(:func:`~styleengine.stylize`, one after the other, what four small jobs cost the painter) and
as one set (:func:`~styleengine.choices.stylize_choices`, what the bot's grid costs); it prints
the pictures a minute of each and their ratio. Target (issue 26): the set at least 1.5x the
pictures a minute of four separate jobs. ``--sheet`` writes the grid
painted at the first size, as the bot would post it.

Run it alone (no tests or other torch process beside it): on a 2-core machine two processes at
once slow each other about tenfold.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.gallery import find
from styleengine import StyleParams, load_image, stylize
from styleengine.choices import stylize_choices

TARGET = 1.5
PHOTO = Path(__file__).resolve().parent / "images" / "chelsea.png"
PAINTINGS = ("starry_night", "the_scream", "great_wave", "udnie")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 128, 160, 192])
    parser.add_argument("--iterations", type=int, default=60)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--repeat", type=int, default=2, help="timings of each way; the best")
    parser.add_argument("--sheet", type=Path)
    args = parser.parse_args()

    photo = load_image(PHOTO)
    paintings = [load_image(find(name).data()) for name in PAINTINGS]
    print(f"# {platform.processor() or platform.machine()}, torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads, {args.iterations} iterations")  # fmt: skip
    print("| size | 4 separate | as one set | pictures/min separate | set | ratio |")
    print("|---|---|---|---|---|---|")
    met = True
    for n, size in enumerate(args.sizes):
        params = StyleParams(size=size, iterations=args.iterations)
        # Warm both ways at this size (each painting's shapes, the batch's), then time each way
        # twice, alternating, and keep the faster of each: first calls and a neighbour's noise
        # otherwise decide the ratio.
        warm = params.replace(iterations=2)
        stylize_choices(photo, paintings, warm, device=args.device)
        for painting in paintings:
            stylize(photo, [painting], warm, device=args.device)
        separate = together = float("inf")
        for _ in range(args.repeat):
            started = time.perf_counter()
            for painting in paintings:
                stylize(photo, [painting], params, device=args.device)
            separate = min(separate, time.perf_counter() - started)
            started = time.perf_counter()
            choices = stylize_choices(photo, paintings, params, device=args.device)
            together = min(together, time.perf_counter() - started)
        ratio = separate / together
        met = met and ratio >= TARGET
        rate = len(paintings) * 60
        print(f"| {size} px | {separate:.2f} s | {together:.2f} s | "
              f"{rate / separate:.1f} | {rate / together:.1f} | {ratio:.2f}x |")  # fmt: skip
        if n == 0 and args.sheet is not None:
            choices.grid().save(args.sheet, quality=90)
            print(f"# grid at {size} px written to {args.sheet}")
    print(f"# target {TARGET}x at every size: {'met' if met else 'not met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

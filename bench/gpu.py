"""How many default pictures a minute one device paints, alone and in batches.

Usage: python bench/gpu.py --device DEV --size N --jobs 1 4 16 64 --json FILE
                           [--iterations N] [--recipe-steps N] [--no-graphs]

For each K of ``--jobs``, K default jobs are submitted at once (photos of mixed shapes: square,
4:3 and 3:4; paintings in turn) and painted the way a worker paints what waits for it: grouped
by shape, each group one batch (:func:`styleengine.stylize_batch`); ``pictures_per_min[K]`` is
K over the wall time, in pictures a minute. ``single_s`` is a warm default job alone,
``sequential_per_min`` the rate of the first K > 1 jobs painted one after the other, ``recipe_s``
the 2015 recipe alone (``bench/plain_gatys.py``, ``--recipe-steps`` L-BFGS steps at the size),
``peak_gib`` the device's peak memory (the process's peak RSS on the CPU). A ``torch.profiler``
summary of one batch of up to four jobs is printed. Finishes in a few minutes on an H100 or
H200 at 512 px with the jobs above; on the CPU use small sizes (``--size 128 --jobs 1 4``).
"""

from __future__ import annotations

import argparse
import functools
import itertools
import json
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # first: the script's own folder would make bench.py "bench"

import torch  # noqa: E402
from PIL import Image  # noqa: E402

from bench.bench import CONTENT, EXAMPLES, machine  # noqa: E402
from bench.plain_gatys import PlainGatys  # noqa: E402
from styleengine import Picture, StyleParams, stylize_batch  # noqa: E402
from styleengine.device import resolve_device  # noqa: E402

STYLES = (EXAMPLES / "starry_night.jpg", EXAMPLES / "the_scream.jpg")
ASPECTS = ((1, 1), (4, 3), (3, 4))  # width : height of the photos, in turn


def photos() -> list[Image.Image]:
    """The benchmark photo cropped to each aspect (centred)."""
    image = Image.open(CONTENT).convert("RGB")
    out = []
    for w, h in ASPECTS:
        side = min(image.width / w, image.height / h)
        cw, ch = int(side * w), int(side * h)
        left, top = (image.width - cw) // 2, (image.height - ch) // 2
        out.append(image.crop((left, top, left + cw, top + ch)))
    return out


def pictures(count: int, params: StyleParams, square: bool = False) -> list[Picture]:
    shapes = itertools.cycle(photos()[:1] if square else photos())
    styles = itertools.cycle([Image.open(s).convert("RGB") for s in STYLES])
    return [Picture(next(shapes), [next(styles)], params) for _ in range(count)]


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def timed(device: torch.device, run: Callable[[], object]) -> float:
    sync(device)
    started = time.perf_counter()
    run()
    sync(device)
    return time.perf_counter() - started


def paint(batch: list[Picture], device: torch.device, graphs: bool) -> None:
    for outcome in stylize_batch(batch, device=device, graphs=graphs):
        if isinstance(outcome, Exception):
            raise outcome


def paint_each(batch: list[Picture], device: torch.device, graphs: bool) -> None:
    for picture in batch:
        paint([picture], device, graphs)


def profile_batch(batch: list[Picture], device: torch.device, graphs: bool) -> str:
    activities = [torch.profiler.ProfilerActivity.CPU]
    if device.type == "cuda":
        activities.append(torch.profiler.ProfilerActivity.CUDA)
    with torch.profiler.profile(activities=activities) as prof:
        wall = timed(device, lambda: paint(batch, device, graphs))
    events = prof.key_averages()
    sort = "self_device_time_total" if device.type == "cuda" else "self_cpu_time_total"
    table: str = events.table(sort_by=sort, row_limit=15, max_name_column_width=50)
    lines = [f"profile of one batch of {len(batch)} jobs: {wall:.3f} s wall", table]
    if device.type == "cuda":
        busy = sum(e.self_device_time_total for e in events) / 1e6
        launches = sum(e.count for e in events if e.device_type.name == "CUDA")
        lines.append(
            f"device busy {busy:.3f} s of {wall:.3f} s ({100 * busy / wall:.0f} %), "
            f"{launches} kernels and copies"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="cuda:0" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 4, 16, 64])
    parser.add_argument("--json", type=Path)
    parser.add_argument("--iterations", type=int, default=StyleParams().iterations)
    parser.add_argument("--recipe-steps", type=int, default=1000)
    parser.add_argument("--no-graphs", action="store_true", help="paint without CUDA graphs")
    parser.add_argument(
        "--square", action="store_true", help="every photo square (all jobs share one batch)"
    )
    args = parser.parse_args()
    device = resolve_device(args.device)
    graphs = not args.no_graphs
    params = StyleParams(size=args.size, iterations=args.iterations)
    print(f"{machine(device)}; {args.size} px, {args.iterations} iterations, graphs {graphs}")

    first = timed(device, lambda: paint(pictures(1, params), device, graphs))
    single = min(timed(device, lambda: paint(pictures(1, params), device, graphs)) for _ in "ab")
    print(f"first job of the process {first:.3f} s; a warm job alone {single:.3f} s")
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    rates: dict[str, float] = {}
    for count in args.jobs:
        batch = pictures(count, params, args.square)
        wall = timed(device, functools.partial(paint, batch, device, graphs))
        rates[str(count)] = 60 * count / wall
        print(f"{count} jobs at once: {wall:.3f} s, {rates[str(count)]:.1f} pictures a minute")
    sequential: dict[str, float] = {}
    several = next((k for k in args.jobs if k > 1), None)
    if several is not None:
        batch = pictures(several, params, args.square)
        wall = timed(device, functools.partial(paint_each, batch, device, graphs))
        sequential[str(several)] = 60 * several / wall
        print(f"{several} jobs one after the other: {wall:.3f} s, "
              f"{sequential[str(several)]:.1f} pictures a minute")  # fmt: skip
    recipe = PlainGatys(photos()[0], Image.open(STYLES[0]).convert("RGB"), args.size, str(device))
    recipe_s = timed(device, lambda: recipe.run(args.recipe_steps))
    print(f"the 2015 recipe alone ({args.recipe_steps} steps): {recipe_s:.3f} s")
    if device.type == "cuda":
        peak = torch.cuda.max_memory_allocated(device) / 2**30
    else:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(profile_batch(pictures(min(4, max(args.jobs)), params), device, graphs))
    figures = {
        "device": machine(device),
        "size": args.size,
        "iterations": args.iterations,
        "graphs": graphs,
        "square": args.square,
        "first_s": first,
        "single_s": single,
        "pictures_per_min": rates,
        "sequential_per_min": sequential,
        "recipe_s": recipe_s,
        "recipe_steps": args.recipe_steps,
        "peak_gib": peak,
    }
    print(json.dumps(figures))
    if args.json is not None:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()

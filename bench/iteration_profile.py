"""Where an iteration's time goes: torch.profiler over single-scale runs at a few sizes.

Each op's own time (self CPU time, measured on the calling thread, so intra-op threads are
inside it) goes to one part: convolutions forward and backward, ReLU and pooling forward and
backward, the Gram / covariance products, casts and copies, the rest of the losses and the
graph, L-BFGS's own work (its two-loop over the history and its updates, outside the closure),
and what runs between steps (clamp, progress). Wall time not spent in any op is Python and
dispatch. The profiler adds some overhead of its own; the shares are what to read.
Usage: python bench/iteration_profile.py [--sizes 128,256,512] [--iterations 8] [--precision auto]
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

import torch
from torch.autograd.profiler_util import FunctionEvent

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.bench import CONTENT, STYLE, machine  # noqa: E402
from styleengine import StyleParams, stylize  # noqa: E402
from styleengine.engine import CLOSURE_SCOPE  # noqa: E402

PARTS = (
    "conv forward",
    "conv backward",
    "ReLU, pooling (fwd + bwd)",
    "Gram / covariance products",
    "casts and copies",
    "other loss and graph ops",
    "L-BFGS two-loop and updates",
    "between steps (clamp, progress)",
    "Python and dispatch",
)
_ACTIVATIONS = ("relu", "threshold_backward", "max_pool", "avg_pool")
_PRODUCTS = ("aten::bmm", "aten::mm", "aten::matmul", "aten::baddbmm", "aten::addmm")
_CASTS = ("aten::to", "aten::_to_copy", "aten::copy_", "aten::clone", "aten::contiguous")


def part_of(event: FunctionEvent) -> str:
    scopes = set()
    parent = event.cpu_parent
    while parent is not None:
        scopes.add(parent.name)
        parent = parent.cpu_parent
    name = event.name
    if CLOSURE_SCOPE not in scopes:
        in_step = any(scope.startswith("Optimizer.step") for scope in scopes)
        return PARTS[6] if in_step else PARTS[7]
    if "convolution_backward" in name:
        return PARTS[1]
    if "convolution" in name or name == "aten::conv2d":
        return PARTS[0]
    if any(key in name for key in _ACTIVATIONS):
        return PARTS[2]
    if name in _PRODUCTS:
        return PARTS[3]
    if name in _CASTS:
        return PARTS[4]
    return PARTS[5]


def profile(size: int, iterations: int, precision: str) -> tuple[float, dict[str, float], str]:
    """Seconds per iteration and each part's seconds per iteration at ``size``."""
    warm = StyleParams(size=size, min_size=size, iterations=2, precision=precision)
    stylize(CONTENT, [STYLE], warm, device="cpu")  # weights, kernels, allocator
    params = warm.replace(iterations=iterations)
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
        result = stylize(CONTENT, [STYLE], params, device="cpu")
    # Only the optimisation loop: the set-up (style targets, first features) is left out.
    steps = [e for e in prof.events() if e.name.startswith("Optimizer.step")]
    first = min(e.time_range.start for e in steps)
    span = (max(e.time_range.end for e in steps) - first) / 1e6
    parts: dict[str, float] = defaultdict(float)
    for event in prof.events():
        if event.time_range.start < first:
            continue
        seconds = event.self_cpu_time_total / 1e6
        if event.name.startswith("aten::"):
            parts[part_of(event)] += seconds
        else:  # scopes and autograd nodes: their own time is bookkeeping
            parts[PARTS[8]] += seconds
    parts[PARTS[8]] += max(0.0, span - sum(parts.values()))  # Python between ops
    width, height = result.image.size
    return span / iterations, {k: v / iterations for k, v in parts.items()}, f"{width}x{height}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="128,256,512")
    parser.add_argument("--iterations", type=int, default=8)
    parser.add_argument("--precision", default="auto", choices=("auto", "bf16", "fp32"))
    args = parser.parse_args()
    print(f"machine: {machine(torch.device('cpu'))}; precision {args.precision}")
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        rows.append(profile(size, args.iterations, args.precision))
        print(f"  {rows[-1][2]}: {rows[-1][0]:.3f} s/iteration", flush=True)
    print()
    print("| part of an iteration | " + " | ".join(r[2] for r in rows) + " |")
    print("|---|" + "---|" * len(rows))
    for part in PARTS:
        cells = [f"{100 * r[1].get(part, 0.0) / r[0]:.0f} %" for r in rows]
        print(f"| {part} | " + " | ".join(cells) + " |")
    print("| seconds per iteration | " + " | ".join(f"{r[0]:.3f}" for r in rows) + " |")


if __name__ == "__main__":
    main()

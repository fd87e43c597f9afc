"""Speed of the style engine: seconds per iteration, achieved GFLOPS, and a default run.

    python bench/bench.py [--sizes 256 384 512] [--iterations 12] [--device cpu] [--no-default-run]

Prints the machine (its C allocator too), the measured peak (before and after the table), a table
per size and precision (seconds, page faults and GFLOPS per iteration), and the wall time of a
default 512 px run (examples/astronaut.jpg, square: the most pixels a 512 px run can have).
"""

from __future__ import annotations

import argparse
import itertools
import platform
import resource
import time
from pathlib import Path

import torch

from styleengine import StyleParams, stylize
from styleengine.allocator import allocator
from styleengine.device import available_devices, resolve_device
from styleengine.layers import forward_flops

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
CONTENT = EXAMPLES / "astronaut.jpg"
STYLE = EXAMPLES / "starry_night.jpg"


_DTYPES = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}


def cpu_model() -> str:
    """The CPU's name and widest vector unit (AMX, AVX-512 BF16, AVX2)."""
    cpu = platform.processor() or "cpu"
    try:
        info = Path("/proc/cpuinfo").read_text()
    except OSError:
        info = ""
    for line in info.splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    kinds = (("amx_bf16", "AMX"), ("avx512_bf16", "AVX-512 BF16"), ("avx2", "AVX2"))
    kind = next((name for flag, name in kinds if flag in info), "no AVX2")
    return f"{cpu} ({kind})"


def machine(device: torch.device) -> str:
    """The device, the CPU's widest vector unit, threads and torch."""
    if device.type == "cuda":
        return f"{torch.cuda.get_device_name(device)}, torch {torch.__version__}"
    return (
        f"{cpu_model()}, {torch.get_num_threads()} threads, torch {torch.__version__}, "
        f"{allocator()} malloc"
    )


def gemm_peak(device: torch.device, dtype: torch.dtype) -> float:
    """Best GFLOPS of square matrix products: the practical peak this device reaches."""
    best = 0.0
    for n in (1024, 2048, 3072):
        a = torch.randn(n, n, device=device, dtype=dtype)
        b = torch.randn(n, n, device=device, dtype=dtype)
        a @ b
        _sync(device)
        started = time.perf_counter()
        repeats = 5
        for _ in range(repeats):
            a @ b
        _sync(device)
        best = max(best, 2 * n**3 * repeats / (time.perf_counter() - started) / 1e9)
    return best


def conv_peak(device: torch.device, dtype: torch.dtype) -> float:
    """Best GFLOPS of a large 3x3 convolution (256 -> 256 channels, channels_last)."""
    conv = torch.nn.Conv2d(256, 256, 3, padding=1).to(
        device, dtype, memory_format=torch.channels_last
    )
    conv.requires_grad_(False)
    best = 0.0
    for side in (64, 96, 128):
        x = torch.randn(1, 256, side, side, device=device, dtype=dtype)
        x = x.contiguous(memory_format=torch.channels_last)
        conv(x)
        _sync(device)
        started = time.perf_counter()
        repeats = 5
        for _ in range(repeats):
            conv(x)
        _sync(device)
        flops = 2 * 256 * 256 * 9 * side * side * repeats
        best = max(best, flops / (time.perf_counter() - started) / 1e9)
    return best


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def seconds_per_iteration(
    size: int, precision: str, iterations: int, device: torch.device
) -> tuple[float, float, tuple[int, int]]:
    """Median time and page faults of the optimizer loop (L-BFGS step, losses, clamp) after
    two warm-up steps. The faults are the allocator's doing: a block the C allocator maps
    afresh is faulted in page by page (the machine line names the allocator)."""
    stamps: list[tuple[float, int]] = []
    params = StyleParams(size=size, min_size=size, iterations=iterations + 2, precision=precision)

    def stamp(_: object) -> None:
        stamps.append((time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF).ru_minflt))

    result = stylize(CONTENT, [STYLE], params, device=device, progress_every=1, on_progress=stamp)
    steps = sorted(b[0] - a[0] for a, b in itertools.pairwise(stamps))
    faults = sorted(b[1] - a[1] for a, b in itertools.pairwise(stamps))
    return steps[len(steps) // 2], faults[len(faults) // 2], result.image.size


def measured_peaks(device: torch.device) -> dict[torch.dtype, float]:
    return {
        dtype: max(gemm_peak(device, dtype), conv_peak(device, dtype))
        for dtype in (torch.float32, torch.bfloat16)
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 384, 512])
    parser.add_argument("--iterations", type=int, default=12)
    parser.add_argument("--device", default=available_devices()[0])
    parser.add_argument("--no-default-run", action="store_true")
    args = parser.parse_args()
    device = resolve_device(args.device)
    precisions = ["fp32", "bf16"] + (["fp16"] if device.type == "cuda" else [])

    print(f"machine: {machine(device)}")
    before = measured_peaks(device)
    rows = []
    deepest = StyleParams().deepest_layer
    for size in args.sizes:
        for precision in precisions:
            seconds, faults, (w, h) = seconds_per_iteration(
                size, precision, args.iterations, device
            )
            # Forward plus the input-gradient pass, which costs as much again (weights frozen).
            rows.append((w, h, precision, seconds, faults, 2 * forward_flops(h, w, deepest)))
    # Measured again after the table: this machine's speed drifts; the higher of the two is
    # what the iterations are held to.
    after = measured_peaks(device)
    peaks = {dtype: max(before[dtype], after[dtype]) for dtype in before}
    peak = peaks[torch.float32]
    print(
        "measured peak (best of large GEMMs and 3x3 convs, before / after the table): fp32 "
        f"{before[torch.float32]:.0f} / {after[torch.float32]:.0f} GFLOPS, bf16 "
        f"{before[torch.bfloat16]:.0f} / {after[torch.bfloat16]:.0f} GFLOPS"
    )
    print()
    print(
        "| size (px) | precision | s/iteration | page faults/iteration | GFLOPS "
        "| % of fp32 peak | % of its own peak |"
    )
    print("|---|---|---|---|---|---|---|")
    for w, h, precision, seconds, faults, flops in rows:
        gflops = flops / seconds / 1e9
        own = peaks.get(_DTYPES.get(precision, torch.float32), peak)
        print(
            f"| {w}x{h} | {precision} | {seconds:.3f} | {faults:.0f} | {gflops:.0f} | "
            f"{100 * gflops / peak:.0f} % | {100 * gflops / own:.0f} % |",
            flush=True,
        )
    if not args.no_default_run:
        started = time.perf_counter()
        result = stylize(CONTENT, [STYLE], StyleParams(), device=device)
        wall = time.perf_counter() - started
        print()
        print(
            f"default run: {result.image.size[0]}x{result.image.size[1]}, "
            f"{result.iterations} iterations over {len(StyleParams().scale_sizes())} scales, "
            f"{result.precision}: {wall:.1f} s wall"
        )


if __name__ == "__main__":
    main()

"""Peak resident memory of one default job by size on the CPU, against the engine's estimate.

Each size runs in a fresh process (``python -m styleengine`` with the defaults, square content:
the most pixels a size can have), so its peak RSS is its own; a 32 px job gives the process's
floor (Python, torch, the VGG19 weights), and a job's own share is its peak less that floor.
Usage: python bench/memory.py [--sizes 256,512,1024,2048] [--iterations N] [--precision P]
                              [--style-scale S] [--styles N]
(``--style-scale`` paints the style at S times the picture's side, ``--styles`` blends N copies
of the style: what a job's style images add to its peak.)
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402

from bench.bench import CONTENT, STYLE, cpu_model  # noqa: E402
from styleengine import StyleParams  # noqa: E402
from styleengine.device import cpu_has_fast_bf16  # noqa: E402
from styleengine.memory import estimate_job_bytes  # noqa: E402

GIB = 2**30
STYLE_SIZE = Image.open(STYLE).size


# The command line with the free-memory check off: the point is to measure what a job takes.
_UNCHECKED = (
    "import sys; from pathlib import Path; from styleengine import memory; "
    "memory.MEMINFO = Path('/nonexistent'); from styleengine.cli import main; sys.exit(main())"
)


def peak_rss(
    size: int,
    iterations: int | None,
    out: Path,
    precision: str = "auto",
    *,
    style_scale: float = 1.0,
    styles: int = 1,
) -> tuple[float, float]:
    """Peak RSS in bytes of a process that paints one job, and its seconds."""
    args = [sys.executable, "-c", _UNCHECKED, str(CONTENT), *[str(STYLE)] * styles, "-o", str(out)]
    args += ["--size", str(size), "--device", "cpu", "--precision", precision]
    args += ["--style-scale", f"{style_scale:g}"]
    if iterations is not None:
        args += ["--iterations", str(iterations)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    subprocess.run(args, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if peak <= before:
        raise RuntimeError(f"{size} px did not raise the children's peak; run sizes in order")
    return peak * 1024.0, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="256,512,1024,2048")
    parser.add_argument("--iterations", type=int, default=None, help="default: the engine's")
    parser.add_argument("--precision", choices=("auto", "bf16", "fp32"), default="auto")
    parser.add_argument("--style-scale", type=float, default=1.0)
    parser.add_argument("--styles", type=int, default=1)
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    precision = args.precision
    if precision == "auto":  # what the engine picks
        precision = "bf16" if cpu_has_fast_bf16() else "fp32"
    print(f"CPU: {cpu_model()}, {precision}; each size in a fresh process, default parameters, "
          f"style scale {args.style_scale:g}, {args.styles} style(s), the free-memory check off",
          flush=True)  # fmt: skip
    with tempfile.TemporaryDirectory() as scratch:
        floor, _ = peak_rss(32, 4, Path(scratch) / "floor.png", precision)
        print(f"floor (a 32 px job: Python, torch, weights): {floor / GIB:.2f} GiB", flush=True)
        print("| size (px) | peak RSS | the job's own | engine's estimate | time |")
        print("|---|---|---|---|---|")
        for size in sizes:
            out = Path(scratch) / f"{size}.png"
            peak, seconds = peak_rss(size, args.iterations, out, precision,
                                     style_scale=args.style_scale, styles=args.styles)  # fmt: skip
            params = StyleParams(size=size, style_scale=args.style_scale,
                                 **({"iterations": args.iterations}
                                    if args.iterations else {}))  # fmt: skip
            estimate = estimate_job_bytes(
                params, (size, size), precision=precision, styles=[STYLE_SIZE] * args.styles
            )
            print(
                f"| {size}x{size} | {peak / GIB:.2f} GiB | {(peak - floor) / GIB:.2f} GiB "
                f"| {estimate / GIB:.2f} GiB | {seconds:.0f} s |",
                flush=True,
            )


if __name__ == "__main__":
    main()

"""How much one GPU takes on: the batch size and the largest picture, from its free memory.

Measured on an H200 (docs/performance.md): a default job needs 0.65 GiB at 512 px, 2.4 at 1024
and 8.9 at 2048, about its pixels times 2.6 KB; the plan keeps a fifth of the free memory for
the allocator's slack and the CUDA graphs' pools.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

BYTES_AT_512 = int(0.65 * 2**30)  # one default job at 512 px
HEADROOM = 0.8  # of the free memory that jobs may plan to use
LARGEST_BATCH = 32
SIZES = (512, 1024, 2048, 4096)


@dataclass(frozen=True)
class Capacity:
    batch: int  # jobs painted at once (at 512 px)
    largest: int  # the largest size (long side) one job may have

    def describe(self) -> str:
        return f"batches of up to {self.batch} jobs, sizes up to {self.largest} px"


def job_bytes(size: int) -> int:
    """A default job's peak device memory at ``size`` px (long side), leaning high."""
    return int(BYTES_AT_512 * (size / 512) ** 2)


def plan(free_bytes: int, batch: int = 0) -> Capacity:
    """The batch size (``batch`` when set) and the largest size for ``free_bytes`` free."""
    usable = free_bytes * HEADROOM
    if batch <= 0:
        batch = max(1, min(LARGEST_BATCH, int(usable // BYTES_AT_512)))
    fitting = [size for size in SIZES if job_bytes(size) <= usable]
    return Capacity(batch=batch, largest=max(fitting, default=256))


def free_bytes(device: str) -> int:
    """The GPU's free memory now."""
    import torch

    free, _ = torch.cuda.mem_get_info(torch.device(device))
    return int(free)


def warm_up(device: str) -> float:
    """Paint a tiny picture on ``device`` (the CUDA context, the weights on the card, the first
    kernels: the first job of a process paid 4.4 s more than the second on an H200); returns
    the seconds it took."""
    from PIL import Image

    from styleengine import StyleParams, stylize

    tiny = Image.linear_gradient("L").convert("RGB").resize((64, 64))
    started = time.perf_counter()
    stylize(tiny, [tiny.rotate(90)], StyleParams(size=64, min_size=64, iterations=8), device=device)
    return time.perf_counter() - started

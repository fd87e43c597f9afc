"""Share the CPU's cores among the jobs painted at once on it."""

from __future__ import annotations

import logging
import os

log = logging.getLogger(__name__)


def share_cores(devices: tuple[str, ...], slots: int, threads: int = 0) -> int | None:
    """Give each of the ``slots`` jobs painted at once ``cores / slots`` torch threads (or
    ``threads`` when it is set) when they run on the CPU (torch threads that outnumber the
    cores spin against each other and run many times slower); returns the threads per job,
    None on GPUs only."""
    if not any(device.startswith("cpu") for device in devices):
        return None
    import torch

    from styleengine.allocator import allocator

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    threads = threads or max(1, (cores or 1) // max(1, slots))
    torch.set_num_threads(threads)
    log.info(
        "CPU: %d core(s), %d job(s) at once, %d torch thread(s) each, %s malloc%s",
        cores,
        slots,
        threads,
        allocator(),
        "" if allocator() != "glibc" else " (tcmalloc is steadier: docs/performance.md)",
    )
    return threads

"""How much memory one job needs on the CPU, and whether this host has it free right now.

A job's peak comes at its finest scale: either while it optimises (VGG19's activations for the
picture, kept for the backward pass, with their gradients, and L-BFGS's history of steps and
gradient changes: two fp32 copies of the image per entry, up to ``LBFGS_HISTORY`` entries, one
per iteration), or while it reads a painting's statistics at that scale, when the painting is
``style_scale`` squared times the picture's pixels (one painting at a time, however many are
blended). The decoded images the run holds throughout come on top. The per-pixel constants
below were fitted to the peak RSS that ``bench/memory.py`` measured (docs/performance.md,
"Memory per job"); the estimate leans high, since a refusal costs a member a smaller size and
a miss costs the host.
"""

from __future__ import annotations

import contextlib
import math
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

from styleengine.allocator import release_free_memory
from styleengine.errors import OutOfMemory
from styleengine.images import fit_long_side
from styleengine.neighbours import SEARCH_VALUES
from styleengine.params import StyleParams

LBFGS_HISTORY = 50  # entries L-BFGS keeps (the engine's history_size)
_HISTORY_BYTES_PER_PIXEL = 2 * 3 * 4  # one step and one gradient change, RGB, fp32
# Bytes per pixel of the finest scale for everything but the history, by compute type, and a
# job's fixed part. Fitted to bench/memory.py on an AVX-512 BF16 CPU (256 to 2048 px): a job
# took 2200-2550 bytes a pixel in bf16 and 3400-4200 in fp32 with 30 history entries, and
# these give 16-40 % more than was measured.
_ACTIVATION_BYTES_PER_PIXEL = {"bf16": 2100, "fp32": 3600}
# Bytes per pixel of the painting while its statistics are read (a forward pass, no gradients).
# Measured on an AMX CPU in bf16 (a fresh process per job, tcmalloc): a 512 px job with the
# style at 4x the picture's side peaked 3.3 GiB above the same job at 1x (4.2 MP of painting,
# 850 bytes a pixel), 1024 px at 2x 3.97 GiB above the process's floor; these lean high. fp32:
# twice, not measured.
_STYLE_BYTES_PER_PIXEL = {"bf16": 1100, "fp32": 2200}
_FIXED_BYTES = 96 * 2**20
# --style-loss nn (styleengine/neighbours.py), counted from its tensors' sizes, not fitted: the
# painting's relu3_1 and relu4_1 vectors in fp32, twice (as found and centred), 192 bytes a
# painting pixel, and one block of similarities while searching; the picture's targets in fp32,
# 96 bytes a pixel, while it optimises.
_NEIGHBOUR_STYLE_BYTES_PER_PIXEL = 192
_NEIGHBOUR_TARGET_BYTES_PER_PIXEL = 96
_NEIGHBOUR_SEARCH_BYTES = 4 * SEARCH_VALUES
MEMINFO = Path("/proc/meminfo")
# A container's memory limit and use (cgroup v2, else v1): a job must fit under it too.
CGROUP_LIMITS = (
    (Path("/sys/fs/cgroup/memory.max"), Path("/sys/fs/cgroup/memory.current")),
    (
        Path("/sys/fs/cgroup/memory/memory.limit_in_bytes"),
        Path("/sys/fs/cgroup/memory/memory.usage_in_bytes"),
    ),
)


def finest_pixels(params: StyleParams, content_size: tuple[int, int]) -> int:
    """Pixels of the finest scale: the content's long side brought to ``params.size``."""
    width, height = fit_long_side(content_size, params.size)
    return width * height


def estimate_job_bytes(
    params: StyleParams,
    content_size: tuple[int, int],
    *,
    precision: str,
    styles: Sequence[tuple[int, int]] = (),
) -> int:
    """Peak memory one job adds to its process on the CPU (``precision``: bf16 or fp32), with
    its painting(s) of ``styles`` sizes (one like the content's when not given)."""
    pixels = finest_pixels(params, content_size)
    entries = min(LBFGS_HISTORY, params.scale_iterations()[-1])
    if params.optimizer != "lbfgs":
        entries = 1  # Adam's two moments: about one entry's worth
    per_pixel = _ACTIVATION_BYTES_PER_PIXEL[precision] + entries * _HISTORY_BYTES_PER_PIXEL
    style_per_pixel = _STYLE_BYTES_PER_PIXEL[precision]
    searching = 0
    if params.style_loss == "nn":
        per_pixel += _NEIGHBOUR_TARGET_BYTES_PER_PIXEL
        style_per_pixel += _NEIGHBOUR_STYLE_BYTES_PER_PIXEL
        searching = _NEIGHBOUR_SEARCH_BYTES
    optimising = pixels * per_pixel
    reading_style = pixels * params.style_scale**2 * style_per_pixel + searching
    decoded = sum(3 * w * h for w, h in (content_size, *(styles or [content_size])))
    return _FIXED_BYTES + decoded + math.ceil(max(optimising, reading_style))


def available_bytes() -> int | None:
    """Memory the kernel can give this process without swapping: the host's ``MemAvailable``,
    or less where a container's limit (cgroup) leaves less; None where neither is known."""
    known = [n for n in (_host_available(), _cgroup_room()) if n is not None]
    return min(known) if known else None


def _host_available() -> int | None:
    try:
        for line in MEMINFO.read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _cgroup_room() -> int | None:
    """The container's limit less what it uses, from the first cgroup that states a limit."""
    for limit_path, usage_path in CGROUP_LIMITS:
        try:
            limit = limit_path.read_text().strip()
            usage = int(usage_path.read_text().strip())
        except (OSError, ValueError):
            continue
        if limit == "max" or not limit.isdigit() or int(limit) >= 2**60:  # no limit set
            continue
        return max(0, int(limit) - usage)
    return None


class HostMemory:
    """The jobs painting on this host's CPU from this process, and what they will take."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held = 0  # bytes: the estimates of the jobs running now

    @contextlib.contextmanager
    def hold(
        self,
        params: StyleParams,
        content_size: tuple[int, int],
        *,
        precision: str,
        styles: Sequence[tuple[int, int]] = (),
        check: bool = True,
    ) -> Iterator[int]:
        """While a job runs: raise :class:`OutOfMemory` first (saying how much it needs and
        how much is free) when it cannot fit beside the jobs already running; yields its
        estimate. The others' estimates count in full (what they have taken so far is also
        gone from the free memory): it leans to refusing."""
        need = estimate_job_bytes(params, content_size, precision=precision, styles=styles)
        with self._lock:
            free = available_bytes() if check else None
            if free is not None and need > free - self._held:
                scaled = f" with --style-scale {params.style_scale:g}" * (params.style_scale > 1)
                raise OutOfMemory(
                    "cpu",
                    foreseen=f"size {params.size}{scaled} needs about {_gib(need)} of memory "
                    f"and this host has {_gib(max(0, free - self._held))} free",
                )
            self._held += need
        try:
            yield need
        finally:
            with self._lock:
                self._held -= need
            release_free_memory()  # what the job freed, back to the host for the next check


host_memory = HostMemory()


def _gib(n: int) -> str:
    return f"{n / 2**30:.1f} GiB"

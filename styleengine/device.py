"""Where the optimisation runs and in which arithmetic."""

from __future__ import annotations

import functools
import threading
import warnings
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import torch


@dataclass(frozen=True)
class Placement:
    """A device and the reduced-precision type autocast uses there (None: plain fp32)."""

    device: torch.device
    autocast_dtype: torch.dtype | None

    @property
    def precision(self) -> str:
        return {torch.bfloat16: "bf16", torch.float16: "fp16", None: "fp32"}[self.autocast_dtype]

    def autocast(self, *, cache: bool = True) -> AbstractContextManager[object]:
        """Reduced-precision arithmetic where the placement has it; ``cache=False`` while a CUDA
        graph is captured (autocast's cache of cast weights must not outlive the capture)."""
        if self.autocast_dtype is None:
            return nullcontext()
        return torch.autocast(self.device.type, dtype=self.autocast_dtype, cache_enabled=cache)

    def claim(self, pixels: int) -> None:
        """The engine is about to put a scale of ``pixels`` on the device; where simulated
        faults (see :func:`simulated_faults`) happen, as a real device's would."""
        faults = _simulated
        if faults is not None:
            faults.claim(self.device, pixels)


@dataclass
class SimulatedFaults:
    """Faults the device layer raises on purpose, so what sits above the engine (a bot's
    retries, its messages, its worker pool) can be tested without a failing GPU."""

    memory_pixels: int | None = None  # a scale with more pixels runs out of memory
    errors: list[BaseException] = field(default_factory=list)  # raised by the next claims
    out_of_memory: int = 0  # how many claims ran out of memory
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def claim(self, device: torch.device, pixels: int) -> None:
        with self._lock:
            error = self.errors.pop(0) if self.errors else None
            short = self.memory_pixels is not None and pixels > self.memory_pixels
            self.out_of_memory += short
        if error is not None:
            raise error
        if short:
            raise torch.OutOfMemoryError(
                f"simulated: {pixels} pixels do not fit on {device} (limit {self.memory_pixels})"
            )


_simulated: SimulatedFaults | None = None


@contextmanager
def simulated_faults(
    *, memory_pixels: int | None = None, errors: Sequence[BaseException] = ()
) -> Iterator[SimulatedFaults]:
    """Make every device run out of memory above ``memory_pixels`` per scale, and raise
    ``errors`` one by one at the next scales, while the context lasts (for tests)."""
    global _simulated
    faults = SimulatedFaults(memory_pixels, list(errors))
    _simulated = faults
    try:
        yield faults
    finally:
        _simulated = None


def available_devices() -> tuple[str, ...]:
    """``cuda:N`` for every CUDA device, else ``cpu``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "no NVIDIA driver" warnings on CPU-only machines
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
    return tuple(f"cuda:{i}" for i in range(count)) or ("cpu",)


def resolve_device(device: str | torch.device | None) -> torch.device:
    if device is None:
        return torch.device(available_devices()[0])
    try:
        resolved = torch.device(device)
    except RuntimeError as exc:
        raise ValueError(f"unknown device {device!r}") from exc
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {device!r} requested but CUDA is not available")
    return resolved


@functools.cache
def cpu_has_fast_bf16() -> bool:
    """True where the CPU computes bf16 natively (AVX-512 BF16 or AMX), so bf16 pays off."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def placement(device: str | torch.device | None, precision: str) -> Placement:
    """Pick the autocast type for ``precision`` (auto/fp32/bf16/fp16) on ``device``."""
    resolved = resolve_device(device)
    if precision == "fp32":
        return Placement(resolved, None)
    if precision == "bf16":
        return Placement(resolved, torch.bfloat16)
    if precision == "fp16":
        if resolved.type == "cpu":
            raise ValueError("fp16 is for CUDA; use bf16 or fp32 on the CPU")
        return Placement(resolved, torch.float16)
    if resolved.type == "cuda":
        bf16 = torch.cuda.is_bf16_supported()
        return Placement(resolved, torch.bfloat16 if bf16 else torch.float16)
    if resolved.type == "cpu" and cpu_has_fast_bf16():
        return Placement(resolved, torch.bfloat16)
    return Placement(resolved, None)

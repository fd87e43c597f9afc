"""Where the optimisation runs and in which arithmetic."""

from __future__ import annotations

import functools
import warnings
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
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

    def autocast(self) -> AbstractContextManager[object]:
        if self.autocast_dtype is None:
            return nullcontext()
        return torch.autocast(self.device.type, dtype=self.autocast_dtype)


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

"""Simulated device faults: they surface from stylize() as a real device's would."""

from __future__ import annotations

import pytest

from styleengine import OutOfMemory, StyleParams, stylize
from styleengine.device import simulated_faults

TINY = StyleParams(size=32, iterations=2)


def test_a_scale_over_the_simulated_memory_is_out_of_memory(data_dir):
    content, style = data_dir / "chelsea.jpg", data_dir / "starry_night.jpg"
    with simulated_faults(memory_pixels=40 * 40) as faults:
        with pytest.raises(OutOfMemory, match="out of memory on cpu"):
            stylize(content, [style], TINY.replace(size=64), device="cpu")
        result = stylize(content, [style], TINY, device="cpu")  # 32 px fits
    assert faults.out_of_memory == 1
    assert max(result.image.size) == 32


def test_simulated_errors_are_raised_once_each_in_order(data_dir):
    content, style = data_dir / "chelsea.jpg", data_dir / "starry_night.jpg"
    with simulated_faults(errors=[RuntimeError("CUDA error: illegal memory access")]):
        with pytest.raises(RuntimeError, match="illegal memory access"):
            stylize(content, [style], TINY, device="cpu")
        stylize(content, [style], TINY, device="cpu")
    stylize(content, [style], TINY, device="cpu")  # outside the context: no faults

"""VGG19's layer names and shapes: what the knobs may name, known without loading a network."""

from __future__ import annotations

# (block, convs per block, out channels) of VGG19's 16 conv layers.
_BLOCKS = ((1, 2, 64), (2, 2, 128), (3, 4, 256), (4, 4, 512), (5, 4, 512))

CONV_NAMES: tuple[str, ...] = tuple(f"conv{b}_{i}" for b, n, _ in _BLOCKS for i in range(1, n + 1))


def _layer_names() -> tuple[str, ...]:
    names: list[str] = []
    for b, n, _ in _BLOCKS:
        for i in range(1, n + 1):
            names += [f"conv{b}_{i}", f"relu{b}_{i}"]
        names.append(f"pool{b}")
    return tuple(names)


LAYER_NAMES: tuple[str, ...] = _layer_names()


def conv_shapes() -> dict[str, tuple[int, int]]:
    """``conv name -> (in channels, out channels)`` for all 16 convs."""
    shapes: dict[str, tuple[int, int]] = {}
    c_in = 3
    for b, n, c_out in _BLOCKS:
        for i in range(1, n + 1):
            shapes[f"conv{b}_{i}"] = (c_in, c_out)
            c_in = c_out
    return shapes


def forward_flops(height: int, width: int, deepest: str) -> float:
    """Floating-point operations of one forward pass of the convs up to ``deepest``."""
    shapes = conv_shapes()
    flops = 0.0
    h, w = height, width
    for name in LAYER_NAMES[: LAYER_NAMES.index(deepest) + 1]:
        if name.startswith("conv"):
            c_in, c_out = shapes[name]
            flops += 2.0 * c_in * c_out * 9 * h * w
        elif name.startswith("pool"):
            h, w = h // 2, w // 2
    return flops

"""The painting's palette as a loss on the picture's pixels: a sliced Wasserstein distance.

Gram matrices (and means and covariances) of VGG features carry only part of a painting's
colours: many pixel distributions share those statistics, and the optimiser, starting from the
photo, stops at one near the photo's colours (the Scream's fire stays the photo's grey). This
term compares the colour distributions themselves: the pixels of the picture and of the
painting are projected on fixed unit directions of a decorrelated colour space (YCbCr), each
projection is sorted, and the sorted values are compared (the 1-D Wasserstein-2 distance per
direction, Rabin et al. 2011; Heitz et al. 2021 on features). Its gradient moves each pixel
towards the colour of the same rank in the painting, so the painting's colours come in the
painting's proportions, wherever the other terms want them.

Several paintings blend as the Wasserstein barycentre of their palettes (per direction, the
weighted mean of the sorted projections). Under a mask only the masked pixels count.
"""

from __future__ import annotations

import functools
import math

import torch
import torch.nn.functional as F
from torch import nn

from styleengine.color import RGB_TO_YCBCR

DIRECTIONS = 8
_SEED = 1508
# Above this many pixels, the picture and the paintings are compared averaged over k x k blocks
# (k the smallest that brings them under it): the sorts cost as much at 2048 px as at 256, and
# a palette is a matter of regions, not of single pixels.
PIXELS = 128 * 128


@functools.cache
def unit_directions(count: int, seed: int) -> torch.Tensor:
    """Fixed unit directions (count, 3): the three axes first, then seeded random ones, so a
    picture's loss is the same alone and in a batch, run after run."""
    generator = torch.Generator().manual_seed(seed)
    random = torch.randn(max(0, count - 3), 3, generator=generator)
    directions = torch.cat([torch.eye(3), random])[:count]
    unit: torch.Tensor = directions / directions.norm(dim=1, keepdim=True)
    return unit


def at_quantiles(sorted_values: torch.Tensor, count: int) -> torch.Tensor:
    """Rows of ascending values (D, N) read at ``count`` evenly spaced quantiles (D, count), by
    linear interpolation, so that distributions of different sizes compare value by value."""
    n = sorted_values.shape[1]
    if n == count:
        return sorted_values
    where = torch.linspace(0, n - 1, count, device=sorted_values.device, dtype=torch.float64)
    low = where.floor().long().clamp_max(n - 1)
    high = (low + 1).clamp_max(n - 1)
    frac = (where - low).to(sorted_values.dtype)
    return sorted_values[:, low] * (1 - frac) + sorted_values[:, high] * frac


def sorted_projections(pixels: torch.Tensor, directions: torch.Tensor) -> torch.Tensor:
    """``pixels`` (3, N) projected on ``directions`` (D, 3), each row sorted: (D, N)."""
    return torch.sort(directions @ pixels, dim=1).values


def block(size: tuple[int, int]) -> int:
    """The side k of the blocks a picture of ``size`` (width, height) is averaged over."""
    return max(1, math.ceil(math.sqrt(size[0] * size[1] / PIXELS)))


def _colour_pixels(image: torch.Tensor, k: int) -> torch.Tensor:
    """(1, 3, H, W) RGB in 0..1 -> (3, N) RGB pixels in fp32, averaged over k x k blocks."""
    image = image.float()
    if k > 1:
        image = F.avg_pool2d(image, k, ceil_mode=True)
    return image.flatten(2)[0]


class PaletteLoss(nn.Module):
    """Sliced Wasserstein-2 distance (squared, mean over directions and pixels) between the
    picture's colours and the paintings' blended palette, divided by a fixed scale: 1, or after
    :meth:`measure_from` the photo's own distance, so that the photo starts at 1 whatever the
    painting."""

    directions: torch.Tensor
    target: torch.Tensor
    scale: torch.Tensor
    positions: torch.Tensor | None

    def __init__(
        self,
        paintings: list[tuple[float, torch.Tensor]],
        size: tuple[int, int],
        mask: torch.Tensor | None = None,
        directions: int = DIRECTIONS,
    ) -> None:
        """``paintings``: (blend weight, (1, 3, h, w) RGB image) pairs; ``size``: the picture's
        (width, height); ``mask``: (1, 1, H, W), the style counted where it is above 0.5."""
        super().__init__()
        device = paintings[0][1].device
        # Directions in YCbCr, applied to RGB pixels through the conversion matrix (YCbCr's
        # offsets shift a projection of the picture and of the painting alike, so they drop
        # out): a buffer on the device, nothing copied to it per iteration (a CUDA graph could
        # not capture the copy).
        in_ycbcr = unit_directions(directions, _SEED) @ RGB_TO_YCBCR
        self.register_buffer("directions", in_ycbcr.to(device))
        self.block = block(size)
        positions = None
        count = math.ceil(size[0] / self.block) * math.ceil(size[1] / self.block)
        if mask is not None:
            if self.block > 1:
                mask = F.avg_pool2d(mask.float(), self.block, ceil_mode=True)
            positions = torch.nonzero(mask.flatten() > 0.5).flatten()
            count = max(1, int(positions.numel()))
        self.register_buffer("positions", positions)
        target = torch.zeros(directions, count, device=device)
        for weight, painting in paintings:
            pixels = _colour_pixels(painting, self.block)
            sorted_values = sorted_projections(pixels, self.directions)
            target += weight * at_quantiles(sorted_values, count)
        self.register_buffer("target", target)
        self.register_buffer("scale", torch.ones((), device=device))

    @torch.no_grad()
    def measure_from(self, start: torch.Tensor) -> None:
        """Divide by the distance of the picture ``start`` (the photo) from here on."""
        self.scale = self.distance(start).clamp_min(1e-8)

    def distance(self, image: torch.Tensor) -> torch.Tensor:
        pixels = _colour_pixels(image, self.block)
        if self.positions is not None:
            if self.positions.numel() == 0:
                return pixels.sum() * 0.0
            pixels = pixels[:, self.positions]
        projected = sorted_projections(pixels, self.directions)
        return (projected - self.target).pow(2).mean()

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return self.distance(image) / self.scale

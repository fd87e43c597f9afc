"""How close a picture is to its photo and to its painting: one yardstick for every recipe.

Always fp32 on the original Caffe weights at one evaluation size, whatever arithmetic, weights or
schedule made the picture, so that two recipes are compared by the same numbers:

* content distance: relative squared distance of the relu4_2 features to the photo's,
  ``|F(x) - F(c)|^2 / |F(c)|^2`` (0: the photo itself);
* style distance: relative squared distance of the Gram matrices to the painting's, averaged
  over relu1_1 ... relu5_1, ``mean_l |G_l(x) - G_l(s)|^2 / |G_l(s)|^2``, with the painting
  resized to as many pixels as the picture (aspect kept);
* edge agreement: correlation of the luminance gradient magnitudes of the picture and the photo
  after a small blur (1: the photo's edges, 0: unrelated), "are the photo's structures there".

and a second judge, two measures of another kind than the first judge's (the engine's own
objective is Gram and feature distances). Its palette term (``styleengine.palette``) is close
kin to the palette distance (its own directions, YCbCr, squares, block means), so that number is
read beside the first judge and the contact sheet, never alone:

* palette distance: sliced Wasserstein-1 distance between the RGB pixel distributions (0..1) of
  the picture and the painting (resized as for the style distance): the mean, over
  ``PALETTE_DIRECTIONS`` fixed unit directions of the colour cube, of the mean absolute
  difference of the two images' sorted projections (0: the painting's colours in the painting's
  proportions);
* structure distance: mean absolute difference of the cosine self-similarity matrices of the
  picture's and the photo's relu3_1 features, averaged onto a grid of ``STRUCTURE_GRID`` cells
  on the long side (STROTSS's content term, Kolkin et al. 2019): which places look alike,
  whatever their colours (0: the photo's layout).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from PIL import Image

from styleengine.color import rgb_to_ycbcr
from styleengine.images import fit_long_side, resize, same_pixels
from styleengine.losses import gram
from styleengine.palette import at_quantiles, sorted_projections, unit_directions
from styleengine.tensors import to_tensor
from styleengine.vgg import VGGEncoder
from styleengine.weights import load_weights

CONTENT_LAYER = "relu4_2"
STYLE_LAYERS = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")
EVALUATION_SIZE = 512
STRUCTURE_LAYER = "relu3_1"
STRUCTURE_GRID = 32
PALETTE_DIRECTIONS = 64
_QUANTILES = 4096  # sorted projections are compared at this many evenly spaced quantiles


@dataclass(frozen=True)
class Distances:
    content: float
    style: float
    style_by_layer: dict[str, float]
    edges: float
    palette: float
    structure: float


@functools.cache
def _encoder() -> VGGEncoder:
    vgg = load_weights("caffe")
    return VGGEncoder(vgg.convs, vgg.normalize(), deepest="relu5_1", pooling="max")


def _features(image: Image.Image, size: tuple[int, int]) -> dict[str, torch.Tensor]:
    x = to_tensor(resize(image.convert("RGB"), size))
    with torch.no_grad():
        return _encoder().forward(x.float(), frozenset((*STYLE_LAYERS, CONTENT_LAYER)))


def _quantiles(image: Image.Image, size: tuple[int, int]) -> torch.Tensor:
    pixels = to_tensor(resize(image.convert("RGB"), size)).float().flatten(2)[0]  # (3, N)
    return at_quantiles(
        sorted_projections(pixels, unit_directions(PALETTE_DIRECTIONS, 0)), _QUANTILES
    )


def palette_distance(
    picture: Image.Image,
    size: tuple[int, int],
    painting: Image.Image,
    painting_size: tuple[int, int],
) -> float:
    """Sliced Wasserstein-1 distance of the two images' RGB pixels (0..1) at these sizes."""
    return float((_quantiles(picture, size) - _quantiles(painting, painting_size)).abs().mean())


def _self_similarity(features: torch.Tensor) -> torch.Tensor:
    height, width = features.shape[-2:]
    scale = STRUCTURE_GRID / max(height, width)
    grid = (max(1, round(height * scale)), max(1, round(width * scale)))
    cells = F.adaptive_avg_pool2d(features.float(), grid).flatten(2)[0].T  # (cells, C)
    cells = F.normalize(cells, dim=1)
    return cells @ cells.T


def _edges(image: Image.Image, size: tuple[int, int]) -> torch.Tensor:
    y = rgb_to_ycbcr(to_tensor(resize(image.convert("RGB"), size)))[:, :1]
    y = F.avg_pool2d(y, 3, stride=1, padding=1, count_include_pad=False)
    sobel = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])
    kernels = torch.stack([sobel, sobel.T]).unsqueeze(1)
    g = F.conv2d(F.pad(y, (1, 1, 1, 1), mode="replicate"), kernels)
    return g.pow(2).sum(1).sqrt().flatten()


def _correlation(a: torch.Tensor, b: torch.Tensor) -> float:
    a, b = a - a.mean(), b - b.mean()
    return float((a * b).sum() / (a.norm() * b.norm()).clamp_min(1e-12))


class Evaluator:
    """Distances of pictures to a photo and a painting; the targets' features are cached."""

    def __init__(self, size: int = EVALUATION_SIZE) -> None:
        self.size = size

    def distances(
        self, picture: Image.Image, content: Image.Image, style: Image.Image
    ) -> Distances:
        size = fit_long_side(picture.size, self.size)
        x = _features(picture, size)
        c = _features(content, size)
        painting_size = same_pixels(style.size, size[0] * size[1])
        s = _features(style, painting_size)
        content_d = float((x[CONTENT_LAYER] - c[CONTENT_LAYER]).pow(2).sum())
        content_d /= float(c[CONTENT_LAYER].pow(2).sum())
        by_layer = {}
        for name in STYLE_LAYERS:
            target = gram(s[name])
            by_layer[name] = float((gram(x[name]) - target).pow(2).sum() / target.pow(2).sum())
        edges = _correlation(_edges(picture, size), _edges(content, size))
        style_d = sum(by_layer.values()) / len(by_layer)
        palette = palette_distance(picture, size, style, painting_size)
        structure = float(
            (_self_similarity(x[STRUCTURE_LAYER]) - _self_similarity(c[STRUCTURE_LAYER]))
            .abs()
            .mean()
        )
        return Distances(content_d, style_d, by_layer, edges, palette, structure)

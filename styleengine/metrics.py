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
from styleengine.tensors import to_tensor
from styleengine.vgg import VGGEncoder
from styleengine.weights import load_weights

CONTENT_LAYER = "relu4_2"
STYLE_LAYERS = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")
EVALUATION_SIZE = 512


@dataclass(frozen=True)
class Distances:
    content: float
    style: float
    style_by_layer: dict[str, float]
    edges: float


@functools.cache
def _encoder() -> VGGEncoder:
    vgg = load_weights("caffe")
    return VGGEncoder(vgg.convs, vgg.normalize(), deepest="relu5_1", pooling="max")


def _features(image: Image.Image, size: tuple[int, int]) -> dict[str, torch.Tensor]:
    x = to_tensor(resize(image.convert("RGB"), size))
    with torch.no_grad():
        return _encoder().forward(x.float(), frozenset((*STYLE_LAYERS, CONTENT_LAYER)))


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
        s = _features(style, same_pixels(style.size, size[0] * size[1]))
        content_d = float((x[CONTENT_LAYER] - c[CONTENT_LAYER]).pow(2).sum())
        content_d /= float(c[CONTENT_LAYER].pow(2).sum())
        by_layer = {}
        for name in STYLE_LAYERS:
            target = gram(s[name])
            by_layer[name] = float((gram(x[name]) - target).pow(2).sum() / target.pow(2).sum())
        edges = _correlation(_edges(picture, size), _edges(content, size))
        style_d = sum(by_layer.values()) / len(by_layer)
        return Distances(content_d, style_d, by_layer, edges)

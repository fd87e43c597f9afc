"""The plain 2015 Gatys recipe on our own code: the yardstick the quality benchmark compares with.

What a careful reimplementation of jcjohnson/neural-style paints (its objective, the original
Caffe VGG19 weights): one scale, fp32, L-BFGS (history 100) from the photo, content relu4_2
(mean squared error, weight 0.01), style relu1_1 ... relu5_1 (Gram F F^T / (H W), mean squared
error divided by C^2 per layer, weight 10), the painting resized (bilinear) to as many pixels as
the photo, no total variation, no clamping. Nothing here is shared with the engine's schedule or
losses on purpose; only the network and the Gram product are ours.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import torch
from PIL import Image

from styleengine.encoders import encoder_for
from styleengine.images import fit_long_side, resize, same_pixels
from styleengine.losses import gram
from styleengine.tensors import to_image, to_tensor

CONTENT_LAYER = "relu4_2"
STYLE_LAYERS = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")
CONTENT_WEIGHT = 0.01
STYLE_WEIGHT = 10.0
SIZE = 512
STEPS = 1000
HISTORY = 100


@dataclass(frozen=True)
class PlainResult:
    image: Image.Image
    size: tuple[int, int]
    style_size: tuple[int, int]
    steps: int
    seconds: float
    final_loss: float


class PlainGatys:
    """The recipe's objective for one photo and painting, and its L-BFGS loop."""

    def __init__(
        self, content: Image.Image, style: Image.Image, size: int = SIZE, device: str = "cpu"
    ) -> None:
        self.size = fit_long_side(content.size, size)
        self.style_size = same_pixels(style.size, self.size[0] * self.size[1])
        self.encoder = encoder_for("caffe", "max", "relu5_1", (), device)
        self.layers = frozenset((CONTENT_LAYER, *STYLE_LAYERS))
        self.content = to_tensor(resize(content, self.size)).to(device)
        style_t = to_tensor(style.resize(self.style_size, Image.Resampling.BILINEAR)).to(device)
        with torch.no_grad():
            self.content_target = self._features(self.content)[CONTENT_LAYER]
            style_feats = self._features(style_t)
            self.style_targets = {n: gram(style_feats[n]) for n in STYLE_LAYERS}

    def _features(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        x = x.contiguous(memory_format=torch.channels_last)
        return self.encoder(x, self.layers)

    def loss(self, x: torch.Tensor) -> torch.Tensor:
        feats = self._features(x)
        total = CONTENT_WEIGHT * (feats[CONTENT_LAYER] - self.content_target).pow(2).mean()
        for name in STYLE_LAYERS:
            channels = feats[name].shape[1]
            diff = (gram(feats[name]) - self.style_targets[name]).pow(2).mean()
            total = total + STYLE_WEIGHT * diff / channels**2
        return total

    def run(
        self,
        steps: int = STEPS,
        *,
        start: torch.Tensor | None = None,
        on_step: Callable[[int, float], None] | None = None,
    ) -> PlainResult:
        x = (self.content if start is None else start).clone().requires_grad_(True)
        optimizer = torch.optim.LBFGS(
            [x], lr=1.0, max_iter=1, history_size=HISTORY, tolerance_grad=-1, tolerance_change=-1
        )
        last = torch.zeros(())

        def closure() -> torch.Tensor:
            nonlocal last
            optimizer.zero_grad()
            loss = self.loss(x)
            loss.backward()
            last = loss.detach()
            return loss

        started = time.perf_counter()
        for step in range(steps):
            optimizer.step(closure)
            if on_step is not None:
                on_step(step + 1, float(last))
        seconds = time.perf_counter() - started
        return PlainResult(
            to_image(x.detach()), self.size, self.style_size, steps, seconds, float(last)
        )

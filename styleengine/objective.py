"""The objective at one scale of the pyramid: its targets, built from the photo and the paintings
at that scale, and its terms (content, style, total variation), each a small module, weighted
and summed by one.

Content and style are :class:`LayerTerms`: one loss per layer, summed with the layer weights
and divided by their sum, so that the knob's weight means the same whatever the layers. The
photo's weight is ``coarse_content`` times higher at the coarsest scale, falling to 1 at the
finest (the layout is fixed early, the texture comes late).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

from styleengine.color import match_histogram
from styleengine.images import same_pixels
from styleengine.losses import ContentLoss, Moments, StyleLoss, TemporalLoss, TVLoss, moments
from styleengine.neighbours import NEIGHBOUR_LAYERS, NeighbourLoss, nearest
from styleengine.palette import PaletteLoss
from styleengine.params import StyleParams

# A picture resized to (width, height) as a tensor on the run's device.
Place = Callable[[Image.Image, tuple[int, int]], torch.Tensor]
# An image tensor's features at the named layers.
Encode = Callable[[torch.Tensor, frozenset[str]], dict[str, torch.Tensor]]
Features = dict[str, torch.Tensor]
# A painting's tensor and features at one size, kept for a clip's frames: (painting, size) -> ...
PaintingCache = dict[tuple[int, tuple[int, int]], tuple[torch.Tensor, Features]]


class LayerTerms(nn.Module):
    """One kind of loss at several layers: the sum of each layer's loss times its weight."""

    def __init__(self, losses: dict[str, nn.Module], weights: dict[str, float]) -> None:
        super().__init__()
        self.losses = nn.ModuleDict(losses)
        self.weights = weights

    @property
    def norm(self) -> float:
        return sum(self.weights.values()) or 1.0

    def forward(self, feats: Features, image: torch.Tensor) -> torch.Tensor:
        total: torch.Tensor = sum(
            self.weights[name] * loss(feats[name]) for name, loss in self.losses.items()
        )
        return total


class PixelTerm(nn.Module):
    """A loss on the picture's pixels (the total variation, the palette)."""

    def __init__(self, loss: nn.Module) -> None:
        super().__init__()
        self.loss = loss

    def forward(self, feats: Features, image: torch.Tensor) -> torch.Tensor:
        value: torch.Tensor = self.loss(image)
        return value


class Off(nn.Module):
    """A term that is not wanted in this run (weight 0): 0, at no cost."""

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return image.new_zeros((), dtype=torch.float32)


@dataclass(frozen=True)
class Weighted:
    """A named term of the objective: counts ``weight * term / norm`` in the total."""

    name: str
    weight: float
    term: nn.Module
    norm: float = 1.0


class Objective(nn.Module):
    """The weighted sum of its terms; each term's value comes back beside the total."""

    def __init__(self, terms: Sequence[Weighted]) -> None:
        super().__init__()
        self.terms = tuple(terms)
        self.parts = nn.ModuleList(t.term for t in self.terms)  # registered as submodules

    def forward(self, feats: Features, image: torch.Tensor) -> dict[str, torch.Tensor]:
        values: dict[str, torch.Tensor] = {}
        total: torch.Tensor | None = None
        for t in self.terms:
            value = values[t.name] = t.term(feats, image)
            weighted = t.weight * value
            if t.norm != 1.0:
                weighted = weighted / t.norm
            total = weighted if total is None else total + weighted
        assert total is not None
        return {**values, "total": total}


@torch.no_grad()
def objective_at_scale(
    params: StyleParams,
    content: torch.Tensor,
    paintings: Sequence[tuple[float, Image.Image]],
    *,
    place: Place,
    encode: Encode,
    pixel_mask: torch.Tensor | None = None,
    content_boost: float = 1.0,
    start: torch.Tensor | None = None,
    temporal: tuple[torch.Tensor, torch.Tensor] | None = None,
    painting_cache: PaintingCache | None = None,
) -> Objective:
    """The objective for a picture the size of ``content`` (the photo at this scale): the
    photo's features as the content targets; the paintings' statistics, blended by their
    weights, as the style targets (each painting resized to as many pixels as the picture times
    ``style_scale``); with ``pixel_mask``, the style counted only where it is white. With
    ``--style-loss nn``, the deeper style layers' targets are the painting's nearest neighbours
    of the features of ``start`` (where the picture starts at this scale; the photo if None).
    ``temporal`` (a clip's frame after the first): the previous frame's picture moved onto this
    one and where that can be trusted, held by a "temporal" term. ``painting_cache`` keeps each
    painting's features between calls (a clip's frames share them)."""
    content_layers = dict(params.content_layers)
    style_layers = dict(params.style_layers)
    wanted = frozenset(content_layers) | frozenset(style_layers)
    content_feats = encode(content, wanted)
    content_losses = {name: ContentLoss(content_feats[name]) for name in content_layers}
    layer_masks: dict[str, torch.Tensor | None] = dict.fromkeys(style_layers)
    if pixel_mask is not None:
        for name in style_layers:
            layer_masks[name] = F.interpolate(
                pixel_mask, size=content_feats[name].shape[-2:], mode="area"
            )
    height, width = content.shape[-2:]
    style_pixels = width * height * params.style_scale**2
    per_style: list[tuple[float, dict[str, Moments]]] = []
    neighbour_layers = frozenset(style_layers) & NEIGHBOUR_LAYERS
    if params.style_loss != "nn":
        neighbour_layers = frozenset()
    painting_feats: list[Features] = []
    # The painting's colours are part of its style (so "More style" brings more of them),
    # wanted unless the member asked for the photo's.
    palette_weight = 0.0
    if params.preserve_color == "none":
        palette_weight = params.palette_weight * params.style_weight
    palettes: list[tuple[float, torch.Tensor]] = []
    for index, (weight, painting) in enumerate(paintings):
        painting_size = same_pixels(painting.size, style_pixels, min_side=16)
        kept = None
        if painting_cache is not None and params.preserve_color != "histogram":
            kept = painting_cache.get((index, painting_size))
        if kept is None:
            style_t = place(painting, painting_size)
            if params.preserve_color == "histogram":
                style_t = match_histogram(style_t, content)
            kept = (style_t, encode(style_t, frozenset(style_layers)))
            if painting_cache is not None and params.preserve_color != "histogram":
                painting_cache[(index, painting_size)] = kept
        style_t, feats = kept
        per_style.append((weight, {n: moments(feats[n]) for n in style_layers}))
        if neighbour_layers and weight > 0:
            painting_feats.append({n: feats[n] for n in neighbour_layers})
        if palette_weight > 0:
            palettes.append((weight, style_t))
    start_feats: Features = {}
    if neighbour_layers:
        start_feats = encode(content if start is None else start, neighbour_layers)
    style_losses: dict[str, nn.Module] = {}
    for name in style_layers:
        if name in neighbour_layers:
            targets = nearest(start_feats[name], [f[name] for f in painting_feats])
            style_losses[name] = NeighbourLoss(targets, layer_masks[name])
            continue
        target = Moments.blend([(w, stats[name]) for w, stats in per_style])
        kind = "gram" if params.style_loss == "nn" else params.style_loss
        loss = StyleLoss(kind, target, layer_masks[name])
        if params.style_norm == "photo":
            loss.measure_from(content_feats[name])
        style_losses[name] = loss
    content_terms = LayerTerms(dict(content_losses), content_layers)
    style_terms = LayerTerms(style_losses, style_layers)
    palette: nn.Module = Off()
    if palette_weight > 0:
        palette = PaletteLoss(palettes, (width, height), pixel_mask)
        if params.style_norm == "photo":
            palette.measure_from(content)
    terms = [
        Weighted("content", params.content_weight * content_boost, content_terms,
                 content_terms.norm),
        Weighted("style", params.style_weight, style_terms, style_terms.norm),
        Weighted("palette", palette_weight, PixelTerm(palette)),
        Weighted("tv", params.tv_weight, PixelTerm(TVLoss())),
    ]  # fmt: skip
    if temporal is not None:
        terms.append(
            Weighted("temporal", params.temporal_weight, PixelTerm(TemporalLoss(*temporal)))
        )
    return Objective(terms)

"""Every knob of a style transfer run, with its default, range and validation, in one place.

The CLI builds its flags from :func:`knobs`, the bot validates user flags and server settings with
:meth:`StyleParams.with_strings`; neither restates a default or a range. How a knob is declared
is :mod:`styleengine.knobs`; how the iterations are spread over the scales,
:mod:`styleengine.schedule`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from styleengine.knobs import (
    Knob,
    LayerWeights,
    ParamError,
    check_layer_weights,
    choice_field,
    flag_name,
    fmt,
    format_layer_weights,
    knob_field,
    parse_float,
    parse_floats,
    parse_int,
    parse_layer_weights,
)
from styleengine.layers import LAYER_NAMES
from styleengine.schedule import schedule

Optimizer = Literal["lbfgs", "adam"]
Pooling = Literal["max", "avg"]
ColorMode = Literal["none", "luminance", "histogram"]
Precision = Literal["auto", "fp32", "bf16", "fp16"]
StyleNorm = Literal["photo", "painting"]
StyleLossKind = Literal["gram", "mean-cov", "w2", "nn"]


@dataclass(frozen=True)
class StyleParams:
    """All the knobs of one run. Defaults are chosen for quality at 512 px long side."""

    size: int = knob_field(512, "long side of the output in pixels", parse_int, lo=16, hi=4096)
    iterations: int = knob_field(
        100,
        "optimizer iterations over all scales (30 percent at the finest, the rest cheaper)",
        parse_int,
        lo=1,
        hi=10_000,
    )
    content_weight: float = knob_field(1.0, "weight of the content loss", parse_float, lo=0, hi=1e6)
    style_weight: float = knob_field(
        8.0,
        "strength of the style: each style layer's error counts 1 where the photo starts "
        "(see --style-norm), so a weight means the same with any painting",
        parse_float,
        lo=0,
        hi=1e9,
    )
    palette_weight: float = knob_field(
        0.25,
        "the painting's palette, as a share of the style weight: a sliced Wasserstein distance "
        "of the picture's colours to the painting's, counting 1 where the photo starts (off "
        "with --preserve-color)",
        parse_float,
        lo=0,
        hi=1e4,
    )
    tv_weight: float = knob_field(
        1.0, "weight of the total-variation (smoothness) loss", parse_float, lo=0, hi=1e6
    )
    content_layers: LayerWeights = knob_field(
        (("relu3_1", 0.5), ("relu4_2", 1.0)),
        "content layers with weights, e.g. relu4_2:1 (relu3_1 keeps the photo's edges)",
        parse_layer_weights,
    )
    style_layers: LayerWeights = knob_field(
        (("relu1_1", 1.0), ("relu2_1", 1.0), ("relu3_1", 1.0), ("relu4_1", 1.0), ("relu5_1", 1.0)),
        "style layers with weights, e.g. relu1_1:1,relu2_1:1",
        parse_layer_weights,
    )
    style_loss: StyleLossKind = choice_field(
        "gram",
        "style statistics matched: Gram matrices (Gatys), channel means and covariances, the "
        "Wasserstein-2 distance of their Gaussian fits (about twice as slow), or nn: real "
        "pieces of the painting as targets at relu3_1 and relu4_1 (nearest neighbours, NNST)",
        StyleLossKind,
    )
    style_norm: StyleNorm = choice_field(
        "photo",
        "each style layer's error divided by the photo's own distance to the painting at that "
        "layer and scale (photo), or by the size of the painting's statistics (painting)",
        StyleNorm,
    )
    coarse_content: float = knob_field(
        4.0,
        "content weight multiplier at the coarsest scale, falling to 1 at the finest: the "
        "layout is fixed early, the texture comes late",
        parse_float,
        lo=0.01,
        hi=100,
    )
    detail_carry: float = knob_field(
        1.0,
        "how much of the photo's finer detail each scale starts with (the coarser scale could "
        "not hold it)",
        parse_float,
        lo=0,
        hi=1,
    )
    optimizer: Optimizer = choice_field("lbfgs", "optimizer", Optimizer)
    learning_rate: float = knob_field(
        0.02, "Adam step size (pixel values are 0..1)", parse_float, lo=1e-5, hi=1.0
    )
    init_noise: float = knob_field(
        0.0,
        "start image: 0 = the content, 1 = noise, between = a blend",
        parse_float,
        lo=0,
        hi=1,
    )
    style_scale: float = knob_field(
        1.0,
        "style image size relative to each scale of the output (1: as many pixels)",
        parse_float,
        lo=0.1,
        hi=4.0,
    )
    style_blend: tuple[float, ...] = knob_field(
        (), "blend weights of several style images, e.g. 0.7,0.3 (default equal)", parse_floats
    )
    pooling: Pooling = choice_field("max", "VGG pooling", Pooling)
    preserve_color: ColorMode = choice_field(
        "none", "keep the content's colours: luminance transfer or histogram matching", ColorMode
    )
    min_size: int = knob_field(
        128,
        "long side of the coarsest scale; at or above size: a single scale",
        parse_int,
        lo=16,
        hi=4096,
    )
    frame_iterations: int = knob_field(
        10,
        "clips: iterations of each frame after the first, at the finest scale only (it starts "
        "from the frame before, moved along the motion)",
        parse_int,
        lo=1,
        hi=10_000,
    )
    temporal_weight: float = knob_field(
        100.0,
        "clips: how firmly a frame keeps the frame before where the scene only moved "
        "(0: each frame painted on its own, which flickers)",
        parse_float,
        lo=0,
        hi=1e7,
    )
    seed: int = knob_field(0, "random seed", parse_int, lo=0, hi=2**31 - 1)
    precision: Precision = choice_field(
        "auto", "arithmetic: auto = bf16/fp16 where the device is fast at it", Precision
    )
    weights: str = knob_field(
        "caffe",
        "VGG19 weights: caffe (original, offline), torchvision (downloads), or a file path",
        str,
    )

    def __post_init__(self) -> None:
        for knob in knobs():
            value = getattr(self, knob.name)
            if knob.choices and value not in knob.choices:
                raise ParamError(knob.name, f"{value!r} is not {knob.describe_range()}")
            if knob.lo is not None and knob.hi is not None:
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise ParamError(knob.name, f"{value!r} is not a number")
                if not (math.isfinite(value) and knob.lo <= value <= knob.hi):
                    raise ParamError(knob.name, f"{value!r} is not {knob.describe_range()}")
        for name in ("content_layers", "style_layers"):
            check_layer_weights(name, getattr(self, name))
        if any(not (math.isfinite(w) and w >= 0) for w in self.style_blend):
            raise ParamError("style_blend", "weights must be finite and not negative")
        if self.style_blend and sum(self.style_blend) <= 0:
            raise ParamError("style_blend", "at least one weight must be above 0")
        if not self.weights.strip():
            raise ParamError("weights", "must name a source or a file")

    def replace(self, **changes: Any) -> StyleParams:
        return dataclasses.replace(self, **changes)

    def with_strings(self, values: Mapping[str, str]) -> StyleParams:
        """Apply textual values (from a command line, a chat message or a settings store).

        Keys are knob names with ``_`` or ``-``; raises :class:`ParamError` naming the knob.
        """
        by_name = {knob.name: knob for knob in knobs()}
        changes: dict[str, Any] = {}
        for key, text in values.items():
            name = key.strip().lstrip("-").replace("-", "_")
            knob = by_name.get(name)
            if knob is None:
                raise ParamError(name, "unknown option")
            try:
                value = knob.parse(text.strip())
            except (ValueError, OverflowError) as exc:
                raise ParamError(
                    name, f"{text!r}: {exc}; expected {knob.describe_range()}"
                ) from exc
            if knob.lo is not None and knob.hi is not None and not knob.lo <= value <= knob.hi:
                # Named as typed: "1e308", not the 309-digit number it parses to.
                raise ParamError(name, f"{text.strip()!r} is not {knob.describe_range()}")
            changes[name] = value
        return self.replace(**changes)

    def as_strings(self) -> dict[str, str]:
        """Every knob as text, the inverse of :meth:`with_strings`."""
        out = {}
        for knob in knobs():
            value = getattr(self, knob.name)
            if knob.name.endswith("_layers"):
                out[knob.name] = format_layer_weights(value)
            elif isinstance(value, tuple):
                out[knob.name] = ",".join(fmt(v) for v in value)
            elif isinstance(value, float):
                out[knob.name] = fmt(value)
            else:
                out[knob.name] = str(value)
        return out

    def blend_weights(self, n_styles: int) -> tuple[float, ...]:
        """Normalised blend weights for ``n_styles`` style images."""
        if not self.style_blend:
            return tuple(1.0 / n_styles for _ in range(n_styles))
        if len(self.style_blend) != n_styles:
            raise ParamError(
                "style_blend", f"has {len(self.style_blend)} weights for {n_styles} style images"
            )
        total = sum(self.style_blend)
        return tuple(w / total for w in self.style_blend)

    def schedule(self) -> tuple[tuple[int, int], ...]:
        """(long side, iterations) of each scale of the coarse-to-fine pyramid, coarsest first
        (:func:`styleengine.schedule.schedule`)."""
        return schedule(self.size, self.min_size, self.iterations)

    def scale_sizes(self) -> tuple[int, ...]:
        return tuple(size for size, _ in self.schedule())

    def scale_iterations(self) -> tuple[int, ...]:
        return tuple(n for _, n in self.schedule())

    def clip_iterations(self, frames: int) -> int:
        """Iterations of a clip of ``frames`` frames: the first as a still, each later one
        ``frame_iterations``."""
        return sum(self.scale_iterations()) + (frames - 1) * self.frame_iterations

    def later_frames(self) -> StyleParams:
        """How a clip's frames after the first are painted: ``frame_iterations`` at the finest
        scale alone (they start from a finished picture)."""
        return self.replace(iterations=self.frame_iterations, min_size=self.size)

    @property
    def deepest_layer(self) -> str:
        used = [name for name, _ in self.content_layers + self.style_layers]
        return max(used, key=LAYER_NAMES.index)


def knobs() -> Iterator[Knob]:
    """Every knob of :class:`StyleParams`, in declaration order."""
    for f in dataclasses.fields(StyleParams):
        meta = f.metadata
        yield Knob(
            name=f.name,
            help=meta["help"],
            default=f.default,
            parse=meta["parse"],
            lo=meta["lo"],
            hi=meta["hi"],
            choices=meta["choices"],
        )


__all__ = [
    "ColorMode",
    "Knob",
    "LayerWeights",
    "ParamError",
    "StyleParams",
    "flag_name",
    "knobs",
    "parse_layer_weights",
]

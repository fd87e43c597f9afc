"""Every knob of a style transfer run, with its default, range and validation, in one place.

The CLI builds its flags from :func:`knobs`, the bot validates user flags and server settings with
:meth:`StyleParams.with_strings`; neither restates a default or a range.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from styleengine.layers import LAYER_NAMES

LayerWeights = tuple[tuple[str, float], ...]
Optimizer = Literal["lbfgs", "adam"]
Pooling = Literal["max", "avg"]
ColorMode = Literal["none", "luminance", "histogram"]
Precision = Literal["auto", "fp32", "bf16", "fp16"]

FINEST_SHARE = 0.3  # of the iterations go to the finest scale, the picture the member sees
FINEST_MIN = 10  # iterations at the finest scale at least, unless the budget is smaller
COARSE_MIN = 5  # a coarser scale given fewer iterations is left out
StyleNorm = Literal["photo", "painting"]
StyleLossKind = Literal["gram", "mean-cov", "w2"]


class ParamError(ValueError):
    """A parameter value is out of range or malformed; the message names the knob and its range."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"{flag_name(name)}: {message}")
        self.name = name


def flag_name(name: str) -> str:
    """The command-line spelling of a knob (``style_weight`` -> ``--style-weight``)."""
    return "--" + name.replace("_", "-")


@dataclass(frozen=True)
class Knob:
    """What a user may know of one parameter: its range, choices and how to read it from text."""

    name: str
    help: str
    default: Any
    parse: Callable[[str], Any]
    lo: float | None = None
    hi: float | None = None
    choices: tuple[str, ...] = ()

    @property
    def flag(self) -> str:
        return flag_name(self.name)

    def describe_range(self) -> str:
        if self.choices:
            return "one of " + ", ".join(self.choices)
        if self.lo is not None and self.hi is not None:
            return f"from {_fmt(self.lo)} to {_fmt(self.hi)}"
        return self.help


def _fmt(value: float) -> str:
    return f"{value:g}"


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ValueError("not a number") from None


def _parse_float(text: str) -> float:
    value = _number(text)
    if not math.isfinite(value):
        raise ValueError("must be a finite number")
    return value


def _parse_int(text: str) -> int:
    value = _number(text)
    if not math.isfinite(value) or value != int(value):
        raise ValueError("must be a whole number")
    return int(value)


def _parse_floats(text: str) -> tuple[float, ...]:
    if not text.strip():
        return ()
    return tuple(_parse_float(part) for part in text.split(","))


def parse_layer_weights(text: str) -> LayerWeights:
    """Read ``relu1_1:1,relu2_1:0.5,relu3_1`` (a missing weight is 1)."""
    pairs = []
    for part in text.split(","):
        name, _, weight = part.strip().partition(":")
        pairs.append((name.strip(), _parse_float(weight) if weight else 1.0))
    return tuple(pairs)


def format_layer_weights(layers: LayerWeights) -> str:
    return ",".join(f"{name}:{_fmt(weight)}" for name, weight in layers)


def _knob(
    default: Any,
    help: str,
    parse: Callable[[str], Any],
    *,
    lo: float | None = None,
    hi: float | None = None,
    choices: tuple[str, ...] = (),
) -> Any:
    meta = {"help": help, "parse": parse, "lo": lo, "hi": hi, "choices": choices}
    return field(default=default, metadata=meta)


def _choice(default: str, help: str, literal: Any) -> Any:
    choices = tuple(get_args(literal))
    return _knob(default, help, str, choices=choices)


@dataclass(frozen=True)
class StyleParams:
    """All the knobs of one run. Defaults are chosen for quality at 512 px long side."""

    size: int = _knob(512, "long side of the output in pixels", _parse_int, lo=16, hi=4096)
    iterations: int = _knob(
        100,
        "optimizer iterations over all scales (30 percent at the finest, the rest cheaper)",
        _parse_int,
        lo=1,
        hi=10_000,
    )
    content_weight: float = _knob(1.0, "weight of the content loss", _parse_float, lo=0, hi=1e6)
    style_weight: float = _knob(
        8.0,
        "strength of the style: each style layer's error counts 1 where the photo starts "
        "(see --style-norm), so a weight means the same with any painting",
        _parse_float,
        lo=0,
        hi=1e9,
    )
    tv_weight: float = _knob(
        1.0, "weight of the total-variation (smoothness) loss", _parse_float, lo=0, hi=1e6
    )
    content_layers: LayerWeights = _knob(
        (("relu3_1", 0.5), ("relu4_2", 1.0)),
        "content layers with weights, e.g. relu4_2:1 (relu3_1 keeps the photo's edges)",
        parse_layer_weights,
    )
    style_layers: LayerWeights = _knob(
        (("relu1_1", 1.0), ("relu2_1", 1.0), ("relu3_1", 1.0), ("relu4_1", 1.0), ("relu5_1", 1.0)),
        "style layers with weights, e.g. relu1_1:1,relu2_1:1",
        parse_layer_weights,
    )
    style_loss: StyleLossKind = _choice(
        "gram",
        "style statistics matched: Gram matrices (Gatys), channel means and covariances, or the "
        "Wasserstein-2 distance of their Gaussian fits (about twice as slow)",
        StyleLossKind,
    )
    style_norm: StyleNorm = _choice(
        "photo",
        "each style layer's error divided by the photo's own distance to the painting at that "
        "layer and scale (photo), or by the size of the painting's statistics (painting)",
        StyleNorm,
    )
    coarse_content: float = _knob(
        4.0,
        "content weight multiplier at the coarsest scale, falling to 1 at the finest: the "
        "layout is fixed early, the texture comes late",
        _parse_float,
        lo=0.01,
        hi=100,
    )
    detail_carry: float = _knob(
        1.0,
        "how much of the photo's finer detail each scale starts with (the coarser scale could "
        "not hold it)",
        _parse_float,
        lo=0,
        hi=1,
    )
    optimizer: Optimizer = _choice("lbfgs", "optimizer", Optimizer)
    learning_rate: float = _knob(
        0.02, "Adam step size (pixel values are 0..1)", _parse_float, lo=1e-5, hi=1.0
    )
    init_noise: float = _knob(
        0.0,
        "start image: 0 = the content, 1 = noise, between = a blend",
        _parse_float,
        lo=0,
        hi=1,
    )
    style_scale: float = _knob(
        1.0,
        "style image size relative to each scale of the output (1: as many pixels)",
        _parse_float,
        lo=0.1,
        hi=4.0,
    )
    style_blend: tuple[float, ...] = _knob(
        (), "blend weights of several style images, e.g. 0.7,0.3 (default equal)", _parse_floats
    )
    pooling: Pooling = _choice("max", "VGG pooling", Pooling)
    preserve_color: ColorMode = _choice(
        "none", "keep the content's colours: luminance transfer or histogram matching", ColorMode
    )
    min_size: int = _knob(
        128,
        "long side of the coarsest scale; at or above size: a single scale",
        _parse_int,
        lo=16,
        hi=4096,
    )
    seed: int = _knob(0, "random seed", _parse_int, lo=0, hi=2**31 - 1)
    precision: Precision = _choice(
        "auto", "arithmetic: auto = bf16/fp16 where the device is fast at it", Precision
    )
    weights: str = _knob(
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
            _check_layers(name, getattr(self, name))
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
                out[knob.name] = ",".join(_fmt(v) for v in value)
            elif isinstance(value, float):
                out[knob.name] = _fmt(value)
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
        """(long side, iterations) of each scale of the coarse-to-fine pyramid, coarsest first.

        Sizes halve from ``size`` while they stay at least ``min_size``: below about 128 px the
        deep content layer (relu4_2, an eighth of the resolution) is too coarse to hold the
        layout and the style takes it over. The finest scale, where an iteration costs the most
        and where the picture the member sees is refined, gets ``FINEST_SHARE`` of the budget
        and never fewer than ``FINEST_MIN``: it is what the quality benchmark found the picture
        to depend on. The coarser scales share the rest, each getting twice the next finer
        one's (their iterations cost a quarter, a sixteenth, ..., and converge fast); a scale
        that would get fewer than ``COARSE_MIN`` is left out and its share goes to the finest.
        """
        sizes = [self.size]
        while sizes[-1] // 2 >= self.min_size:
            sizes.append(sizes[-1] // 2)
        sizes.reverse()
        finest = min(self.iterations, max(FINEST_MIN, round(self.iterations * FINEST_SHARE)))
        shares = [2.0 ** (len(sizes) - 2 - k) for k in range(len(sizes) - 1)]
        coarse = _split(self.iterations - finest, shares)
        plan = [(s, n) for s, n in zip(sizes[:-1], coarse, strict=True) if n >= COARSE_MIN]
        finest = self.iterations - sum(n for _, n in plan)
        return (*plan, (sizes[-1], finest))

    def scale_sizes(self) -> tuple[int, ...]:
        return tuple(size for size, _ in self.schedule())

    def scale_iterations(self) -> tuple[int, ...]:
        return tuple(n for _, n in self.schedule())

    @property
    def deepest_layer(self) -> str:
        used = [name for name, _ in self.content_layers + self.style_layers]
        return max(used, key=LAYER_NAMES.index)


def _split(total: int, shares: list[float]) -> list[int]:
    """``total`` in whole parts proportional to ``shares`` (largest remainders round up)."""
    if not shares:
        return []
    exact = [total * s / sum(shares) for s in shares]
    parts = [int(x) for x in exact]
    by_remainder = sorted(range(len(exact)), key=lambda i: parts[i] - exact[i])
    for i in by_remainder[: total - sum(parts)]:
        parts[i] += 1
    return parts


def _check_layers(name: str, layers: LayerWeights) -> None:
    if not layers:
        raise ParamError(name, "needs at least one layer")
    for layer, weight in layers:
        if layer not in LAYER_NAMES:
            raise ParamError(name, f"unknown layer {layer!r}; layers are relu1_1 ... relu5_4")
        if not (math.isfinite(weight) and weight >= 0):
            raise ParamError(name, f"weight of {layer} must be finite and not negative")


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

"""The machinery of a knob: how a parameter declares its default, range, choices and parser
(:func:`knob_field`, :func:`choice_field`), what a user may know of it (:class:`Knob`), the
parsers of text, and the one error a bad value gets (:class:`ParamError`).
:mod:`styleengine.params` declares the knobs with it."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, get_args

from styleengine.layers import LAYER_NAMES

LayerWeights = tuple[tuple[str, float], ...]


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
            return f"from {fmt(self.lo)} to {fmt(self.hi)}"
        return self.help


def knob_field(
    default: Any,
    help: str,
    parse: Callable[[str], Any],
    *,
    lo: float | None = None,
    hi: float | None = None,
    choices: tuple[str, ...] = (),
) -> Any:
    """A dataclass field that is a knob (its metadata becomes a :class:`Knob`)."""
    meta = {"help": help, "parse": parse, "lo": lo, "hi": hi, "choices": choices}
    return field(default=default, metadata=meta)


def choice_field(default: str, help: str, literal: Any) -> Any:
    """A knob whose values are the strings of a ``Literal`` type."""
    return knob_field(default, help, str, choices=tuple(get_args(literal)))


def fmt(value: float) -> str:
    return f"{value:g}"


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ValueError("not a number") from None


def parse_float(text: str) -> float:
    value = _number(text)
    if not math.isfinite(value):
        raise ValueError("must be a finite number")
    return value


def parse_int(text: str) -> int:
    value = _number(text)
    if not math.isfinite(value) or value != int(value):
        raise ValueError("must be a whole number")
    return int(value)


def parse_floats(text: str) -> tuple[float, ...]:
    if not text.strip():
        return ()
    return tuple(parse_float(part) for part in text.split(","))


def parse_layer_weights(text: str) -> LayerWeights:
    """Read ``relu1_1:1,relu2_1:0.5,relu3_1`` (a missing weight is 1)."""
    pairs = []
    for part in text.split(","):
        name, _, weight = part.strip().partition(":")
        pairs.append((name.strip(), parse_float(weight) if weight else 1.0))
    return tuple(pairs)


def check_layer_weights(name: str, layers: LayerWeights) -> None:
    """ParamError unless ``layers`` names VGG19's layers with finite, non-negative weights."""
    if not layers:
        raise ParamError(name, "needs at least one layer")
    for layer, weight in layers:
        if layer not in LAYER_NAMES:
            raise ParamError(name, f"unknown layer {layer!r}; layers are relu1_1 ... relu5_4")
        if not (math.isfinite(weight) and weight >= 0):
            raise ParamError(name, f"weight of {layer} must be finite and not negative")


def format_layer_weights(layers: LayerWeights) -> str:
    return ",".join(f"{name}:{fmt(weight)}" for name, weight in layers)

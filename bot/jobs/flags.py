"""Turn what a member typed (``--size 512 --style-weight 16``) into the engine's parameters.

The knobs, their ranges and their parsers all come from :class:`styleengine.StyleParams`; this
module only splits the text, keeps members away from operator-only knobs and applies the
bot's ceilings.
"""

from __future__ import annotations

import difflib
import shlex
from collections.abc import Mapping

from bot.text import code
from styleengine import ParamError, StyleParams, knobs

# Knobs only the operator may choose: a weights path reads the bot's disk, and the arithmetic
# is picked per device.
OPERATOR_ONLY = frozenset({"weights", "precision"})
MEMBER_KNOBS = tuple(knob for knob in knobs() if knob.name not in OPERATOR_ONLY)
MEMBER_FLAGS = tuple(knob.flag for knob in MEMBER_KNOBS)
# A clip's later frames each cost this many iterations at most, whatever a member asks: a clip
# has up to the server's frame limit of them.
FRAME_ITERATIONS_CEILING = 50
# Phone keyboards turn "--" into a dash; accept what they produce.
_DASHES = ("\u2014", "\u2013", "\u2012", "\u2212")


class RequestError(ValueError):
    """A member's request cannot run; the message says why in words for that member."""


def split_flags(text: str) -> dict[str, str]:
    """``--size 512 --seed=7`` -> ``{"size": "512", "seed": "7"}`` (names as typed, no dashes)."""
    for dash in _DASHES:
        text = text.replace(dash, "--")
    try:
        tokens = shlex.split(text)
    except ValueError as exc:
        raise RequestError(f"I could not read the options: {exc}.") from exc
    flags: dict[str, str] = {}
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if not token.startswith("--") or len(token) < 3:
            raise RequestError(
                f"I don't understand `{code(token)}`: options look like `--size 512`."
            )
        name, eq, value = token[2:].partition("=")
        if not eq:
            if i + 1 >= len(tokens) or tokens[i + 1].startswith("--"):
                raise RequestError(f"`--{code(name)}` needs a value, e.g. `--{code(name)} 2`.")
            value = tokens[i + 1]
            i += 1
        key = name.lower().replace("_", "-")
        if key in flags:
            raise RequestError(f"`--{code(key)}` is given twice.")
        flags[key] = value
        i += 1
    return flags


def resolve_params(
    base: StyleParams,
    flags: Mapping[str, str],
    *,
    max_size: int,
    max_iterations: int,
    max_frame_iterations: int = FRAME_ITERATIONS_CEILING,
) -> StyleParams:
    """Apply a member's flags to ``base`` (the server's defaults) within the bot's ceilings."""
    for key in flags:
        flag = "--" + key
        if flag not in MEMBER_FLAGS:
            close = difflib.get_close_matches(flag, MEMBER_FLAGS, n=1)
            hint = f" Did you mean `{close[0]}`?" if close else " `!stylize help` lists them."
            raise RequestError(f"`{code(flag)}` is not an option.{hint}")
    try:
        params = base.with_strings(flags)
    except ParamError as exc:
        raise RequestError(f"`{code(str(exc), 300)}`") from exc
    if params.size > max_size:
        raise RequestError(f"`--size`: at most {max_size} here (you asked {params.size}).")
    if params.iterations > max_iterations:
        raise RequestError(
            f"`--iterations`: at most {max_iterations} here (you asked {params.iterations})."
        )
    if params.frame_iterations > max_frame_iterations:
        raise RequestError(
            f"`--frame-iterations`: at most {max_frame_iterations} here (you asked "
            f"{params.frame_iterations}); every frame of a clip after the first costs them."
        )
    return params

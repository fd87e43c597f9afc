"""Whether this install can paint at all: the engine's extra (torch) may be left out of a host
that only runs the bot behind a broker."""

from __future__ import annotations

import sys


def engine_missing(program: str, advice: str) -> bool:
    """True (and said on stderr, with ``advice``) when this install cannot import torch."""
    try:
        import torch  # noqa: F401
    except ModuleNotFoundError:
        print(f"{program}: this install has no engine (torch); {advice}", file=sys.stderr)
        return True
    return False

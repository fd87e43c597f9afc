"""``python -m tests.launch MODULE [ARGS]``: run ``python -m MODULE`` (the bot or a worker) as the
tests run their in-process bot: with Discord's channel window scaled as in tests/bot/conftest.py
when ``$CHANNEL_WINDOW`` is set, and with painting jobs held at the paint gate in ``$PAINT_GATE``
(tests/paint_gate.py) when it is set. Nothing else differs from the real command."""

from __future__ import annotations

import os
import runpy
import sys

from tests.discord_double.rest import CHANNEL_BUCKET
from tests.paint_gate import ENV as GATE_ENV
from tests.paint_gate import PaintGate

WINDOW_ENV = "CHANNEL_WINDOW"


def environment(
    *, channel_window: float | None = None, gate: PaintGate | None = None
) -> dict[str, str]:
    """What a launched process needs in its environment for these adjustments."""
    env = {} if gate is None else gate.environment()
    if channel_window is not None:
        env[WINDOW_ENV] = str(channel_window)
    return env


def main() -> None:
    module = sys.argv[1]
    sys.argv = [module, *sys.argv[2:]]
    if WINDOW_ENV in os.environ:
        from bot.ui import pacing

        margin = pacing.WINDOW_SECONDS - CHANNEL_BUCKET[1]  # for requests in flight
        pacing.WINDOW_SECONDS = float(os.environ[WINDOW_ENV]) + margin
    if GATE_ENV in os.environ:
        PaintGate.from_environment().install()
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()

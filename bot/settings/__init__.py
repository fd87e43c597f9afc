"""Every setting of the bot and of its worker processes, read once from the environment (and
an optional ``.env``).

This is the one place their knobs are defined; everything else reads them from here.
:class:`PainterSettings` (``painter.py``) holds what both processes read (the broker, the
devices); the bot's :class:`BotSettings` (``bot_settings.py``) and the worker's
:class:`WorkerSettings` add their own; ``reading.py`` reads them and says what is wrong. The
style knobs themselves (weights, iterations, ...) live in :class:`styleengine.StyleParams`: the
settings only choose the server-wide default and the ceiling a member may ask for.
"""

from bot.settings.bot_settings import (
    DISCORD_API_BASE,
    DISCORD_CDN_URL,
    DISCORD_GATEWAY_URL,
    BotSettings,
)
from bot.settings.painter import PainterSettings, WorkerSettings, split_addr
from bot.settings.reading import read_settings

__all__ = [
    "DISCORD_API_BASE",
    "DISCORD_CDN_URL",
    "DISCORD_GATEWAY_URL",
    "BotSettings",
    "PainterSettings",
    "WorkerSettings",
    "read_settings",
    "split_addr",
]

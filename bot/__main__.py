"""``python -m bot``: start StyleBot with the settings from the environment and ``.env``."""

from __future__ import annotations

import asyncio
import logging
import sys

import discord

from bot.app import StyleBot
from bot.observe.logs import configure_logging
from bot.painting.engine_check import engine_missing
from bot.settings import BotSettings, read_settings
from bot.store import StoreError

log = logging.getLogger("bot")

EXIT_CONFIG = 2
EXIT_TOKEN_REJECTED = 3
EXIT_STORE = 4


def load_settings() -> BotSettings | None:
    missing = {
        "DISCORD_TOKEN": "DISCORD_TOKEN is not set. Put the bot's token in the environment or "
        "in .env (see .env.example)."
    }
    return read_settings(BotSettings, "StyleBot", missing)


def painter_missing(settings: BotSettings) -> bool:
    """True (and said) when this bot has neither a broker nor the engine to paint with."""
    return settings.broker_url is None and engine_missing(
        "StyleBot",
        "set STYLEBOT_BROKER_URL to a Redis that worker processes (python -m bot.worker) "
        "serve, or install the engine with pip install 'stylebot[engine]'.",
    )


async def run(settings: BotSettings) -> int:
    message_content = settings.message_content
    while True:
        bot = StyleBot(settings, message_content=message_content)
        try:
            async with bot:
                await bot.start(settings.token.get_secret_value())
            return 0
        except discord.LoginFailure:
            log.error("Discord rejected the token in DISCORD_TOKEN; check it in the portal.")
            return EXIT_TOKEN_REJECTED
        except StoreError as exc:
            log.error("StyleBot cannot use its database: %s (STYLEBOT_DATABASE)", exc)
            return EXIT_STORE
        except discord.PrivilegedIntentsRequired:
            if not message_content:
                raise
            log.warning(
                "Discord refused the message-content intent (enable it in the developer "
                "portal); reconnecting without it: slash commands and mentions still work."
            )
            message_content = False


def main() -> int:
    settings = load_settings()
    if settings is None or painter_missing(settings):
        return EXIT_CONFIG
    configure_logging(settings.log_level, settings.log_format, settings.secrets())
    try:
        return asyncio.run(run(settings))
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())

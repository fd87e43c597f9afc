"""``python -m bot``: start StyleBot with the settings from the environment and ``.env``."""

from __future__ import annotations

import asyncio
import logging
import signal
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


STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def stop_on_signals() -> asyncio.Event:
    """An event set by SIGTERM (what Docker, systemd and Kubernetes send to stop a process) or
    SIGINT (Ctrl-C), handled here rather than left to Python's defaults: SIGTERM would kill the
    process at once, and a SIGINT that the starting shell ignores (a background job of a script)
    would do nothing."""
    requested = asyncio.Event()
    loop = asyncio.get_running_loop()

    def stop(signum: signal.Signals) -> None:
        log.info(
            "%s: stopping; unfinished jobs stay in the journal for the next start", signum.name
        )
        requested.set()

    for signum in STOP_SIGNALS:
        loop.add_signal_handler(signum, stop, signum)
    return requested


async def connect_until_stopped(bot: StyleBot, token: str, stop: asyncio.Event) -> None:
    """Run the bot until Discord or a stop signal ends it; the bot is closed either way."""
    async with bot:
        connection = asyncio.create_task(bot.start(token), name="discord")
        stopping = asyncio.create_task(stop.wait(), name="stop-signal")
        await asyncio.wait({connection, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if not connection.done():
            await bot.close()
        await connection  # its error, if Discord ended it with one


async def run(settings: BotSettings) -> int:
    message_content = settings.message_content
    stop = stop_on_signals()
    while True:
        bot = StyleBot(settings, message_content=message_content)
        try:
            await connect_until_stopped(bot, settings.token.get_secret_value(), stop)
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
    return asyncio.run(run(settings))


if __name__ == "__main__":
    sys.exit(main())

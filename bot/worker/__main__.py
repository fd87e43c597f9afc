"""``python -m bot.worker``: a painter for a bot behind Redis (the same ``.env`` as the bot:
``STYLEBOT_BROKER_URL``, ``STYLEBOT_DEVICES``, ``STYLEBOT_WORKERS_PER_DEVICE``); it needs no
Discord token and never opens the bot's database."""

from __future__ import annotations

import asyncio
import logging
import sys

from bot.observe.logs import configure_logging
from bot.painting.engine_check import engine_missing
from bot.settings import WorkerSettings, read_settings
from styleengine import WeightsError

EXIT_CONFIG = 2

log = logging.getLogger("bot.worker")


def load_settings() -> WorkerSettings | None:
    missing = {
        "broker_url": "STYLEBOT_BROKER_URL is not set. Give it the bot's Redis URL "
        "(redis://host:6379/0) in the environment or in .env."
    }
    return read_settings(WorkerSettings, "StyleBot worker", missing)


def main() -> int:
    settings = load_settings()
    if settings is None:
        return EXIT_CONFIG
    if engine_missing("StyleBot worker", "install it with pip install 'stylebot[engine]'."):
        return EXIT_CONFIG
    configure_logging(settings.log_level, settings.log_format, settings.secrets())
    from bot.worker.serve import serve

    try:
        asyncio.run(serve(settings))
    except WeightsError as exc:
        log.error("cannot load the VGG19 weights %r: %s", settings.weights, exc)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())

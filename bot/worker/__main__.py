"""``python -m bot.worker``: a painter for a bot behind Redis (the same ``.env`` as the bot:
``STYLEBOT_BROKER_URL``, ``STYLEBOT_DEVICES``, ``STYLEBOT_WORKERS_PER_DEVICE``); it needs no
Discord token and never opens the bot's database."""

from __future__ import annotations

import asyncio
import logging
import sys

from pydantic import ValidationError

from bot.settings import WorkerSettings
from styleengine import WeightsError

EXIT_CONFIG = 2

log = logging.getLogger("bot.worker")


def load_settings() -> WorkerSettings | None:
    try:
        return WorkerSettings()  # type: ignore[call-arg]  # fields come from the environment
    except ValidationError as exc:
        for error in exc.errors():
            where = ".".join(str(part) for part in error["loc"]) or "settings"
            if error["type"] == "missing" and where == "broker_url":
                print(
                    "StyleBot worker: STYLEBOT_BROKER_URL is not set. Give it the bot's Redis "
                    "URL (redis://host:6379/0) in the environment or in .env.",
                    file=sys.stderr,
                )
            else:
                print(f"StyleBot worker: bad setting {where}: {error['msg']}", file=sys.stderr)
        return None


def main() -> int:
    settings = load_settings()
    if settings is None:
        return EXIT_CONFIG
    try:
        import torch  # noqa: F401
    except ModuleNotFoundError:
        print(
            "StyleBot worker: this install has no engine (torch); install it with "
            "pip install 'stylebot[engine]'.",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    logging.basicConfig(
        level=logging.getLevelNamesMapping().get(settings.log_level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)-8s %(name)s: %(message)s",
    )
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

"""The clean-up, every ``STYLEBOT_CLEANUP_INTERVAL`` seconds: expired remembered styles, the
data of servers the bot left long enough ago, finished jobs past their retention, the images
nothing uses any more, members' commands past the rate limit's window, and the marks of
erased members (bot.store.forgetting) after an hour."""

from __future__ import annotations

import asyncio
import logging
import time

from bot.settings import BotSettings
from bot.store import Store

log = logging.getLogger(__name__)


async def clean_up_forever(store: Store, settings: BotSettings) -> None:
    while True:
        older_than = time.time() - settings.retention_hours * 3600
        try:
            await store.members.sweep()  # expired styles, before their images go
            left_before = time.time() - settings.purge_after_days * 86400
            for guild_id in await store.purge_departed(left_before=left_before):
                log.info("purged the data of server %d, which the bot left", guild_id)
            swept = await store.journal.sweep(older_than=older_than)
            await store.command_uses.sweep(per=settings.command_window)
            await store.history.sweep_markers()
        except Exception:
            log.exception("journal clean-up failed; will try again")
        else:
            if swept.jobs or swept.blobs:
                log.info("cleaned up %d old job(s), %d image(s)", swept.jobs, swept.blobs)
        await asyncio.sleep(settings.cleanup_interval)

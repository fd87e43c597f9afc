"""The operator's pause, for every bot process at once: kept in the store (bot.store.shared),
applied at once by the process the operator spoke to, and read by every process before each
job starts (so no job starts anywhere once the pause is recorded) and every few seconds (so
waiting members are told, and painting resumes). A process that cannot read the store keeps
what it had."""

from __future__ import annotations

import asyncio
import logging

from bot.jobs.queue import FairQueue
from bot.store import Store

log = logging.getLogger(__name__)

KEY = "paused"
FOLLOW_EVERY = 2.0  # seconds between two reads of the shared pause


class SharedPause:
    def __init__(self, store: Store, queue: FairQueue) -> None:
        self.store = store
        self.queue = queue

    async def pause(self, reason: str) -> None:
        await self.store.shared.set(KEY, reason)
        self.queue.pause(reason)

    async def resume(self) -> None:
        await self.store.shared.delete(KEY)
        self.queue.resume()

    async def may_start(self) -> bool:
        """Whether a job may start now: not if another process has recorded a pause (it is
        then taken up here too)."""
        await self._take_up()
        return self.queue.paused is None

    async def _take_up(self) -> None:
        try:
            reason = await self.store.shared.get(KEY)
        except Exception as exc:
            log.debug("the shared pause could not be read: %s", exc)
            return
        if reason == self.queue.paused:
            return
        if reason is None:
            log.warning("painting resumed (by another bot process)")
            self.queue.resume()
        else:
            log.warning("painting paused (by another bot process): %s", reason)
            self.queue.pause(reason)

    async def follow(self) -> None:
        """Forever: take up a pause or resume another process made."""
        while True:
            await self._take_up()
            await asyncio.sleep(FOLLOW_EVERY)

"""While the store cannot be reached (a PostgreSQL server stopped or restarting), painting is
held: no job starts, since each reads its pictures from the store and must be journaled as it
ends. Waiting members read why on their status; new requests are refused with the reason
(their journal write fails), so none is taken and then lost. Once the store answers again,
painting goes on by itself. ``/readyz`` says the store is not ready meanwhile."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from bot.jobs.queue import FairQueue
from bot.store import Store

log = logging.getLogger(__name__)

OUTAGE = "my storage cannot be reached (the operator is told)"
RETRY_EVERY = (0.5, 1.0, 2.0, 5.0)  # seconds between tries, then the last one again


class StoreWatch:
    def __init__(
        self, store: Store, queue: FairQueue, on_back: Callable[[], None] = lambda: None
    ) -> None:
        """``on_back``: called when the store answers again after an outage."""
        self.store = store
        self.queue = queue
        self.on_back = on_back
        self._task: asyncio.Task[None] | None = None
        store.database.on_outage(self.failed)

    @property
    def out(self) -> bool:
        return self._task is not None and not self._task.done()

    def failed(self) -> None:
        """A statement found the store unreachable: hold painting until it answers again."""
        if self.out:
            return
        log.error("the store %s cannot be reached; painting is held", self.store.database.path)
        self.queue.hold(OUTAGE)
        self._task = asyncio.create_task(self._until_back(), name="store-watch")

    async def _until_back(self) -> None:
        attempt = 0
        while True:
            await asyncio.sleep(RETRY_EVERY[min(attempt, len(RETRY_EVERY) - 1)])
            attempt += 1
            try:
                await self.store.database.ping()
            except Exception:
                continue
            log.warning("the store %s answers again; painting goes on", self.store.database.path)
            self.queue.let_go()
            self.on_back()
            return

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()

"""Is the painting queue (Redis) there, and how many worker slots are online? Watched once a
second for the broker backend, which takes a slot here before it sends a job: the workers
announce their slots (SAQ's worker info), so a job leaves the bot's fair queue only when a
worker is free to take it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from bot.broker.queue import OUTAGE, StyleQueue, stop_if_cancelled

log = logging.getLogger(__name__)

CHECK_EVERY = 1.0  # seconds between looks at Redis and the workers
MAX_SLOTS = 1024  # more jobs at once than any one worker process paints


class BrokerHealth:
    def __init__(self, queue: StyleQueue) -> None:
        self.queue = queue
        self.available = False  # Redis answers
        self.capacity = 0  # worker slots online
        self.workers = 0  # worker processes announcing themselves
        self.failures = 0  # calls to Redis that failed since the start (a metric)
        self._in_flight = 0  # slots taken by this bot's runs
        self._changed = asyncio.Event()
        self._listeners: list[Callable[[], None]] = []
        self._watcher: asyncio.Task[None] | None = None
        self._unreadable = False
        self._odd_workers: set[str] = set()  # told once each

    def _slots(self, name: str, worker: object) -> int:
        """The slots a worker announces; an odd announcement counts none (and is logged)."""
        metadata = worker.get("metadata") if isinstance(worker, dict) else None
        slots = metadata.get("slots") if isinstance(metadata, dict) else None
        if isinstance(slots, int) and not isinstance(slots, bool) and 0 <= slots <= MAX_SLOTS:
            return slots
        if name not in self._odd_workers:
            self._odd_workers.add(name)
            log.error("worker %s announces %r slots; counting none of them", name, slots)
        return 0

    def on_change(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` when :attr:`available` or :attr:`capacity` change."""
        self._listeners.append(listener)

    async def start(self) -> None:
        await self.check()
        self._watcher = asyncio.create_task(self._watch(), name="broker-health")

    async def stop(self) -> None:
        if self._watcher is not None:
            self._watcher.cancel()
            await asyncio.gather(self._watcher, return_exceptions=True)

    async def take_slot(self) -> None:
        """Wait until Redis is there and a worker slot is free, and count it as taken."""
        while not (self.available and self._in_flight < self.capacity):
            self._changed.clear()
            await self._changed.wait()
        self._in_flight += 1

    def give_slot_back(self) -> None:
        self._in_flight -= 1
        self._changed.set()

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(CHECK_EVERY)
            stop_if_cancelled()
            await self.check()

    async def check(self) -> None:
        """Look at Redis and the slots the workers announce now."""
        try:
            info = await self.queue.info()
            available = True
            capacity = sum(self._slots(name, w) for name, w in info["workers"].items())
            self.workers = len(info["workers"])
            self._odd_workers &= set(info["workers"])  # forget the workers that are gone
        except OUTAGE as exc:
            stop_if_cancelled()
            self.failures += 1
            if self.available:
                log.warning("the painting queue (Redis) is unavailable: %s", exc)
            available, capacity = False, self.capacity
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            # An announcement that is not what a worker of ours writes: keep the last count.
            if not self._unreadable:
                log.error("the workers' announcements in Redis cannot be read: %s", exc)
            self._unreadable = True
            return
        self._unreadable = False
        if available and not self.available:
            log.info("the painting queue (Redis) is reachable; %d worker slot(s)", capacity)
        if (available, capacity) != (self.available, self.capacity):
            self.available, self.capacity = available, capacity
            self._changed.set()
            for listener in self._listeners:
                listener()

    async def outage_pause(self) -> None:
        """Wait a moment before the next try while Redis cannot be reached."""
        await asyncio.sleep(CHECK_EVERY)

"""``/forget-me`` said to one bot process reaches the others: each follows the markers the
erase leaves in the store (bot.store.forgetting) and cancels its own jobs of that member asked
for before it, as the process the member spoke to cancelled its own. A process that cannot read
the store tries again at the next turn."""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

from bot.job import Job
from bot.store.forgetting import PREFIX
from bot.store.shared import SharedState

log = logging.getLogger(__name__)

FOLLOW_EVERY = 2.0  # seconds between two reads of the markers


class Host(Protocol):
    """What following the erasures needs of the job service."""

    jobs: dict[str, Job]  # queued or running

    async def cancel(self, job: Job, *, by: str) -> None: ...


class ForgettingFollower:
    def __init__(self, shared: SharedState, host: Host) -> None:
        self.shared = shared
        self.host = host
        self._seen: dict[int, float] = {}  # member -> the latest erase already followed

    async def follow(self) -> None:
        """Forever: cancel the jobs of members forgotten since they asked for them."""
        while True:
            try:
                await self.take_up()
            except Exception as exc:
                log.debug("the forgotten members could not be read: %s", exc)
            await asyncio.sleep(FOLLOW_EVERY)

    async def take_up(self) -> None:
        markers = await self.shared.starting_with(PREFIX)
        erased = {int(key.removeprefix(PREFIX)): float(at) for key, at in markers.items()}
        for member, at in erased.items():
            if self._seen.get(member) == at:
                continue
            self._seen[member] = at
            jobs = list(self.host.jobs.values())
            for job in [j for j in jobs if j.owner_id == member and j.created_at <= at]:
                log.info("job %s: its member asked to be forgotten (in another process)", job.id)
                await self.host.cancel(job, by="/forget-me")
        self._seen = {m: at for m, at in self._seen.items() if m in erased}

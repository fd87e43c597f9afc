"""A bounded job queue that is fair across members.

The next job goes to the waiting member with the fewest jobs running, and among those to the
one served longest ago: one member with ten jobs does not hold up another member's first.
Each member holds at most ``per_user`` jobs queued or running, and each server at most
``per_server`` (a raid on one server cannot fill the queue every other server shares).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from bot.job import Job
from bot.store.open_jobs import too_many

_SERVED_KEPT = 10_000  # members whose last turn is remembered; older turns are all "long ago"


class QueueRefused(Exception):
    """The job was not queued; the message says why in words for the member."""


@dataclass(eq=False)
class Place:
    """A place in the queue held for a request while its images download and it is written
    to the journal: it counts against every cap, so that requests arriving together cannot all
    pass the check before any of them is queued."""

    owner_id: int
    server_id: int | None


class FairQueue:
    def __init__(self, capacity: int, per_user: int, per_server: int | None = None) -> None:
        self.capacity = capacity
        self.per_user = per_user
        self.per_server = per_server or capacity
        self._waiting: dict[int, deque[Job]] = {}  # member -> their queued jobs, oldest first
        self._running: dict[str, Job] = {}
        self._served: dict[int, int] = {}  # member -> when last served (a counter)
        self._places: set[Place] = set()  # held for requests on their way in
        self._tick = 0
        self._wakeup = asyncio.Event()
        self._listeners: list[Callable[[], None]] = []
        self.paused: str | None = None  # the operator's reason, while no job may start
        self.held: str | None = None  # why the bot itself holds painting (an outage), if it does

    def pause(self, reason: str) -> None:
        """No job starts until :meth:`resume`; the waiting keep their places, new ones queue,
        the running finish."""
        self.paused = reason
        self._changed()

    def resume(self) -> None:
        self.paused = None
        self._wakeup.set()
        self._changed()

    def hold(self, reason: str) -> None:
        """As :meth:`pause`, for the bot's own reason (its store is unreachable), apart from
        the operator's pause: each is lifted on its own."""
        self.held = reason
        self._changed()

    def let_go(self) -> None:
        self.held = None
        self._wakeup.set()
        self._changed()

    def requeue(self, job: Job) -> None:
        """A job taken that could not start after all: back at the head of its member's jobs,
        no longer counted as running."""
        self._running.pop(job.id, None)
        self._waiting.setdefault(job.owner_id, deque()).appendleft(job)
        self._wakeup.set()
        self._changed()

    def __len__(self) -> int:
        return sum(len(jobs) for jobs in self._waiting.values())

    def on_change(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` whenever jobs enter, leave or start."""
        self._listeners.append(listener)

    def check(
        self, owner_id: int, *, per_user: int | None = None, server_id: int | None = None
    ) -> None:
        """Raise :class:`QueueRefused` if ``owner_id`` may not queue one more job now (from
        ``server_id``, when it comes from a server).

        ``per_user`` lowers the member's cap (a server's own limit) below the queue's."""
        limit = self.per_user if per_user is None else min(per_user, self.per_user)
        if self.held_by(owner_id) >= limit:
            raise QueueRefused(too_many(self.held_by(owner_id), limit))
        if server_id is not None and self.held_by_server(server_id) >= self.per_server:
            raise QueueRefused(
                f"This server already has {self.held_by_server(server_id)} jobs queued or "
                f"running, its share of the queue; please try again when some are done."
            )
        if len(self) + len(self._places) >= self.capacity:
            raise QueueRefused(
                f"The queue is full ({self.capacity} jobs); please try again in a few minutes."
            )

    def held_by_server(self, server_id: int) -> int:
        running = sum(1 for job in self._running.values() if job.guild_id == server_id)
        waiting = sum(1 for jobs in self._waiting.values() for j in jobs if j.guild_id == server_id)
        return running + waiting + sum(1 for p in self._places if p.server_id == server_id)

    def held_by(self, owner_id: int) -> int:
        running = sum(1 for job in self._running.values() if job.owner_id == owner_id)
        places = sum(1 for p in self._places if p.owner_id == owner_id)
        return running + len(self._waiting.get(owner_id, ())) + places

    def hold_place(
        self, owner_id: int, *, per_user: int | None = None, server_id: int | None = None
    ) -> Place:
        """Check the caps for one more job (:class:`QueueRefused` if over) and hold its place
        until :meth:`put` takes it or :meth:`release` gives it back."""
        self.check(owner_id, per_user=per_user, server_id=server_id)
        place = Place(owner_id, server_id)
        self._places.add(place)
        return place

    def release(self, place: Place) -> None:
        """Give back a place a request no longer needs (nothing if :meth:`put` took it)."""
        self._places.discard(place)

    def put(
        self,
        job: Job,
        *,
        place: Place | None = None,
        per_user: int | None = None,
        admitted: bool = False,
    ) -> None:
        """Queue ``job`` in the ``place`` held for it, else if the caps allow; ``admitted``
        jobs (taken before a restart) always."""
        if place is not None and place in self._places:
            self._places.discard(place)
        elif not admitted:
            self.check(job.owner_id, per_user=per_user, server_id=job.guild_id)
        self._waiting.setdefault(job.owner_id, deque()).append(job)
        self._wakeup.set()
        self._changed()

    async def get(self) -> Job:
        """The next job in fair order, now counted as running until :meth:`finish`."""
        while not self._waiting or self.paused is not None or self.held is not None:
            self._wakeup.clear()
            await self._wakeup.wait()
        owner_id = _next_owner(self._waiting, self._running_counts(), self._served)
        jobs = self._waiting[owner_id]
        job = jobs.popleft()
        if not jobs:
            del self._waiting[owner_id]
        self._tick += 1
        self._served[owner_id] = self._tick
        if len(self._served) > _SERVED_KEPT:  # the oldest count as never served: the same order
            keep = sorted(self._served.items(), key=lambda item: item[1])[-_SERVED_KEPT // 2 :]
            self._served = dict(keep)
        self._running[job.id] = job
        self._changed()
        return job

    def finish(self, job: Job) -> None:
        if self._running.pop(job.id, None) is not None:
            self._changed()

    def remove(self, job: Job) -> bool:
        """Take a queued job out; False if it is not waiting (already running or gone)."""
        jobs = self._waiting.get(job.owner_id)
        if not jobs or job not in jobs:
            return False
        jobs.remove(job)
        if not jobs:
            del self._waiting[job.owner_id]
        self._changed()
        return True

    def waiting(self) -> list[Job]:
        """Queued jobs in the order they will start (if nobody else arrives)."""
        waiting = {owner: deque(jobs) for owner, jobs in self._waiting.items()}
        running, served, tick = self._running_counts(), dict(self._served), self._tick
        order = []
        while waiting:
            owner = _next_owner(waiting, running, served)
            order.append(waiting[owner].popleft())
            if not waiting[owner]:
                del waiting[owner]
            running[owner] = running.get(owner, 0) + 1
            tick += 1
            served[owner] = tick
        return order

    def _running_counts(self) -> dict[int, int]:
        counts: dict[int, int] = {}
        for job in self._running.values():
            counts[job.owner_id] = counts.get(job.owner_id, 0) + 1
        return counts

    def running(self) -> list[Job]:
        return list(self._running.values())

    def _changed(self) -> None:
        for position, job in enumerate(self.waiting(), start=1):
            job.position = position
        for listener in self._listeners:
            listener()


def paused_note(reason: str | None, held: str | None = None) -> str | None:
    """What waiting members read while the operator has paused painting (or the bot holds it:
    ``held``, its reason)."""
    if reason is None:
        if held is not None:
            return (
                f"Painting is paused: {held}. Your job keeps its place and starts by itself "
                "when it is back."
            )
        return None
    why = f" ({reason})" if reason else ""
    return (
        f"Painting is paused by the operator{why}; your job keeps its place and starts when "
        "painting resumes."
    )


def _next_owner(
    waiting: dict[int, deque[Job]], running: dict[int, int], served: dict[int, int]
) -> int:
    """Fewest jobs running first, then served longest ago (never served: first of all)."""
    return min(waiting, key=lambda owner: (running.get(owner, 0), served.get(owner, -1)))

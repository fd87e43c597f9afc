"""Per-member command rate limit: so one member cannot flood the bot (or make it flood a channel).

Built on discord.py's own cooldown buckets; the key is the member's id, so text commands and
slash commands share one budget. Bot processes that share a PostgreSQL store also count each
command there (after their own count lets it through), so a member whose servers are on
different processes still has one budget. A member over the limit hears it once per window;
the commands after that are dropped quietly, so a flood does not become a flood of replies.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable
from typing import Protocol

from discord.ext import commands

log = logging.getLogger(__name__)

SHARED_PATIENCE = 2.0  # seconds a command waits for the shared count before going on without


class SharedCount(Protocol):
    """Commands counted with the other processes (bot.store.command_uses.CommandUses)."""

    def take(self, owner_id: int, *, rate: int, per: float) -> Awaitable[float | None]: ...


class SlowDown(commands.CheckFailure):
    """A member used too many commands; ``tell`` is False for the quiet ones after the first."""

    def __init__(self, retry_after: float, *, rate: int, per: float, tell: bool) -> None:
        super().__init__(
            f"Slow down: StyleBot takes {rate} commands per {per:g} s from each member; "
            f"try again in {max(1, round(retry_after))} s."
        )
        self.retry_after = retry_after
        self.tell = tell


class MemberRateLimit:
    def __init__(self, rate: int, per: float) -> None:
        self.rate = rate
        self.per = per
        self.shared: SharedCount | None = None  # set when other processes share the store
        self._shared_failing = False  # said once until the shared count works again
        self._buckets: commands.CooldownMapping[int] = commands.CooldownMapping.from_cooldown(
            rate, per, lambda member_id: member_id
        )
        self._told: dict[int, float] = {}  # member -> until when they have been told

    async def check(self, member_id: int) -> None:
        """Count one command; raise :class:`SlowDown` if it is over the member's budget."""
        bucket = self._buckets.get_bucket(member_id)
        retry_after = bucket.update_rate_limit() if bucket is not None else None
        if retry_after is None and self.shared is not None:
            try:
                retry_after = await asyncio.wait_for(
                    self.shared.take(member_id, rate=self.rate, per=self.per), SHARED_PATIENCE
                )
            except Exception as exc:  # the store unreachable: this process's count still holds
                if not self._shared_failing:
                    log.warning("commands are not counted with the other processes: %s", exc)
                self._shared_failing = True
            else:
                if self._shared_failing:
                    log.info("commands are counted with the other processes again")
                self._shared_failing = False
        if retry_after is None:
            return
        now = time.monotonic()
        tell = self._told.get(member_id, 0.0) <= now
        if tell:
            self._told = {m: t for m, t in self._told.items() if t > now}  # forget the stale
            self._told[member_id] = now + retry_after
        raise SlowDown(retry_after, rate=self.rate, per=self.per, tell=tell)

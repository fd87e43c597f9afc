"""Pictures asked for in the last 24 hours, per member and per server: the daily quotas.

Every job taken counts once (a grid of four styles is one, a clip is one) when it is journaled,
in the same transaction, so two requests at once cannot both take the last one; a job that
paints nothing (cancelled before it started, or failed) gives its count back. The rows hold
only ids and a time and leave after 24 hours; a member's ``/forget-me`` does not erase them
(else it would reset the quota).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from bot.store.sql import Sql

DAY = 24 * 3600.0


@dataclass(frozen=True)
class DailyLimits:
    """Pictures one member, and one server (None outside a server), may ask for in 24 h."""

    member: int
    server: int | None


@dataclass(frozen=True)
class DailyUse:
    member: int  # the member's pictures in the last 24 hours (everywhere)
    server: int | None  # the server's (None outside a server)
    member_again: float  # seconds until the member's oldest counted picture leaves the window
    server_again: float


class OverDaily(Exception):
    """A daily quota is used up; the message says which and when it frees, for the member."""


async def daily_use(
    db: Sql, owner_id: int, guild_id: int | None, *, now: float | None = None
) -> DailyUse:
    now = time.time() if now is None else now
    since = now - DAY
    cursor = await db.execute(
        "SELECT COUNT(*), MIN(at) FROM daily_use WHERE owner_id = ? AND at > ?", (owner_id, since)
    )
    member, member_oldest = await cursor.fetchone() or (0, None)
    server, server_oldest = None, None
    if guild_id is not None:
        cursor = await db.execute(
            "SELECT COUNT(*), MIN(at) FROM daily_use WHERE guild_id = ? AND at > ?",
            (guild_id, since),
        )
        server, server_oldest = await cursor.fetchone() or (0, None)

    def again(oldest: float | None) -> float:
        return max(0.0, oldest + DAY - now) if oldest is not None else 0.0

    return DailyUse(int(member), server, again(member_oldest), again(server_oldest))


async def take_daily(
    db: Sql,
    job_id: str,
    owner_id: int,
    guild_id: int | None,
    limits: DailyLimits,
    *,
    now: float | None = None,
) -> None:
    """Count ``job_id`` against the quotas, or raise :class:`OverDaily` (inside the caller's
    transaction, which writes the job)."""
    now = time.time() if now is None else now
    use = await daily_use(db, owner_id, guild_id, now=now)
    if use.member >= limits.member:
        raise OverDaily(
            f"You have asked for {limits.member} pictures in the last 24 hours, the most each "
            f"member may here; you can ask again in {in_words(use.member_again)}."
        )
    if limits.server is not None and use.server is not None and use.server >= limits.server:
        raise OverDaily(
            f"This server has had its {limits.server} pictures for the last 24 hours (its daily "
            f"limit); more can be painted in {in_words(use.server_again)}."
        )
    await db.execute(
        "INSERT INTO daily_use (job_id, owner_id, guild_id, at) VALUES (?, ?, ?, ?)",
        (job_id, owner_id, guild_id, now),
    )


async def give_back_daily(db: Sql, job_id: str) -> None:
    await db.execute("DELETE FROM daily_use WHERE job_id = ?", (job_id,))


async def sweep_daily(db: Sql, *, now: float | None = None) -> int:
    """Forget the counts older than a day; returns how many."""
    now = time.time() if now is None else now
    cursor = await db.execute("DELETE FROM daily_use WHERE at <= ?", (now - DAY,))
    return cursor.rowcount


def in_words(seconds: float) -> str:
    minutes = max(1, round(seconds / 60))
    hours, minutes = divmod(minutes, 60)
    if hours and minutes:
        return f"{hours} h {minutes} min"
    return f"{hours} h" if hours else f"{minutes} min"

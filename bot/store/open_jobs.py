"""The cap on a member's queued and running jobs across bot processes: each process's queue
counts the jobs of its own shards' servers, and the journal that the processes share holds the
rest, so a member whose servers are on different processes still has one cap."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.store.sql import Sql


class TooManyOpen(Exception):
    """The member's cap on queued and running jobs is reached; the message is for them."""


def too_many(held: int, limit: int) -> str:
    return (
        f"You already have {held} job(s) queued or running (the limit is {limit}); wait for one "
        f"to finish or cancel one."
    )


@dataclass(frozen=True)
class MemberCap:
    limit: int
    held_here: int  # the member's other jobs in this process's queue (its shards' servers)
    elsewhere: Callable[[int | None], bool]  # whether a server's jobs are another process's


async def check_member_cap(db: Sql, owner_id: int, cap: MemberCap) -> None:
    """Raise :class:`TooManyOpen` if the member's jobs here and their unfinished, unpainted
    jobs of other processes' servers in the journal reach the cap (inside the caller's
    transaction, which writes the new job: writers take turns, so two processes cannot both
    take the last place)."""
    cursor = await db.execute(
        "SELECT guild_id FROM jobs "
        "WHERE owner_id = ? AND finished_at IS NULL AND result_digest IS NULL",
        (owner_id,),
    )
    others = sum(1 for (guild_id,) in await cursor.fetchall() if cap.elsewhere(guild_id))
    if others and cap.held_here + others >= cap.limit:
        raise TooManyOpen(too_many(cap.held_here + others, cap.limit))

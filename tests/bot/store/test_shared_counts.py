"""What bot processes sharing a store keep together: a member's commands in the last window,
their queued and running jobs on servers of other processes, and small shared values (the
pause, the boards to settle after a restart)."""

from __future__ import annotations

import asyncio

import pytest

from bot.job import JobState
from bot.store.open_jobs import MemberCap, TooManyOpen
from tests.bot.store.test_journal import RESULT, job

HERE, THERE = 22, 23  # a server of this process, one of another


async def test_commands_are_counted_in_a_sliding_window(store):
    uses = store.command_uses
    assert await uses.take(7, rate=2, per=10, now=100.0) is None
    assert await uses.take(7, rate=2, per=10, now=104.0) is None
    assert await uses.take(7, rate=2, per=10, now=105.0) == pytest.approx(5.0)  # 100 + 10 - 105
    assert await uses.take(8, rate=2, per=10, now=105.0) is None  # another member's own budget
    assert await uses.take(7, rate=2, per=10, now=110.5) is None  # the first left the window
    assert await uses.take(7, rate=2, per=10, now=111.0) == pytest.approx(3.0)  # 104 + 10 - 111


async def test_the_sweep_forgets_commands_past_the_window(store):
    for member, at in ((7, 100.0), (8, 101.0), (9, 108.0)):
        assert await store.command_uses.take(member, rate=1, per=5, now=at) is None
    assert await store.command_uses.sweep(per=5, now=106.0) == 2  # 7's and 8's
    assert await store.command_uses.take(9, rate=1, per=5, now=109.0) is not None  # kept


async def test_commands_counted_at_once_by_several_processes_keep_to_the_rate(store):
    answers = await asyncio.gather(
        *(store.command_uses.take(7, rate=3, per=60, now=100.0 + i / 100) for i in range(8))
    )
    assert sum(a is None for a in answers) == 3


def cap(limit: int, held_here: int = 0) -> MemberCap:
    return MemberCap(limit, held_here, lambda guild: guild == THERE)


async def test_a_members_jobs_on_other_processes_servers_count_against_their_cap(store):
    await store.journal.record(job(guild_id=THERE), member_cap=cap(2))
    await store.journal.record(job(guild_id=HERE), member_cap=cap(2))  # 1 there, 0 here
    with pytest.raises(TooManyOpen, match=r"You already have 2 job\(s\).*the limit is 2"):
        await store.journal.record(job(guild_id=HERE), member_cap=cap(2, held_here=1))
    # Jobs of this process's own servers are its queue's to count, not the journal's.
    await store.journal.record(job(guild_id=HERE), member_cap=cap(3, held_here=1))
    assert len((await store.journal.unfinished())[0]) == 3


async def test_a_painted_or_finished_job_frees_its_place(store):
    there = job(guild_id=THERE)
    await store.journal.record(there)
    with pytest.raises(TooManyOpen):
        await store.journal.record(job(guild_id=HERE), member_cap=cap(1))
    await store.journal.rendered(there.id, RESULT)  # painted, being delivered
    await store.journal.record(job(guild_id=HERE), member_cap=cap(1))
    other = job(guild_id=THERE, owner_id=12)
    await store.journal.record(other)
    other.state = JobState.CANCELLED
    await store.journal.finished(other)
    await store.journal.record(job(guild_id=HERE, owner_id=12), member_cap=cap(1))


async def test_shared_values_are_set_read_by_key_or_prefix_and_deleted(store):
    await store.shared.set("board:1", "a")
    await store.shared.set("board:2", "b")
    await store.shared.set("paused", "upgrade")
    await store.shared.set("board:2", "c")  # replaced
    assert await store.shared.get("paused") == "upgrade"
    assert await store.shared.starting_with("board:") == {"board:1": "a", "board:2": "c"}
    await store.shared.delete("board:1")
    assert await store.shared.starting_with("board:") == {"board:2": "c"}
    assert await store.shared.get("board:1") is None

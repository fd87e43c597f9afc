"""Storage quotas: what a member and a server keep stays within them; the oldest finished jobs'
images go first, never a waiting job's or a preset, and what cannot fit is refused whole."""

from __future__ import annotations

import os

import pytest

from bot.job import InputImage, Job, JobState
from bot.store.quota import MB, NoRoom, Quota
from styleengine import StyleParams

KB = 1024


def job(owner: int, guild: int | None = 22, size: int = 300 * KB) -> Job:
    """A job with two images of ``size`` bytes each, none like any other."""
    photo, style = os.urandom(size), os.urandom(size)
    return Job(
        owner_id=owner, owner_name=f"m{owner}", guild_id=guild, channel_id=33,
        content=InputImage.of("p.png", photo, (10, 10)),
        styles=(InputImage.of("s.png", style, (10, 10)),),
        params=StyleParams(size=32), upload_limit=8 << 20,
    )  # fmt: skip


async def finish(store, j: Job) -> None:
    j.state = JobState.DONE
    await store.journal.finished(j)


async def test_a_member_over_their_quota_lets_go_of_their_oldest_finished_jobs(store):
    quota = Quota(member_bytes=1536 * KB, server_bytes=None)
    old, older_still = job(1), job(1)
    await store.journal.record(older_still, quota=quota)
    await finish(store, older_still)
    await store.journal.record(old, quota=quota)
    await finish(store, old)
    assert await store.journal.kept(owner_id=1) == 4 * 300 * KB
    newest = job(1)
    await store.journal.record(newest, quota=quota)  # 600 KB more: the oldest job's go
    assert await store.journal.kept(owner_id=1) == 4 * 300 * KB
    assert await store.journal.load(older_still.id) is None  # its re-run buttons: gone
    assert await store.journal.load(old.id) is not None
    assert await store.journal.inputs_of(newest) is not None


async def test_a_waiting_job_is_never_let_go_and_what_cannot_fit_is_refused_whole(store):
    quota = Quota(member_bytes=1 * MB, server_bytes=None)
    waiting = job(1)
    await store.journal.record(waiting, quota=quota)  # 600 KB, still queued
    with pytest.raises(NoRoom, match="take 1 MB of the 1 MB I keep for each member"):
        await store.journal.record(job(1), quota=quota)
    jobs, _ = await store.journal.unfinished()
    assert [j.id for j in jobs] == [waiting.id]  # nothing of the refused one was written
    assert await store.journal.inputs_of(waiting) is not None
    await store.journal.record(job(2), quota=quota)  # another member has their own quota


async def test_a_servers_quota_counts_its_presets_which_are_never_let_go(store):
    quota = Quota(member_bytes=100 * MB, server_bytes=1 * MB)
    await store.presets.add(22, "big", filename="b.png", data=os.urandom(700 * KB),
                            size=(9, 9), by=1, server_bytes=1 * MB)  # fmt: skip
    old = job(1, size=100 * KB)
    await store.journal.record(old, quota=quota)
    await finish(store, old)
    await store.journal.record(job(2, size=100 * KB), quota=quota)  # member 1's old job goes
    assert await store.journal.load(old.id) is None
    with pytest.raises(NoRoom, match="an admin can remove presets"):
        await store.presets.add(22, "bigger", filename="c.png", data=os.urandom(400 * KB),
                                size=(9, 9), by=1, server_bytes=1 * MB)  # fmt: skip
    assert await store.presets.get(22, "big") is not None
    await store.journal.record(job(3, guild=23), quota=quota)  # another server: its own

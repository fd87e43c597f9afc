"""The history as the store keeps it: a member's finished pictures newest first, one deleted with
the images only it used, and a member erased without touching anyone else's images."""

from __future__ import annotations

import time

import pytest

from bot.job import GridChoice, JobState, Rendered
from bot.store.forgetting import KEPT, PREFIX, ForgottenMeanwhile, sweep_markers
from styleengine import EncodedImage
from tests.bot.store.test_journal import _blobs, job


async def _finish(store, j, picture: bytes | None = None, state=JobState.DONE) -> None:
    await store.journal.record(j)
    if picture is not None:
        result = Rendered(EncodedImage(picture, "png", (64, 48)), 1.5, "cpu", "bf16", frames=0)
        await store.journal.rendered(j.id, result)
    j.state = state
    await store.journal.finished(j)


async def test_entries_are_a_members_painted_jobs_newest_first(store):
    first, second = job(b"p1", b"shared"), job(b"p2", b"shared")
    grid = job(b"p3", b"s3", grid=GridChoice(("udnie",), 0))
    failed, other = job(b"p4", b"s4"), job(b"p5", b"s5", owner_id=99)
    for j, picture in ((first, b"r1"), (second, b"r2"), (grid, b"r3"), (other, b"r5")):
        await _finish(store, j, picture)
    await _finish(store, failed, None, JobState.FAILED)
    history = store.history
    assert await history.count(11) == 3
    entries = await history.entries(11, offset=0, limit=2)
    assert [e.job_id for e in entries] == [grid.id, second.id]
    assert entries[0].grid and not entries[1].grid
    assert entries[1].styles == ("b.png",) and entries[1].size == (64, 48)
    assert entries[1].picture_kept and entries[1].inputs_kept
    assert [e.job_id for e in await history.entries(11, offset=2, limit=2)] == [first.id]
    assert await history.entries(11, offset=3, limit=2) == []
    assert await history.picture(second.id, 11) == (b"r2", "png")
    assert await history.picture(second.id, 99) is None  # not theirs


async def test_deleting_an_entry_keeps_what_others_use(store):
    first, second = job(b"p1", b"shared"), job(b"p2", b"shared")
    for j, picture in ((first, b"r1"), (second, b"r2")):
        await _finish(store, j, picture)
    assert await store.history.delete(first.id, 11)
    assert not await store.history.delete(first.id, 11)  # already gone
    kept = await _blobs(store)
    assert b"r1" not in kept and b"p1" not in kept
    assert {b"shared", b"p2", b"r2"} <= kept


async def test_forgetting_a_member_erases_theirs_only(store):
    mine, theirs = job(b"mine", b"shared"), job(b"theirs", b"shared", owner_id=99)
    for j, picture in ((mine, b"r-mine"), (theirs, b"r-theirs")):
        await _finish(store, j, picture)
    waiting = job(b"waiting", b"w")
    await store.journal.record(waiting)  # unfinished (its job was stopped first)
    await store.members.prefer(11, {"size": "256"})
    await store.members.remember_style(11, filename="s.png", data=b"style", size=(2, 2), ttl=60)
    forgotten = await store.forget_member(11)
    assert (forgotten.jobs, forgotten.preferences, forgotten.styles) == (2, 1, 1)
    assert forgotten.bytes == len(b"mine" + b"r-mine" + b"waiting" + b"w" + b"style")
    assert await store.members.preferences(11) == {}
    assert await store.members.remembered_style(11) is None
    assert await store.journal.kept(owner_id=11) == 0
    assert await _blobs(store) == {b"theirs", b"shared", b"r-theirs"}


async def test_a_request_on_its_way_during_an_erase_is_not_journaled_after_it(store):
    on_its_way = job(b"photo", b"style")  # asked for before the erase, journaled after it
    await store.forget_member(11)
    with pytest.raises(ForgottenMeanwhile, match="forget you while this request was on its way"):
        await store.journal.record(on_its_way)
    assert await store.journal.kept(owner_id=11) == 0
    await store.journal.record(job(b"photo", b"style"))  # asked for after it: kept
    await store.journal.record(job(b"photo", b"style", owner_id=99))  # someone else's
    assert len((await store.journal.unfinished())[0]) == 2


async def test_the_marks_of_erasures_leave_after_an_hour(store):
    await store.forget_member(11)
    assert set(await store.shared.starting_with(PREFIX)) == {f"{PREFIX}11"}
    assert await store.history.sweep_markers() == 0
    async with store.database.transaction() as db:
        assert await sweep_markers(db, now=time.time() + KEPT + 1) == 1
    assert await store.shared.starting_with(PREFIX) == {}

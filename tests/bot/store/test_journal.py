"""The job journal: what a restart finds, what the clean-up forgets."""

from __future__ import annotations

import time

from bot.job import InputImage, Job, JobState, Rendered
from styleengine import EncodedImage, StyleParams


def job(photo: bytes = b"photo", style: bytes = b"style", **fields) -> Job:
    values = {
        "owner_id": 11,
        "owner_name": "Alice",
        "guild_id": 22,
        "channel_id": 33,
        "content": InputImage.of("a.jpg", photo, (40, 30)),
        "styles": (InputImage.of("b.png", style, (20, 20)),),
        "params": StyleParams(size=64, iterations=9, style_weight=60),
        "upload_limit": 8 << 20,
        "sources": {"style_weight": "member", "size": "server"},
        "command_message_id": 44,
    }
    values.update(fields)
    return Job(**values)


RESULT = Rendered(EncodedImage(b"png-bytes", "png", (64, 48)), 1.5, "cpu", "bf16")


async def test_a_recorded_job_comes_back_whole(store):
    original = job(preset="starry")
    await store.journal.record(original)
    await store.journal.status_posted(original.id, 55)
    (back,), unreadable = await store.journal.unfinished()
    assert unreadable == []
    assert back.id == original.id and back.state is JobState.QUEUED
    # Back shelved: the names, sizes and digests, the bytes left in the store until a run.
    assert back.content == original.content.shelved()
    assert back.styles == tuple(s.shelved() for s in original.styles)
    inputs = await store.journal.inputs_of(back)
    assert inputs is not None and (inputs.content, inputs.styles) == (b"photo", (b"style",))
    assert back.params == original.params and back.sources == original.sources
    assert (back.preset, back.command_message_id, back.status_message_id) == ("starry", 44, 55)
    assert back.result is None


async def test_running_then_rendered_then_finished(store):
    j = job()
    await store.journal.record(j)
    j.attempts = 1
    await store.journal.started(j)
    (back,), _ = await store.journal.unfinished()
    assert back.state is JobState.RUNNING and back.attempts == 1
    await store.journal.rendered(j.id, RESULT)
    (back,), _ = await store.journal.unfinished()
    assert back.result == RESULT  # painted, not yet delivered: a restart only delivers it
    j.state = JobState.DONE
    await store.journal.finished(j)
    assert await store.journal.unfinished() == ([], [])
    kept = await store.journal.load(j.id)  # for the rerun buttons
    assert kept is not None and kept.content == j.content.shelved() and kept.result is None


async def test_the_sweep_forgets_old_finished_jobs_and_their_images_only(store):
    old, recent, waiting = job(b"old"), job(b"recent"), job(b"waiting", b"shared")
    shared = job(b"old2", b"shared")
    for j in (old, recent, waiting, shared):
        await store.journal.record(j)
    await store.presets.add(22, "keep", filename="k.png", data=b"old", size=(1, 1), by=1)
    for j in (old, shared):
        j.state = JobState.DONE
        await store.journal.finished(j)
    cutoff = time.time() + 1
    recent.state = JobState.FAILED
    swept = await store.journal.sweep(older_than=cutoff)
    await store.journal.finished(recent)  # after the cut-off: kept
    assert swept.jobs == 2
    assert await store.journal.load(old.id) is None
    assert await store.journal.load(recent.id) is not None
    jobs, _ = await store.journal.unfinished()
    assert [j.id for j in jobs] == [waiting.id]
    inputs = await store.journal.inputs_of(jobs[0])
    assert inputs is not None and inputs.styles == (b"shared",)  # still used by a waiting job
    preset = await store.presets.get(22, "keep")
    assert preset is not None and preset.data == b"old"  # a preset's image stays
    async with store.database.transaction() as db:
        cursor = await db.execute("SELECT count(*) FROM blobs")
        (count,) = await cursor.fetchone()
    # "recent", "style" (recent's), "waiting", "shared" and "old" (the preset's now)
    assert count == 5 and swept.blobs == 1  # only "old2" went


async def test_an_entry_with_knobs_this_engine_lacks_is_reported_not_fatal(store):
    j = job()
    await store.journal.record(j)
    async with store.database.transaction() as db:
        await db.execute('UPDATE jobs SET params = \'{"sharpness": "3"}\' WHERE id = ?', (j.id,))
    jobs, (unreadable,) = await store.journal.unfinished()
    assert jobs == [] and unreadable.id == j.id and "no longer apply" in unreadable.reason
    await store.journal.abandon(j.id)
    assert await store.journal.unfinished() == ([], [])


async def test_a_summary_names_the_inputs_without_reading_their_bytes(store):
    j = job(photo=b"P" * 100_000)
    await store.journal.record(j)
    summary = await store.journal.summary(j.id)
    assert summary is not None and summary.params == j.params and summary.sources == j.sources
    assert (summary.content.name, summary.content.size) == ("a.jpg", (40, 30))
    assert [s.name for s in summary.styles] == ["b.png"]
    assert summary.content.data is None and summary.styles[0].data is None  # not read
    assert await store.journal.summary("000000000000") is None


async def _blobs(store) -> set[bytes]:
    async with store.database.reading() as db:
        cursor = await db.execute("SELECT data FROM blobs")
        return {bytes(row[0]) for row in await cursor.fetchall()}


async def test_a_cancelled_jobs_images_go_at_once_and_a_finished_ones_stay_until_the_sweep(store):
    cancelled, done = job(b"cancelled", b"shared"), job(b"done", b"shared")
    for j in (cancelled, done):
        await store.journal.record(j)
    await store.journal.rendered(done.id, RESULT)
    cancelled.state = JobState.CANCELLED
    await store.journal.finished(cancelled)
    assert b"cancelled" not in await _blobs(store)  # nothing can run it again
    assert b"shared" in await _blobs(store)  # the other job still uses it
    done.state = JobState.DONE
    await store.journal.finished(done)
    # The picture stays for the member's history, the inputs for the re-run buttons.
    assert {b"png-bytes", b"done", b"shared"} <= await _blobs(store)
    await store.journal.sweep(older_than=time.time() + 1)  # past the retention
    assert await _blobs(store) == set()

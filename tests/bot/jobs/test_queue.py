"""The fair queue on its own: order, caps and positions."""

from __future__ import annotations

import pytest

from bot.job import InputImage, Job
from bot.jobs.queue import FairQueue, QueueRefused
from styleengine import StyleParams

_IMAGE = InputImage.of("x.png", b"", (1, 1))


def job(owner: int, server: int | None = None) -> Job:
    return Job(owner, f"user{owner}", server, 1, _IMAGE, (_IMAGE,), StyleParams(), 1 << 20)


async def test_a_newcomer_goes_before_a_member_who_already_has_a_job_running():
    queue = FairQueue(capacity=10, per_user=5)
    a1, a2, a3, b1 = job(1), job(1), job(1), job(2)
    for j in (a1, a2, a3):
        queue.put(j)
    assert await queue.get() is a1
    queue.put(b1)
    assert queue.waiting() == [b1, a2, a3]
    assert [b1.position, a2.position, a3.position] == [1, 2, 3]
    assert await queue.get() is b1
    assert await queue.get() is a2


async def test_two_members_alternate():
    queue = FairQueue(capacity=10, per_user=5)
    a = [job(1) for _ in range(3)]
    b = [job(2) for _ in range(3)]
    for j in a + b:
        queue.put(j)
    order = []
    for _ in range(6):
        got = await queue.get()
        order.append(got.owner_id)
        queue.finish(got)
    assert order == [1, 2, 1, 2, 1, 2]


def test_per_member_cap_counts_running_jobs_and_capacity_bounds_the_queue():
    queue = FairQueue(capacity=3, per_user=2)
    queue.put(job(1))
    queue.put(job(1))
    with pytest.raises(QueueRefused, match="limit is 2"):
        queue.put(job(1))
    queue.put(job(2))
    with pytest.raises(QueueRefused, match="queue is full"):
        queue.put(job(3))


async def test_removed_jobs_free_their_place():
    queue = FairQueue(capacity=5, per_user=2)
    first, second = job(1), job(1)
    queue.put(first)
    queue.put(second)
    assert queue.remove(first)
    assert not queue.remove(first)
    assert second.position == 1
    running = await queue.get()
    assert not queue.remove(running)  # running jobs are cancelled through their token
    assert queue.held_by(1) == 1
    queue.finish(running)
    assert queue.held_by(1) == 0


async def test_a_servers_cap_lowers_the_members_limit_but_cannot_raise_it():
    queue = FairQueue(capacity=10, per_user=3)
    queue.put(job(1), per_user=1)
    with pytest.raises(QueueRefused, match="the limit is 1"):
        queue.put(job(1), per_user=1)
    queue.put(job(1), per_user=5)
    queue.put(job(1), per_user=5)
    with pytest.raises(QueueRefused, match="the limit is 3"):
        queue.put(job(1), per_user=5)


async def test_jobs_admitted_before_a_restart_bypass_the_caps():
    queue = FairQueue(capacity=1, per_user=1)
    queue.put(job(1))
    with pytest.raises(QueueRefused, match="queue is full"):
        queue.put(job(2))
    resumed = [job(2), job(2)]
    for j in resumed:
        queue.put(j, admitted=True)
    assert queue.waiting()[1:] == resumed


async def test_a_server_holds_at_most_its_share_of_the_queue_whoever_asks():
    queue = FairQueue(capacity=10, per_user=1, per_server=3)
    raid = [job(owner, server=7) for owner in range(1, 4)]  # three members, one job each
    for j in raid:
        queue.put(j)
    with pytest.raises(QueueRefused, match="This server already has 3 jobs"):
        queue.put(job(4, server=7))
    queue.put(job(5, server=8))  # another server still gets in
    queue.put(job(6))  # and a DM
    running = await queue.get()
    assert queue.held_by_server(7) == 3
    queue.finish(running)
    queue.put(job(4, server=7))  # a place came free


async def test_the_turns_it_remembers_are_bounded_and_keep_their_order(monkeypatch):
    from bot.jobs import queue as queue_module

    monkeypatch.setattr(queue_module, "_SERVED_KEPT", 4)
    queue = FairQueue(capacity=100, per_user=1)
    for owner in range(1, 11):  # ten members served one after the other
        queue.put(job(owner))
        queue.finish(await queue.get())
    assert len(queue._served) <= 4  # a raid of members leaves no map that only grows
    # The most recently served still wait behind one served long ago (or never).
    recent, long_ago = job(10), job(1)
    queue.put(recent)
    queue.put(long_ago)
    assert await queue.get() is long_ago


async def test_a_held_place_counts_against_every_cap_until_it_is_queued_or_given_back():
    queue = FairQueue(capacity=2, per_user=1, per_server=5)
    place = queue.hold_place(1, server_id=7)  # member 1's images are downloading
    with pytest.raises(QueueRefused, match="limit is 1"):
        queue.hold_place(1, server_id=7)  # a second request of theirs, at the same moment
    assert queue.held_by(1) == 1 and queue.held_by_server(7) == 1
    other = queue.hold_place(2)
    with pytest.raises(QueueRefused, match="queue is full"):
        queue.hold_place(3)  # two places held: the queue is full
    queue.put(job(1, server=7), place=place)  # it took its place, no check again
    queue.release(place)  # nothing more to give back
    queue.release(other)  # member 2's download failed
    assert queue.held_by(1) == 1 and queue.held_by(2) == 0
    queue.hold_place(3)

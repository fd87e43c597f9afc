"""The pacer keeps to Discord's real per-channel limit (the other tests run it scaled down),
and forgets the channels that have gone quiet (a raid over many channels leaves nothing)."""

from __future__ import annotations

import asyncio
import time
from types import SimpleNamespace

from bot.ui import pacing
from bot.ui.pacing import ChannelPacer
from tests.discord_double import rest


def test_the_real_window_is_discords_with_a_margin(monkeypatch):
    monkeypatch.undo()  # the autouse fixture's scaled window, gone: the figures as shipped
    limit, per = rest.CHANNEL_BUCKET
    assert (limit, per) == (5, 5.0)  # what Discord allows and the double enforces
    assert limit >= pacing.MESSAGES_PER_WINDOW
    assert pacing.EDITS_PER_WINDOW < pacing.MESSAGES_PER_WINDOW  # room left for new messages
    assert per < pacing.WINDOW_SECONDS


async def test_a_sixth_message_waits_for_the_window_and_edits_leave_room():
    pacer = ChannelPacer()
    started = time.monotonic()
    for _ in range(pacing.EDITS_PER_WINDOW):
        await pacer.slot(1, edit=True)
    edit = asyncio.create_task(pacer.slot(1, edit=True))
    await asyncio.sleep(0)
    assert not edit.done()  # edits may use only part of the window
    for _ in range(pacing.MESSAGES_PER_WINDOW - pacing.EDITS_PER_WINDOW):
        await pacer.slot(1)  # new messages still find room at once
    await pacer.slot(2)  # another channel has its own window
    sixth = asyncio.create_task(pacer.slot(1))
    await asyncio.sleep(0)
    assert not sixth.done()
    await asyncio.gather(edit, sixth)
    assert time.monotonic() - started >= pacing.WINDOW_SECONDS  # neither went early


async def test_quiet_channels_are_forgotten(monkeypatch):
    clock = SimpleNamespace(now=1000.0)
    monkeypatch.setattr(pacing, "time", SimpleNamespace(monotonic=lambda: clock.now))
    monkeypatch.setattr(pacing, "_SWEEP_EVERY", 8)
    pacer = ChannelPacer()
    for channel in range(7):  # seven channels, one message each
        await pacer.slot(channel)
    assert len(pacer._sent) == 7
    clock.now += pacing.WINDOW_SECONDS + 1  # their windows have passed
    await pacer.slot(99)  # the eighth slot sweeps
    assert set(pacer._sent) == {99}


async def test_an_urgent_slot_goes_first_and_a_queue_of_messages_is_crowded():
    pacer = ChannelPacer()
    for _ in range(pacing.MESSAGES_PER_WINDOW):
        await pacer.slot(1)
    assert not pacer.crowded(1)  # a full window alone: the next message waits a little
    order: list[str] = []

    async def take(name: str, **kwargs: bool) -> None:
        await pacer.slot(1, **kwargs)
        order.append(name)

    waiting = [asyncio.create_task(take(f"plain{n}")) for n in range(pacing.CROWD)]
    await asyncio.sleep(0)
    assert pacer.crowded(1) and not pacer.crowded(2)
    urgent = asyncio.create_task(take("urgent", urgent=True))
    await asyncio.gather(*waiting, urgent)
    assert order[0] == "urgent"  # the board's answer before pictures waiting longer
    assert not pacer.crowded(1)


async def test_waiting_edits_do_not_make_a_channel_crowded():
    pacer = ChannelPacer()
    for _ in range(pacing.EDITS_PER_WINDOW):
        await pacer.slot(1, edit=True)
    edits = [asyncio.create_task(pacer.slot(1, edit=True)) for _ in range(pacing.CROWD)]
    await asyncio.sleep(0)
    assert not any(e.done() for e in edits) and not pacer.crowded(1)
    for edit in edits:
        edit.cancel()


async def test_waiting_messages_go_first_come_first_served():
    pacer = ChannelPacer()
    for _ in range(pacing.MESSAGES_PER_WINDOW):
        await pacer.slot(1)
    order: list[int] = []

    async def take(n: int) -> None:
        await pacer.slot(1)
        order.append(n)

    tasks = []
    for n in range(pacing.MESSAGES_PER_WINDOW + 2):  # more than one window's worth
        tasks.append(asyncio.create_task(take(n)))
        await asyncio.sleep(0)
    await asyncio.gather(*tasks)
    assert order == sorted(order)

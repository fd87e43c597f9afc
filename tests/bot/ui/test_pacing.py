"""The pacer keeps to Discord's real per-channel limit (the other tests run it scaled down)."""

from __future__ import annotations

import asyncio
import time

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

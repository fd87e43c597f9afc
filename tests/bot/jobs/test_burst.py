"""A burst of requests in one channel: the overflow is answered on the channel's board (one
message, edited in place) instead of a message each, so every member sees an answer within a
window or two, and nothing draws a 429; each request still ends with its picture or its
refusal. (How fast, for a 40-request burst: `python bench/load.py --requests 40 --users 10
--seconds 2 --channels 1`.)"""

from __future__ import annotations

from collections import Counter

import discord
import pytest

from bench.load import _boards, answered, outcome
from bot.job import JobState
from bot.jobs.board_memory import PREFIX
from bot.ui import pacing
from bot.ui.board import NotTaken
from bot.ui.views import board_view
from tests.bot.conftest import bot_settings, eventually, pair, running
from tests.discord_double import rest

MEMBERS, EACH = 6, 3  # 18 requests; two each are taken (the member's cap), one refused


@pytest.fixture
def discords_window(monkeypatch: pytest.MonkeyPatch) -> None:
    """Discord's own window (5 messages per 5 s), not the suite's faster one: the whole burst
    then reaches the bot well within one window however slow this CPU is, so the channel is
    crowded for every request after the fifth."""
    monkeypatch.setattr(rest, "CHANNEL_BUCKET", (5, 5.0))
    monkeypatch.setattr(pacing, "WINDOW_SECONDS", 5.25)


async def send_burst(double, members, image_bytes) -> list:
    """``EACH`` requests from each member, round by round, each answered (a reply or a line on
    the board) while the painters are held."""
    burst = [
        await double.post_message(member, "!stylize", pair(double, image_bytes))
        for _ in range(EACH)
        for member in members
    ]
    await double.wait_for(lambda: all(answered(double, m) for m in burst))
    return burst


def board_of(double) -> str:
    (board,) = _boards(double)
    return board


async def test_a_burst_in_one_channel_is_answered_on_its_board(
    double, image_bytes, paint_gate, discords_window
):
    settings = bot_settings(double, user_limit=2, queue_limit=50, workers_per_device=1)
    async with running(settings, double) as bot:
        members = [double.add_user(f"member{n}") for n in range(MEMBERS)]
        before = len(double.bot_messages())
        paint_gate.close()
        burst = await send_burst(double, members, image_bytes)
        # Every member has an answer while the painters are still held: a reply for the first
        # few, a line on the board for the rest, from far fewer messages than requests.
        posted = double.bot_messages()[before:]
        assert len(posted) < len(burst) / 2
        assert double.rate_limited == []
        board = board_of(double)
        assert "**Waiting**" in board
        replied = [m for m in burst if double.replies_to(m.id)]
        on_board = [m for m in burst if f"/{m.id})" in board]
        assert len(replied) + len(on_board) == len(burst)
        # Refused at once (the member's cap needs no download), a refusal is a reply while the
        # channel has room and a line on the board once it has not.
        refused_on_board = "**Not taken:** You already have 2" in board

        # "Cancel mine" on the board: the presser's requests still waiting there, no one else's.
        (board_message,) = [
            m for m in double.bot_messages() if m.data["embeds"] and "Busy here" in (
                m.data["embeds"][0].get("title") or "")
        ]  # fmt: skip
        custom_id = board_message.data["components"][0]["components"][0]["custom_id"]
        assert custom_id == f"stylebot:board-cancel:{double.channel_id}"
        boarded = [j for j in bot.service.jobs.values() if bot.service.boards.waiting(j)]
        leaver = next(u for u in members if any(j.owner_id == u.id for j in boarded))
        mine = [j for j in bot.service.jobs.values() if j.owner_id == leaver.id]
        waiting = [j for j in mine if j.state is JobState.QUEUED]
        pressed = await double.press(leaver, board_message.id, custom_id)
        await double.wait_for(lambda: pressed.response_type is not None)
        assert pressed.ephemeral
        await double.wait_for(lambda: all(j.state is JobState.CANCELLED for j in waiting))
        others = [j for j in bot.service.jobs.values() if j.owner_id != leaver.id]
        assert others and all(not j.state.finished for j in others)

        paint_gate.open()
        gone = {j.command_message_id for j in waiting}
        kept = [m for m in burst if m.id not in gone]
        await double.wait_for(lambda: all(outcome(double, m) for m in kept))
        await double.wait_for(lambda: not bot.service.jobs)
        # Each request: one final answer, its picture or its refusal; the cancelled ones were
        # told privately, on the button.
        assert all(len(outcome(double, m)) == 1 for m in kept)
        assert not any(outcome(double, m) for m in burst if m.id in gone)
        kinds = Counter(outcome(double, m)[0][0] for m in kept)
        assert kinds["refused"] == MEMBERS * (EACH - 2)
        assert kinds["done"] == MEMBERS * 2 - len(waiting)
        assert double.rate_limited == []
        # The board ends: gone, or keeping only who was not taken.
        await double.wait_for(lambda: all("**Waiting**" not in b for b in _boards(double)))
        if refused_on_board:
            assert "**Not taken:** You already have 2" in board_of(double)
        else:
            assert _boards(double) == []


async def test_a_board_left_up_by_a_stop_is_settled_at_the_next_start(
    double, image_bytes, paint_gate, discords_window
):
    """A bot stopped (or killed) with a board up leaves it listing requests as waiting, with
    its Cancel button; the next start edits it down to the requests not taken (or deletes it
    when there are none), and the ones that waited on it get messages of their own."""
    settings = bot_settings(double, user_limit=2, queue_limit=50, workers_per_device=1)
    members = [double.add_user(f"member{n}") for n in range(MEMBERS)]
    async with running(settings, double) as bot:
        paint_gate.close()
        burst = await send_burst(double, members, image_bytes)
        listed = board_of(double).split("**Not taken:**")[0]
        on_board = [m for m in burst if f"/{m.id})" in listed]
        assert on_board and "**Waiting**" in listed
        refused = "**Not taken:**" in board_of(double)

        async def remembered() -> bool:  # in the store, written in the background
            boards = await bot.store.shared.starting_with(PREFIX)
            return bool(boards) and ("Not taken" in str(boards)) == refused

        await eventually(remembered)
    (board,) = [m for m in double.bot_messages() if m.data["embeds"] and "Busy here" in (
        m.data["embeds"][0].get("title") or "")]  # fmt: skip

    async with running(settings, double) as bot:
        await double.wait_for(lambda: board.deleted or "Requests here" in str(board.data))
        if refused:  # the refusals stay, without the Cancel button
            assert "**Not taken:**" in board_of(double) and not board.data.get("components")
        else:
            assert board.deleted
        assert all("**Waiting**" not in b for b in _boards(double))
        await double.wait_for(lambda: all(double.replies_to(m.id) for m in on_board))
        paint_gate.open()
        await double.wait_for(lambda: all(outcome(double, m) for m in burst))
        await double.wait_for(lambda: not bot.service.jobs)
        assert all(len(outcome(double, m)) == 1 for m in burst)
        # (No check for 429s here: the new process cannot know what the stopped one sent in
        # Discord's current window, and discord.py waits out the few that come of it.)


async def test_an_old_boards_refusals_stay_after_a_restart(double):
    """A board that listed requests not taken keeps them when a restart settles it: edited to
    those lines alone, without its Cancel button."""
    member = double.add_user("member")
    settings = bot_settings(double)
    async with running(settings, double) as bot:
        refusal = NotTaken(member.id, "https://discord.com/channels/1/2/3", "The queue is full")
        channel = bot.get_partial_messageable(double.channel_id)
        sent = await channel.send(embeds=[discord.Embed(title="Busy here: 9 in the queue")],
                                  view=board_view(double.channel_id))  # fmt: skip
        bot.service.board_memory.shown(double.channel_id, double.guild_id, sent.id, [refusal])
        await eventually(lambda: bot.store.shared.starting_with(PREFIX))  # in the background
    board = double.messages[sent.id]
    assert board.data["components"]
    async with running(settings, double) as bot:
        await double.wait_for(lambda: "Requests here" in str(board.data))
        assert f"**Not taken:** The queue is full\n<@{member.id}> [request](" in board_of(double)
        assert not board.data.get("components") and not board.deleted

        async def forgotten() -> bool:  # once settled
            return not await bot.store.shared.starting_with(PREFIX)

        await eventually(forgotten)

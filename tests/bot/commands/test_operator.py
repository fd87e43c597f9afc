"""The operator pauses and resumes painting without a restart: the queue is kept, waiting
members are told, new requests still queue; nobody else may do it."""

from __future__ import annotations

import json

from bot.job import JobState
from tests.bot.conftest import bot_settings, pair, results, running

PAUSED = "Painting is paused by the operator (maintenance)"


def said(message) -> str:
    """Everything a message shows now: its text and its embeds (as last edited)."""
    data = message.edits[-1][1] if message.edits else message.data
    return message.text + json.dumps(data.get("embeds") or [])


async def test_the_operator_pauses_and_resumes_painting(double, image_bytes):
    operator = double.add_user("operator")
    async with running(bot_settings(double, operator_ids=str(operator.id)), double) as bot:
        alice = double.add_user("alice")
        sneaky = await double.post_message(alice, "!pause now")
        (refusal,) = await double.wait_for(lambda: double.replies_to(sneaky.id))
        assert "Only the bot's operator" in refusal.text
        assert bot.service.queue.paused is None

        paused = await double.post_message(operator, "!pause  maintenance ")
        (answer,) = await double.wait_for(lambda: double.replies_to(paused.id))
        assert "Painting is paused" in answer.text and bot.service.queue.paused == "maintenance"

        command = await double.post_message(alice, "!stylize", pair(double, image_bytes))
        (status,) = await double.wait_for(lambda: double.replies_to(command.id))
        await double.wait_for(lambda: PAUSED in said(status))
        asked = await double.post_message(alice, "!queue")
        (queue,) = await double.wait_for(lambda: double.replies_to(asked.id))
        assert PAUSED in said(queue) and "1 waiting" in said(queue)
        (job,) = bot.service.jobs.values()
        assert job.state is JobState.QUEUED and results(double) == []

        resumed = await double.post_message(operator, "!resume")
        (answer,) = await double.wait_for(lambda: double.replies_to(resumed.id))
        assert "Painting resumed; 1 waiting job(s)" in answer.text
        await double.wait_for(lambda: results(double))
        assert job.state is JobState.DONE
        again = await double.post_message(operator, "!resume")
        (answer,) = await double.wait_for(lambda: double.replies_to(again.id))
        assert answer.text == "Painting is not paused."


async def test_without_operators_nobody_may_pause(bot, double):
    alice = double.add_user("alice")
    sneaky = await double.post_message(alice, "!pause")
    (refusal,) = await double.wait_for(lambda: double.replies_to(sneaky.id))
    assert "Only the bot's operator" in refusal.text
    assert bot.service.queue.paused is None

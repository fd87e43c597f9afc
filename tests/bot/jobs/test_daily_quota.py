"""Daily quotas: pictures per member and per server in 24 hours. The operator sets the ceilings,
a server's admins may set less (never more); a member over either is told which and when it
frees, and /queue shows where they stand; a job that painted nothing gives its count back."""

from __future__ import annotations

import json

from bot.job import JobState
from tests.bot.conftest import bot_settings, pair, results, running
from tests.bot.jobs.test_cancel import cancel_id
from tests.discord_double.payloads import MANAGE_GUILD, MEMBER_PERMISSIONS


def shown(message) -> str:
    data = message.edits[-1][1] if message.edits else message.data
    return message.text + json.dumps(data.get("embeds") or [])


async def ask(double, member, text, files=None):
    command = await double.post_message(member, text, files)
    return (await double.wait_for(lambda: double.replies_to(command.id)))[0]


async def test_members_and_the_server_get_their_pictures_a_day(double, image_bytes):
    # The admin joins before the bot connects: it learns the roles at GUILD_CREATE.
    admin = double.add_user("admin", permissions=MEMBER_PERMISSIONS | MANAGE_GUILD)
    settings = bot_settings(double, daily_member_pictures=2, daily_server_pictures=4)
    async with running(settings, double):
        alice, bob = double.add_user("alice"), double.add_user("bob")
        over = await ask(double, admin, "!styleset set daily-server 5")
        assert "`daily-server` must be a whole number from 1 to 4" in over.text
        lowered = await ask(double, admin, "!styleset set daily-server 3")
        assert "daily-server" in shown(lowered)

        for _ in range(2):
            await ask(double, alice, "!stylize", pair(double, image_bytes))
        await double.wait_for(lambda: len(results(double)) == 2)
        third = await ask(double, alice, "!stylize", pair(double, image_bytes))
        assert "You have asked for 2 pictures in the last 24 hours" in third.text
        assert "you can ask again in 24 h" in third.text

        await ask(double, bob, "!stylize", pair(double, image_bytes))
        await double.wait_for(lambda: len(results(double)) == 3)
        refused = await ask(double, bob, "!stylize", pair(double, image_bytes))
        assert "This server has had its 3 pictures for the last 24 hours" in refused.text

        queue = await ask(double, alice, "!queue")
        assert "Your pictures: 2 of 2" in shown(queue) and "this server's: 3 of 3" in shown(queue)
        assert len(results(double)) == 3  # the refused ones painted nothing


async def test_a_job_cancelled_before_it_painted_gives_its_count_back(
    double, image_bytes, paint_gate
):
    settings = bot_settings(double, daily_member_pictures=2, workers_per_device=1)
    async with running(settings, double) as bot:
        alice = double.add_user("alice")
        paint_gate.close()
        await ask(double, alice, "!stylize", pair(double, image_bytes))  # painting, held
        waiting = await ask(double, alice, "!stylize --seed 2", pair(double, image_bytes))
        await double.wait_for(
            lambda: any(j.state is JobState.RUNNING for j in bot.service.jobs.values())
        )
        await double.press(alice, waiting.id, cancel_id(waiting))
        await double.wait_for(lambda: len(bot.service.jobs) == 1)
        again = await ask(double, alice, "!stylize --seed 3", pair(double, image_bytes))
        assert "You have asked for" not in again.text  # the cancelled one was given back
        paint_gate.open()
        await double.wait_for(lambda: len(results(double)) == 2 and not bot.service.jobs)
        last = await ask(double, alice, "!stylize --seed 4", pair(double, image_bytes))
        assert "You have asked for 2 pictures in the last 24 hours" in last.text

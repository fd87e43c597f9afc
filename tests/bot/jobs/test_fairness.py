"""Two members' jobs interleave: a newcomer does not wait behind another member's backlog."""

from __future__ import annotations

from tests.bot.conftest import bot_settings, pair, results, running


async def test_jobs_from_two_members_interleave(double, image_bytes):
    settings = bot_settings(double, user_limit=3, max_iterations=5000)
    async with running(settings, double) as bot:
        alice, bob = double.add_user("alice"), double.add_user("bob")
        first = await double.post_message(
            alice, "!stylize --iterations 400", pair(double, image_bytes)
        )
        await double.wait_for(lambda: bot.service.queue.running())
        for _ in range(2):
            await double.post_message(alice, "!stylize", pair(double, image_bytes))
        await double.wait_for(lambda: len(bot.service.queue) == 2)
        third = await double.post_message(alice, "!stylize", pair(double, image_bytes))
        refused = (await double.wait_for(lambda: double.replies_to(third.id)))[0]
        assert "limit is 3" in refused.text
        bobs = await double.post_message(bob, "!stylize", pair(double, image_bytes))
        bob_status = (await double.wait_for(lambda: double.replies_to(bobs.id)))[0]
        assert "Position **1** of 3" in bob_status.data["embeds"][0]["description"]

        done = await double.wait_for(lambda: len(results(double)) == 4 and results(double))
        owners = [m.text.split(">", 1)[0] for m in done]
        assert owners == [f"<@{u.id}" for u in (alice, bob, alice, alice)]
        assert double.replies_to(first.id)
        assert double.rate_limited == []

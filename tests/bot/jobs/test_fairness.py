"""Two members' jobs interleave: a newcomer does not wait behind another member's backlog."""

from __future__ import annotations

from tests.bot.conftest import bot_settings, pair, results, running


async def test_jobs_from_two_members_interleave(double, image_bytes, paint_gate):
    settings = bot_settings(double, user_limit=3)
    async with running(settings, double) as bot:
        alice, bob = double.add_user("alice"), double.add_user("bob")
        first = await double.post_message(alice, "!stylize", pair(double, image_bytes))
        await double.wait_for(lambda: paint_gate.held() == 1)  # alice's first job paints, held
        for _ in range(2):
            await double.post_message(alice, "!stylize", pair(double, image_bytes))
        await double.wait_for(lambda: len(bot.service.queue) == 2)
        third = await double.post_message(alice, "!stylize", pair(double, image_bytes))
        refused = (await double.wait_for(lambda: double.replies_to(third.id)))[0]
        assert "limit is 3" in refused.text
        bobs = await double.post_message(bob, "!stylize", pair(double, image_bytes))
        bob_status = (await double.wait_for(lambda: double.replies_to(bobs.id)))[0]
        assert "Position **1** of 3" in bob_status.data["embeds"][0]["description"]

        # One job at a time through the gate: the order they are painted in is the queue's.
        served: list = []

        def next_painting():
            now = bot.service.queue.running()
            fresh = paint_gate.held() == 1 and len(now) == 1 and now[0] not in served
            return fresh and now[0]

        while len(served) < 4:
            served.append(await double.wait_for(next_painting))
            paint_gate.allow(1)
        assert [job.owner_id for job in served] == [alice.id, bob.id, alice.id, alice.id]
        await double.wait_for(lambda: len(results(double)) == 4)
        assert double.replies_to(first.id)
        assert double.rate_limited == []

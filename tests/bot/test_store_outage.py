"""The PostgreSQL store stops and comes back (a real server, stopped and started again): the bot
stays up, /readyz says the store is not ready, painting is held with the reason on the waiting
jobs' statuses, a new request is refused with the reason (nothing taken and then lost), the
job already painting is still delivered; when the server is back everything goes on by itself
and every job ends once in the journal."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from bot.job import JobState
from bot.jobs.journaling import STORAGE_FAILED
from tests.bot.conftest import bot_settings, eventually, pair, results, running
from tests.bot.jobs.test_restart import delivered
from tests.bot.observe.test_bot_metrics import get
from tests.postgres_server import PostgresServer


@pytest.fixture
def own_postgres() -> Iterator[PostgresServer]:
    """A server of this test's own, to stop and start."""
    server = PostgresServer()
    server.start()
    yield server
    server.close()


def said(message) -> str:
    data = message.edits[-1][1] if message.edits else message.data
    return message.text + json.dumps(data.get("embeds") or [])


async def test_the_bot_rides_out_its_postgresql_stopping_and_coming_back(
    double, image_bytes, paint_gate, own_postgres
):
    url = await own_postgres.new_database()
    settings = bot_settings(double, database=url, metrics_addr="127.0.0.1:0",
                            workers_per_device=1)  # fmt: skip
    async with running(settings, double) as bot:
        alice, bob, carol = (double.add_user(n) for n in ("alice", "bob", "carol"))
        paint_gate.close()
        painting = await double.post_message(alice, "!stylize", pair(double, image_bytes))
        await double.wait_for(lambda: paint_gate.held() == 1)
        waiting = await double.post_message(bob, "!stylize --seed 2", pair(double, image_bytes))
        (bob_status,) = await double.wait_for(lambda: double.replies_to(waiting.id))
        await double.wait_for(bot.is_ready)  # discord.py's READY comes after the servers
        assert (await get(bot, "/readyz"))[0] == 200

        own_postgres.stop()
        refused = await double.post_message(carol, "!stylize", pair(double, image_bytes))
        (refusal,) = await double.wait_for(lambda: double.replies_to(refused.id))
        assert refusal.text == STORAGE_FAILED
        status, text = await get(bot, "/readyz")
        assert status == 503 and "store: not ready" in text
        assert "stylebot_store_up 0.0" in (await get(bot, "/metrics"))[1]
        assert bot.service.queue.held is not None  # painting held; the bot is up
        paint_gate.open()  # the job painting goes on and is delivered; the waiting one waits
        await double.wait_for(lambda: len(results(double)) == 1)
        await double.wait_for(lambda: "my storage cannot be reached" in said(bob_status))
        (job,) = [j for j in bot.service.jobs.values() if j.owner_id == bob.id]
        assert job.state is JobState.QUEUED

        own_postgres.start()
        await double.wait_for(lambda: len(results(double)) == 2)  # by itself
        assert (await get(bot, "/readyz"))[0] == 200
        assert "stylebot_store_up 1.0" in (await get(bot, "/metrics"))[1]
        again = await double.post_message(carol, "!stylize", pair(double, image_bytes))
        await double.wait_for(lambda: len(results(double)) == 3 and not bot.service.jobs)
        assert sorted(delivered(double).values()) == [1, 1, 1]  # one picture each
        assert all(double.replies_to(m.id) for m in (painting, waiting, again))

        # The journal writes that failed meanwhile are retried in the background, at once when
        # the store is found answering again: wait for them, with a bound for hangs.
        async def settled() -> bool:
            return await bot.store.journal.unfinished() == ([], [])

        await eventually(settled)

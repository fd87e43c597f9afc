"""Workers are processes on other hosts: what they send is checked, not trusted. A worker that
sends back an outcome no worker of ours writes fails that job with a message; announcements the
bot cannot read do not stop it from counting the workers it can."""

from __future__ import annotations

from bot.broker.queue import open_queue
from tests.bot.broker.test_broker_jobs import broker_settings
from tests.bot.conftest import edit_titles, pair, results, running

# A worker whose outcomes claim a painted PNG but carry an EPS file.
_LYING_WORKER = """
import sys
import bot.worker.painter as painter
from bot.worker.__main__ import main

def lie(result):
    return {"meta": '{"outcome": "painted", "format": "png", "size": [32, 24]}',
            "data": b"%!PS-Adobe-3.0 EPSF-3.0"}

painter.outcome_fields = lie
sys.exit(main())
"""


async def test_an_outcome_no_worker_of_ours_writes_fails_the_job_with_a_message(
    double, redis_server, workers, image_bytes
):
    await workers.start(code=_LYING_WORKER)
    await workers.online(1)
    async with running(broker_settings(double, redis_server), double) as bot:
        alice = double.add_user("alice")
        command = await double.post_message(alice, "!stylize", pair(double, image_bytes))
        status = (await double.wait_for(lambda: double.replies_to(command.id)))[0]
        answer = await double.wait_for(
            lambda: [m for m in double.bot_messages() if "cannot read" in m.text]
        )
        assert "The painter sent back something I cannot read" in answer[0].text
        await double.wait_for(lambda: edit_titles(status)[-1:] == ["Failed"])
        assert results(double) == [] and bot.service.worker_count == 1


async def test_announcements_the_bot_cannot_read_do_not_stop_it_counting_workers(
    double, redis_server, workers, image_bytes
):
    queue = open_queue(redis_server.url)
    await queue.connect()
    try:
        # Not a worker of ours: slots that are not a number.
        await queue.write_worker_info("liar", {"metadata": {"slots": "lots"}}, ttl=600)
        await workers.start()
        await workers.online(1)
        async with running(broker_settings(double, redis_server), double) as bot:
            await double.wait_for(lambda: bot.service.backend.capacity == 1)
            alice = double.add_user("alice")
            await double.post_message(alice, "!stylize", pair(double, image_bytes))
            await double.wait_for(lambda: results(double))
            # An announcement that is not even JSON: the last count stands, the health loop
            # goes on, and when it is gone the count follows the workers again.
            garbage = queue.namespace("worker_info:garbage")
            await queue.redis.setex(garbage, 600, b"{not json")
            await queue.redis.zadd(queue.namespace("stats"), {garbage: 10**13})
            await double.post_message(alice, "!stylize --seed 2", pair(double, image_bytes))
            await double.wait_for(lambda: len(results(double)) == 2)
            await queue.redis.delete(garbage)
            workers.processes[0].kill()
            await double.wait_for(lambda: bot.service.backend.capacity == 0)
    finally:
        await queue.disconnect()


async def test_a_redis_out_of_room_refuses_the_job_with_a_message_and_loses_nothing(
    double, redis_server, workers, image_bytes
):
    await workers.start()
    await workers.online(1)
    queue = open_queue(redis_server.url)
    await queue.connect()
    try:
        async with running(broker_settings(double, redis_server), double) as bot:
            alice = double.add_user("alice")
            # Redis at its ceiling, refusing rather than evicting (as compose.yaml runs it).
            await queue.redis.config_set("maxmemory-policy", "noeviction")
            await queue.redis.config_set("maxmemory", "1")
            command = await double.post_message(alice, "!stylize", pair(double, image_bytes))
            status = (await double.wait_for(lambda: double.replies_to(command.id)))[0]
            answer = await double.wait_for(
                lambda: [m for m in double.bot_messages() if "no room" in m.text]
            )
            assert "the painting queue has no room for it right now" in answer[0].text
            await double.wait_for(lambda: edit_titles(status)[-1:] == ["Failed"])
            await queue.redis.config_set("maxmemory", "0")
            await double.post_message(alice, "!stylize --seed 3", pair(double, image_bytes))
            await double.wait_for(lambda: results(double))
            assert bot.service.worker_count == 1
    finally:
        await queue.disconnect()

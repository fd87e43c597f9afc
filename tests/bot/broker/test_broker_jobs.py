"""The bot behind a real Redis with real worker processes: everything a member sees in one
process works across processes (progress with previews, cancel, results, re-runs, errors)."""

from __future__ import annotations

from tests.bot.broker.processes import HEARTBEAT
from tests.bot.conftest import bot_settings, decode, edit_titles, pair, results, running, title
from tests.discord_double.server import custom_ids
from tests.paint_gate import PaintGate


def broker_settings(double, redis_server, **overrides):
    return bot_settings(
        double, broker_url=redis_server.url, heartbeat=HEARTBEAT, progress_interval=0.3,
        **overrides,
    )  # fmt: skip


async def test_a_job_goes_to_a_worker_process_and_its_picture_comes_back(
    double, redis_server, workers, image_bytes, tmp_path
):
    # The worker holds the job at its first preview until the bot has shown it.
    gate = PaintGate(tmp_path / "gate", at_preview=True)
    await workers.start(gate=gate)
    await workers.online(1)
    settings = broker_settings(double, redis_server, default_size=64, default_iterations=24)
    async with running(settings, double) as bot:
        assert bot.service.backend.capacity == 1
        alice = double.add_user("alice")
        command = await double.post_message(alice, "!stylize --seed 5", pair(double, image_bytes))
        status = (await double.wait_for(lambda: double.replies_to(command.id)))[0]
        await double.wait_for(lambda: any(data["attachments"] for _, data in status.edits))
        gate.open()
        (delivered,) = await double.wait_for(lambda: results(double))
        await double.wait_for(lambda: edit_titles(status)[-1:] == ["Done"])
        await double.wait_for(lambda: not bot.service.jobs)
        # Nothing of the job is left in Redis: its images, report, preview and outcome went.
        assert await bot.service.backend.redis.keys("stylebot:*") == []
    image = decode(double.attachment_bytes(delivered.attachments[0]))
    assert max(image.size) == 64
    assert "--seed 5" in delivered.text and "cpu" in delivered.text
    painting = [data for _, data in status.edits if title(data) == "Painting\u2026"]
    assert painting, "no progress edit was shown"
    assert "Iteration" in painting[-1]["embeds"][0]["description"]
    assert any(data["attachments"] for data in painting), "no preview came through Redis"
    assert "job " in workers.log(0) and "painted" in workers.log(0)


def cancel_id(status) -> str:
    return status.data["components"][0]["components"][0]["custom_id"]


async def test_cancel_a_job_waiting_in_the_bot_and_one_painting_on_a_worker(
    double, redis_server, workers, image_bytes, tmp_path
):
    gate = PaintGate(tmp_path / "gate")
    await workers.start(gate=gate)
    await workers.online(1)
    async with running(broker_settings(double, redis_server), double) as bot:
        bob, alice = double.add_user("bob"), double.add_user("alice")
        long = await double.post_message(bob, "!stylize", pair(double, image_bytes))
        bob_status = (await double.wait_for(lambda: double.replies_to(long.id)))[0]
        await double.wait_for(lambda: "Iteration" in str(bob_status.data["embeds"]))
        # One worker slot, busy: the next job waits in the bot's fair queue, not in Redis.
        queued = await double.post_message(alice, "!stylize", pair(double, image_bytes))
        alice_status = (await double.wait_for(lambda: double.replies_to(queued.id)))[0]
        assert title(alice_status) == "Queued"
        assert await bot.service.backend.queue.count("queued") == 0
        await double.press(alice, alice_status.id, cancel_id(alice_status))
        await double.wait_for(lambda: edit_titles(alice_status)[-1:] == ["Cancelled"])

        await double.press(bob, bob_status.id, cancel_id(bob_status))
        await double.wait_for(lambda: edit_titles(bob_status)[-1:] == ["Cancelled"])
        await double.wait_for(lambda: "cancelled" in workers.log(0))
        assert results(double) == []
        # The worker is free again: the next job is painted.
        gate.open()
        await double.post_message(alice, "!stylize --seed 9", pair(double, image_bytes))
        await double.wait_for(lambda: results(double))
        # The picture is on Discord a moment before the bot hears back and retires the job.
        await double.wait_for(lambda: not bot.service.jobs)


async def test_a_rerun_button_and_a_slash_command_go_through_the_workers_too(
    double, redis_server, workers, image_bytes
):
    await workers.start()
    await workers.online(1)
    async with running(broker_settings(double, redis_server), double):
        alice = double.add_user("alice")
        content, style = pair(double, image_bytes)
        await double.run_slash(alice, "stylize", {"size": 48}, {"content": content, "style": style})
        (first,) = await double.wait_for(lambda: results(double))
        assert max(decode(double.attachment_bytes(first.attachments[0])).size) == 48
        more = next(c for c in custom_ids(first.data) if c.endswith(":style"))
        await double.press(alice, first.id, more)
        later = await double.wait_for(lambda: results(double)[1:])
        assert "--style-weight 16" in later[0].text


# Run the worker with the engine's simulated faults (the device layer raises them as a real
# device would): out of memory above a pixel budget, or an engine error at the next scale.
_FAULTY_WORKER = """
import sys
from styleengine.device import simulated_faults
from styleengine.images import ImageError
from bot.worker.__main__ import main
with simulated_faults({faults}):
    sys.exit(main())
"""


async def test_out_of_memory_on_a_worker_is_retried_smaller(
    double, redis_server, workers, image_bytes
):
    await workers.start(code=_FAULTY_WORKER.format(faults="memory_pixels=48 * 48"))
    await workers.online(1)
    async with running(broker_settings(double, redis_server), double):
        alice = double.add_user("alice")
        await double.post_message(alice, "!stylize --size 64", pair(double, image_bytes))
        (delivered,) = await double.wait_for(lambda: results(double))
    text = delivered.text
    assert "ran out of memory at size 64" in text and "--size 48" in text
    assert max(decode(double.attachment_bytes(delivered.attachments[0])).size) == 48


async def test_an_engine_error_on_a_worker_is_told_to_the_member(
    double, redis_server, workers, image_bytes
):
    await workers.start(code=_FAULTY_WORKER.format(faults="errors=[ImageError('x is odd')]"))
    await workers.online(1)
    async with running(broker_settings(double, redis_server), double) as bot:
        alice = double.add_user("alice")
        command = await double.post_message(alice, "!stylize", pair(double, image_bytes))
        answer = await double.wait_for(
            lambda: [m for m in double.bot_messages() if "failed" in m.text]
        )
        assert "I could not paint this: x is odd." in answer[0].text
        status = double.replies_to(command.id)[0]
        await double.wait_for(lambda: edit_titles(status)[-1:] == ["Failed"])
        await double.post_message(alice, "!stylize", pair(double, image_bytes))
        await double.wait_for(lambda: results(double))  # the worker carries on
        assert bot.service.worker_count == 1


async def test_a_worker_paints_the_jobs_that_wait_for_it_as_one_batch(
    double, redis_server, workers, image_bytes, tmp_path
):
    # The first job holds the device (at the gate) while two more reach the worker; they wait
    # for the next batch and are painted together, each delivered to its member.
    gate = PaintGate(tmp_path / "gate")
    await workers.start(gate=gate, STYLEBOT_BATCH_SIZE="3")
    await workers.online(3)
    settings = broker_settings(double, redis_server, default_size=64, default_iterations=12)
    async with running(settings, double) as bot:
        assert bot.service.backend.capacity == 3
        members = [double.add_user(name) for name in ("alice", "bob", "carol")]
        first = await double.post_message(members[0], "!stylize", pair(double, image_bytes))
        await double.wait_for(lambda: gate.held() == 1)
        for member in members[1:]:
            await double.post_message(member, "!stylize --seed 3", pair(double, image_bytes))
        await double.wait_for(lambda: workers.log(0).count("attempt 1) on cpu") == 3)
        gate.open()
        delivered = await double.wait_for(lambda: len(results(double)) == 3 and results(double))
        await double.wait_for(lambda: not bot.service.jobs)
    assert "painting a batch of 1" in workers.log(0)
    assert "painting a batch of 2" in workers.log(0)
    mentioned = {m.id for r in delivered for m in members if f"<@{m.id}>" in r.text}
    assert mentioned == {m.id for m in members} and first.id


async def test_a_gif_is_painted_by_a_worker_process_frame_by_frame(
    double, redis_server, workers, image_bytes, data_dir, tmp_path
):
    from styleengine.clips import read_clip
    from tests.styleengine.clip_samples import gif_bytes, pan

    # Held at its first report until the member has seen what was taken of the clip.
    gate = PaintGate(tmp_path / "gate")
    await workers.start(gate=gate)
    await workers.online(1)
    async with running(broker_settings(double, redis_server), double) as bot:
        alice = double.add_user("alice")
        gif = double.upload("cat.gif", gif_bytes(pan(data_dir, 3), [90] * 3, loop=0), "image/gif")
        style = double.upload("starry.jpg", image_bytes("starry_night.jpg"), "image/jpeg")
        command = await double.post_message(alice, "!stylize", [gif, style])
        status = (await double.wait_for(lambda: double.replies_to(command.id)))[0]
        await double.wait_for(lambda: gate.held())
        await double.wait_for(
            lambda: "Animated picture: 3 frames" in status.data["embeds"][0]["description"]
        )
        gate.open()
        (delivered,) = await double.wait_for(lambda: results(double))
        await double.wait_for(lambda: not bot.service.jobs)
    result = next(a for a in delivered.attachments if a["filename"].startswith("stylized-"))
    clip = read_clip(double.attachment_bytes(result))
    assert result["filename"].endswith(".gif")
    assert len(clip.frames) == 3 and clip.durations == [90] * 3
    assert "here is your clip of 3 frames" in delivered.text


async def test_a_grid_of_styles_is_painted_by_a_worker_process(
    double, redis_server, workers, image_bytes
):
    await workers.start()
    await workers.online(1)
    async with running(broker_settings(double, redis_server), double) as bot:
        alice = double.add_user("alice")
        photo = double.upload("chelsea.jpg", image_bytes("chelsea.jpg"), "image/jpeg")
        await double.post_message(alice, "!stylize", [photo])
        (grid,) = await double.wait_for(
            lambda: [m for m in double.bot_messages() if "styles for your photo" in m.text]
        )
        # Four tiles of the grid's size (24 px: tests' settings), numbered, from the worker.
        image = decode(double.attachment_bytes(grid.attachments[0]))
        assert image.size == (2 * 24 + 6, 2 * 16 + 6)
        pick = next(c for c in custom_ids(grid.data) if c.startswith("stylebot:pick:"))
        await double.press(alice, grid.id, pick)
        (card,) = await double.wait_for(lambda: results(double))
        assert "--style " in card.text
        await double.wait_for(lambda: not bot.service.jobs)

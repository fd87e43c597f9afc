"""``!stylize`` and ``/stylize`` end to end: queue ack, throttled progress, the final image."""

from __future__ import annotations

import itertools

from tests.bot.conftest import bot_settings, decode, edit_titles, pair, results, running, title
from tests.discord_double.interactions import Place
from tests.discord_double.server import custom_ids
from tests.paint_gate import PaintGate


async def test_text_command_queues_runs_and_delivers_an_image(bot, double, image_bytes):
    alice = double.add_user("alice")
    command = await double.post_message(alice, "!stylize --seed 3", pair(double, image_bytes))

    delivered = (await double.wait_for(lambda: results(double)))[0]
    status = double.replies_to(command.id)[0]
    assert title(status) is not None
    image = decode(double.attachment_bytes(delivered.attachments[0]))
    assert max(image.size) == 32
    assert f"<@{alice.id}>" in delivered.text
    assert "--seed 3" in delivered.text
    buttons = custom_ids(delivered.data)
    assert [b.split(":")[1] for b in buttons] == ["again"] * 3 + ["info", "delete"]
    assert [b.rsplit(":", 1)[1] for b in buttons[:3]] == ["style", "content", "size"]
    await double.wait_for(lambda: edit_titles(status)[-1:] == ["Done"])
    assert double.rate_limited == []


async def test_progress_edits_are_throttled_and_show_a_bar_and_a_preview(
    double, image_bytes, tmp_path
):
    from tests.bot.conftest import bot_settings, running

    settings = bot_settings(double, progress_interval=0.4, default_size=64, default_iterations=24)
    # Held at its first preview until the member has seen it, so that no CPU is too fast for it.
    with PaintGate(tmp_path / "gate", at_preview=True).installed() as gate:
        async with running(settings, double):
            alice = double.add_user("alice")
            command = await double.post_message(alice, "!stylize", pair(double, image_bytes))
            status = (await double.wait_for(lambda: double.replies_to(command.id)))[0]
            await double.wait_for(
                lambda: any(data["attachments"] for _, data in status.edits) and gate.held()
            )
            gate.open()
            await double.wait_for(lambda: results(double))
            await double.wait_for(lambda: edit_titles(status)[-1:] == ["Done"])
    times = [at for at, _ in status.edits]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) >= 0.38  # never more often than the interval
    painting = [data for _, data in status.edits if title(data) == "Painting\u2026"]
    assert painting, "no progress edit was shown"
    description = painting[-1]["embeds"][0]["description"]
    assert "Iteration" in description and "%" in description
    assert any(data["attachments"] for data in painting), "no preview image was attached"
    preview = next(data for data in painting if data["attachments"])["attachments"][0]
    assert max(decode(double.attachment_bytes(preview)).size) <= 64
    assert double.rate_limited == []


async def test_slash_command_with_typed_options(bot, double, image_bytes):
    command = next(c for c in double.commands if c["name"] == "stylize")
    options = {o["name"]: o for o in command["options"]}
    assert options["content"]["type"] == 11 and options["content"]["required"]
    assert options["size"]["min_value"] == 16 and options["size"]["max_value"] == 4096
    assert [c["value"] for c in options["preserve_color"]["choices"]] == [
        "none",
        "luminance",
        "histogram",
    ]
    alice = double.add_user("alice")
    content, style = pair(double, image_bytes)
    interaction = await double.run_slash(
        alice,
        "stylize",
        {"size": 48, "style_weight": 50.0, "options": "--tv-weight 2"},
        {"content": content, "style": style},
    )
    delivered = (await double.wait_for(lambda: results(double)))[0]
    assert interaction.response_type == 5  # deferred at once, then the status replaced it
    original = double.messages[interaction.original_id]
    assert title(original) is not None
    assert max(decode(double.attachment_bytes(delivered.attachments[0])).size) == 48
    assert "--style-weight 50" in delivered.text
    assert "--tv-weight 2" in delivered.text


async def test_reply_to_a_photo_with_only_the_style_attached(bot, double, image_bytes):
    bob, alice = double.add_user("bob"), double.add_user("alice")
    photo = double.upload("coffee.jpg", image_bytes("coffee.jpg"), "image/jpeg")
    posted = await double.post_message(bob, "look at my coffee", [photo])
    style = double.upload("scream.jpg", image_bytes("the_scream.jpg"), "image/jpeg")
    await double.post_message(alice, "!stylize", [style], reply_to=posted.id)
    delivered = (await double.wait_for(lambda: results(double)))[0]
    coffee = decode(image_bytes("coffee.jpg"))
    result = decode(double.attachment_bytes(delivered.attachments[0]))
    assert abs(result.width / result.height - coffee.width / coffee.height) < 0.05


async def test_help_and_queue(bot, double):
    alice = double.add_user("alice")
    help_request = await double.post_message(alice, "!stylize help")
    reply = (await double.wait_for(lambda: double.replies_to(help_request.id)))[0]
    text = str(reply.data["embeds"])
    assert "--style-weight" in text and "Example" in text and "at most 128 here" in text
    interaction = await double.run_slash(alice, "help")
    await double.wait_for(lambda: interaction.original_id)
    assert interaction.ephemeral
    queue_request = await double.post_message(alice, "!queue")
    reply = (await double.wait_for(lambda: double.replies_to(queue_request.id)))[0]
    assert "queue is empty" in reply.data["embeds"][0]["description"]


async def test_run_again_with_more_style(bot, double, image_bytes):
    alice = double.add_user("alice")
    await double.post_message(alice, "!stylize --style-weight 40", pair(double, image_bytes))
    first = (await double.wait_for(lambda: results(double)))[0]
    more_style = custom_ids(first.data)[0]
    await double.press(alice, first.id, more_style)
    second = (await double.wait_for(lambda: results(double)[1:]))[0]
    assert "--style-weight 80" in second.text
    larger = custom_ids(first.data)[2]
    await double.press(alice, first.id, larger)
    third = (await double.wait_for(lambda: results(double)[2:]))[0]
    assert max(decode(double.attachment_bytes(third.attachments[0])).size) == 48


async def test_result_arrives_when_the_status_message_was_deleted(double, image_bytes, paint_gate):
    from tests.bot.conftest import bot_settings, running

    async with running(bot_settings(double), double):
        alice = double.add_user("alice")
        command = await double.post_message(alice, "!stylize", pair(double, image_bytes))
        status = (await double.wait_for(lambda: double.replies_to(command.id)))[0]
        await double.wait_for(lambda: "Painting\u2026" in edit_titles(status))
        await double.delete_message(status.id)
        edits_when_deleted = len(status.edits)
        paint_gate.open()
        delivered = (await double.wait_for(lambda: results(double)))[0]
        assert delivered.attachments
        assert len(status.edits) == edits_when_deleted


async def test_a_queue_that_fills_during_the_download_refuses_and_journals_nothing_open(
    double, image_bytes, paint_gate
):
    settings = bot_settings(double, queue_limit=1)
    async with running(settings, double) as bot:
        alice, bob, carol = (double.add_user(n) for n in ("alice", "bob", "carol"))
        await double.post_message(alice, "!stylize", pair(double, image_bytes))
        await double.wait_for(lambda: paint_gate.held() == 1)
        # Both pass the check before downloading; only one place is left when they arrive.
        first = await double.post_message(bob, "!stylize", pair(double, image_bytes))
        second = await double.post_message(carol, "!stylize", pair(double, image_bytes))
        answers = [
            (await double.wait_for(lambda m=m: double.replies_to(m.id)))[0] for m in (first, second)
        ]
        assert sorted(title(a) or a.text[:20] for a in answers) == [
            "Queued",
            "The queue is full (1",
        ]
        jobs, _ = await bot.service.store.journal.unfinished()
        assert len(jobs) == 2  # the running one and the queued one, not the refused one
        for job in list(bot.service.jobs.values()):
            await bot.service.cancel(job, by="test")


async def test_queue_shows_this_servers_jobs_and_in_a_dm_the_members_own(
    bot, double, image_bytes, paint_gate
):
    alice, bob = double.add_user("alice"), double.add_user("bob")
    await double.post_message(alice, "!stylize", pair(double, image_bytes))
    await double.wait_for(lambda: paint_gate.held() == 1)

    def queue_text(interaction):
        embed = double.messages[interaction.original_id].data["embeds"][0]
        return embed.get("description", "") + " | " + embed["footer"]["text"]

    here = await double.run_slash(bob, "queue")
    await double.wait_for(lambda: here.original_id)
    assert "Alice" in queue_text(here) and "1 running" in queue_text(here)
    # Bob's DM: nobody else's jobs, only a count of them.
    in_dm = await double.run_slash(bob, "queue", place=Place.BOT_DM)
    await double.wait_for(lambda: in_dm.original_id)
    assert "Alice" not in queue_text(in_dm) and "You have no jobs" in queue_text(in_dm)
    assert "1 elsewhere" in queue_text(in_dm)
    # Another server where Bob installed the app: its own jobs (none), not this server's.
    there = await double.run_slash(bob, "queue", place=Place.USER_GUILD)
    await double.wait_for(lambda: there.original_id)
    assert "Alice" not in queue_text(there) and "No jobs from this server" in queue_text(there)
    mine = await double.run_slash(alice, "queue", place=Place.BOT_DM)
    await double.wait_for(lambda: mine.original_id)
    assert "Alice" in queue_text(mine)  # her own job, from her DM
    paint_gate.open()

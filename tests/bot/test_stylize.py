"""``!stylize`` and ``/stylize`` end to end: queue ack, throttled progress, the final image."""

from __future__ import annotations

from tests.bot.conftest import decode


async def test_text_command_queues_runs_and_delivers_an_image(bot, double, image_bytes):
    alice = double.add_user("alice")
    content = double.upload("chelsea.jpg", image_bytes("chelsea.jpg"), "image/jpeg")
    style = double.upload("starry.jpg", image_bytes("starry_night.jpg"), "image/jpeg")
    command = await double.post_message(alice, "!stylize --seed 3", [content, style])

    def result():
        return [m for m in double.bot_messages() if m.attachments and "here is" in m.data["content"]]

    delivered = (await double.wait_for(result, timeout=60))[0]
    status = double.replies_to(command.id)[0]
    assert status.data["embeds"][0]["title"] in ("Queued", "Done", "Painting\u2026")
    image = decode(double.attachment_bytes(delivered.attachments[0]))
    assert max(image.size) == 32
    assert f"<@{alice.id}>" in delivered.data["content"]
    assert "--seed 3" in delivered.data["content"]
    final = await double.wait_for(
        lambda: status.edits and status.edits[-1][1]["embeds"][0]["title"] == "Done"
    )
    assert final
    assert double.rate_limited == []

"""The Cancel button: only the requester or a moderator; queued or running; after a restart."""

from __future__ import annotations

from tests.bot.conftest import bot_settings, edit_titles, pair, results, running, title
from tests.discord_double.payloads import MANAGE_MESSAGES, MEMBER_PERMISSIONS


def cancel_id(status) -> str:
    return status.data["components"][0]["components"][0]["custom_id"]


async def answer(double, interaction) -> str:
    await double.wait_for(lambda: interaction.original_id)
    return double.messages[interaction.original_id].text


async def test_cancel_queued_and_running_jobs(double, image_bytes, paint_gate):
    settings = bot_settings(double)
    async with running(settings, double) as bot:
        bob, alice = double.add_user("bob"), double.add_user("alice")
        stranger = double.add_user("stranger")
        mod = double.add_user("mod", permissions=MEMBER_PERMISSIONS | MANAGE_MESSAGES)
        long = await double.post_message(bob, "!stylize", pair(double, image_bytes))
        bob_status = (await double.wait_for(lambda: double.replies_to(long.id)))[0]
        await double.wait_for(lambda: "Painting\u2026" in edit_titles(bob_status))
        queued = await double.post_message(alice, "!stylize", pair(double, image_bytes))
        alice_status = (await double.wait_for(lambda: double.replies_to(queued.id)))[0]
        assert title(alice_status) == "Queued"
        assert "Position **1** of 1" in alice_status.data["embeds"][0]["description"]

        refused = await double.press(stranger, alice_status.id, cancel_id(alice_status))
        assert "Only the member who asked" in await answer(double, refused)
        assert refused.ephemeral

        await double.press(alice, alice_status.id, cancel_id(alice_status))
        await double.wait_for(lambda: edit_titles(alice_status)[-1:] == ["Cancelled"])
        assert alice_status.data["components"] == []

        await double.press(mod, bob_status.id, cancel_id(bob_status))
        await double.wait_for(lambda: edit_titles(bob_status)[-1:] == ["Cancelled"])
        assert "by Mod" in bob_status.data["embeds"][0]["description"]
        assert results(double) == []
        await double.wait_for(lambda: not bot.service.jobs)
        assert bot.service.worker_count == 1

        paint_gate.allow(1)
        await double.post_message(alice, "!stylize", pair(double, image_bytes))
        await double.wait_for(lambda: results(double))

        # The bot stops while a job runs: its status message keeps the Cancel button.
        again = await double.post_message(bob, "!stylize", pair(double, image_bytes))
        stopped = (await double.wait_for(lambda: double.replies_to(again.id)))[0]
        await double.wait_for(lambda: "Painting\u2026" in edit_titles(stopped))

    # After a restart the job runs again from the journal, and its old button still cancels it.
    async with running(settings, double):
        await double.wait_for(lambda: "Picked up again" in str(stopped.data["embeds"]))
        await double.press(bob, stopped.id, cancel_id(stopped))
        await double.wait_for(lambda: edit_titles(stopped)[-1:] == ["Cancelled"])
        assert len(results(double)) == 1

"""The result's buttons played by a hostile member: a re-run keeps to its job's server's limits
wherever it is pressed, and Re-run and Info count against the member's command budget."""

from __future__ import annotations

from tests.bot.conftest import bot_settings, pair, results, running
from tests.discord_double.interactions import Place
from tests.discord_double.payloads import MANAGE_GUILD, MEMBER_PERMISSIONS
from tests.discord_double.server import custom_ids


def _button(message, kind: str, change: str | None = None) -> str:
    """The custom id of a card's button: ``kind`` (info, again, ...), ``change`` for a re-run."""
    return next(
        c
        for c in custom_ids(message.data)
        if c.split(":")[1] == kind and (change is None or c.endswith(f":{change}"))
    )


async def _answer(double, interaction) -> str:
    await double.wait_for(lambda: interaction.original_id)
    message = double.messages[interaction.original_id]
    return message.text or str(message.data["embeds"])


async def test_a_rerun_pressed_in_a_dm_keeps_to_the_servers_limits(double, image_bytes):
    admin = double.add_user("admin", permissions=MEMBER_PERMISSIONS | MANAGE_GUILD)
    async with running(bot_settings(double), double) as bot:
        alice = double.add_user("alice")
        setting = await double.post_message(admin, "!styleset set max-size 32")
        await double.wait_for(lambda: double.replies_to(setting.id))
        await double.post_message(alice, "!stylize", pair(double, image_bytes))
        (card,) = await double.wait_for(lambda: results(double))

        # The card is pressed from a DM (where a result goes when the token ran out): "Larger"
        # would be 48 px under the bot's own 128 px ceiling, but the job's server allows 32.
        larger = await double.press(
            alice, card.id, _button(card, "again", "size"), place=Place.BOT_DM
        )
        assert "already the largest size here (32 px)" in await _answer(double, larger)
        await double.wait_for(lambda: not bot.service.jobs)  # nothing was queued
        assert len(results(double)) == 1


async def test_rerun_and_info_count_against_the_members_command_budget(double, image_bytes):
    settings = bot_settings(double, command_rate=3, command_window=600)
    async with running(settings, double) as bot:
        alice = double.add_user("alice")
        await double.post_message(alice, "!stylize", pair(double, image_bytes))  # one
        (card,) = await double.wait_for(lambda: results(double))
        for _ in range(2):  # two and three
            info = await double.press(alice, card.id, _button(card, "info"))
            assert "Job " in await _answer(double, info)
        more = await double.press(alice, card.id, _button(card, "again", "style"))
        assert "Slow down" in await _answer(double, more)
        info = await double.press(alice, card.id, _button(card, "info"))
        assert "Slow down" in await _answer(double, info)
        await double.wait_for(lambda: not bot.service.jobs)  # nothing was queued
        assert len(results(double)) == 1

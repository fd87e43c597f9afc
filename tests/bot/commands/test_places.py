"""Where members may use the bot: its DM with them, a DM between members or a server where the
app is only installed to the member's account. Server settings apply in servers only; an
answer that outlives Discord's 15-minute interaction token comes in the member's DMs."""

from __future__ import annotations

from tests.bot.conftest import bot_settings, decode, edit_titles, pair, results, running
from tests.discord_double.interactions import Place
from tests.discord_double.payloads import MANAGE_GUILD, MEMBER_PERMISSIONS


async def test_stylize_in_the_bots_dm_uses_personal_defaults_not_a_servers(double, image_bytes):
    admin = double.add_user("admin", permissions=MEMBER_PERMISSIONS | MANAGE_GUILD)
    async with running(bot_settings(double), double):
        said = await double.post_message(admin, "!styleset set size 40")
        await double.wait_for(lambda: double.replies_to(said.id))
        alice = double.add_user("alice")
        content, style = pair(double, image_bytes)
        await double.run_slash(alice, "stylize", {}, {"content": content, "style": style},
                               place=Place.BOT_DM)  # fmt: skip
        (card,) = await double.wait_for(lambda: results(double))
        assert card.data["channel_id"] == str(double.dm_channels[alice.id])
        assert "guild_id" not in card.data
        assert max(decode(double.attachment_bytes(card.attachments[0])).size) == 32

        said = await double.post_message(alice, "!prefer --size 48")
        await double.wait_for(lambda: double.replies_to(said.id))
        content, style = pair(double, image_bytes)
        await double.run_slash(alice, "stylize", {}, {"content": content, "style": style},
                               place=Place.BOT_DM)  # fmt: skip
        second = (await double.wait_for(lambda: results(double)[1:]))[0]
        assert max(decode(double.attachment_bytes(second.attachments[0])).size) == 48


async def test_user_installed_in_a_server_without_the_bot(bot, double, image_bytes):
    alice = double.add_user("alice")
    photo = double.upload("chelsea.jpg", image_bytes("chelsea.jpg"), "image/jpeg")
    command = await double.run_slash(
        alice, "stylize", {"style_name": "great_wave"}, {"content": photo},
        place=Place.USER_GUILD,
    )  # fmt: skip
    (card,) = await double.wait_for(lambda: results(double))
    assert card.data["channel_id"] == str(command.channel_id)  # a follow-up, in that channel
    status = double.messages[command.original_id]
    assert any("your DMs" in str(data["embeds"]) for _, data in status.edits)
    assert not double.dm_channels, "nothing was sent to DMs while the token lived"


async def test_a_job_that_outlives_the_token_finishes_in_the_members_dms(
    double, image_bytes, paint_gate
):
    async with running(bot_settings(double), double):
        alice = double.add_user("alice")
        content, style = pair(double, image_bytes)
        command = await double.run_slash(alice, "stylize", {}, {"content": content, "style": style},
                                         place=Place.PRIVATE)  # fmt: skip
        await double.wait_for(lambda: command.original_id)
        status = double.messages[command.original_id]
        await double.wait_for(lambda: "Painting\u2026" in edit_titles(status))
        double.expire_token(command)
        paint_gate.open()
        (card,) = await double.wait_for(lambda: results(double))
    assert card.data["channel_id"] == str(double.dm_channels[alice.id])
    assert f"<@{alice.id}> here is your picture" in card.text
    followups = [m for m in double.messages_in(command.channel_id) if m.id != status.id]
    assert followups == [], "progress edited the one response; the answer went to the DMs"


async def test_context_menus_work_in_a_dm_between_members(bot, double, image_bytes):
    alice = double.add_user("alice")
    photo = double.upload("chelsea.jpg", image_bytes("chelsea.jpg"), "image/jpeg")
    elsewhere = {  # a message in a DM between alice and a friend: the bot never saw it
        "id": "1234567890123456789",
        "channel_id": "1234567890123456788",
        "author": alice.payload(),
        "content": "my cat",
        "timestamp": "2026-12-02T00:00:00+00:00",
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": [photo],
        "embeds": [],
        "pinned": False,
        "type": 0,
    }
    opened = await double.run_context_menu(alice, "Stylize with...", message=elsewhere,
                                           place=Place.PRIVATE)  # fmt: skip
    await double.wait_for(lambda: opened.modal)
    await double.submit_modal(alice, opened, {"style": "style:the_scream"})
    (card,) = await double.wait_for(lambda: results(double))
    assert card.data["channel_id"] == "1234567890123456788" and "--style the_scream" in card.text


async def test_styles_in_a_dm_shows_the_built_in_ones(bot, double):
    from tests.discord_double.server import media_urls

    alice = double.add_user("alice")
    interaction = await double.run_slash(alice, "styles", place=Place.BOT_DM)
    await double.wait_for(lambda: interaction.original_id)
    page = double.messages[interaction.original_id]
    assert media_urls(page.data)[0] == "attachment://starry_night.jpg"
    assert "preset" not in page.text

"""``/prefer`` and ``!prefer`` end to end: a member's own defaults shape their jobs between the
server's settings and their flags, the Info of a result says who chose what, favourites come
first in autocomplete, and bad values are refused with what is allowed."""

from __future__ import annotations

import pytest

from tests.bot.conftest import bot_settings, decode, pair, results, running
from tests.discord_double.payloads import MANAGE_GUILD, MEMBER_PERMISSIONS
from tests.discord_double.server import custom_ids


async def _say(double, author, text, attachments=None) -> str:
    message = await double.post_message(author, text, attachments)
    reply = (await double.wait_for(lambda: double.replies_to(message.id)))[0]
    return reply.text


async def _info(double, user, card) -> str:
    info = next(c for c in custom_ids(card.data) if ":info:" in c)
    interaction = await double.press(user, card.id, info)
    await double.wait_for(lambda: interaction.original_id)
    return double.messages[interaction.original_id].data["embeds"][0]["description"]


async def test_preferences_sit_between_the_servers_settings_and_the_flags(double, image_bytes):
    admin = double.add_user("admin", permissions=MEMBER_PERMISSIONS | MANAGE_GUILD)
    async with running(bot_settings(double), double):
        await _say(double, admin, "!styleset set size 40")
        await _say(double, admin, "!styleset set style-weight 5")
        alice = double.add_user("alice")
        interaction = await double.run_slash(
            alice, "prefer", {"size": 48, "favourites": "Great Wave"}
        )
        await double.wait_for(lambda: interaction.original_id)
        answer = double.messages[interaction.original_id]
        assert answer.data["flags"] & 64  # private
        assert "Saved" in answer.text and "`--size 48`" in answer.text
        assert "`--favourites great_wave`" in answer.text

        await double.post_message(alice, "!stylize", pair(double, image_bytes))
        (card,) = await double.wait_for(lambda: results(double))
        assert max(decode(double.attachment_bytes(card.attachments[0])).size) == 48
        info = await _info(double, alice, card)
        assert "`--size 48` \u2014 your /prefer" in info
        assert "`--style-weight 5` \u2014 this server" in info

        await double.post_message(alice, "!stylize --size 32", pair(double, image_bytes))
        second = (await double.wait_for(lambda: results(double)[1:]))[0]
        assert max(decode(double.attachment_bytes(second.attachments[0])).size) == 32
        assert "`--size 32` \u2014 you, in this request" in await _info(double, alice, second)

        bob = double.add_user("bob")  # someone else's preferences are not yours
        await double.post_message(bob, "!stylize", pair(double, image_bytes))
        third = (await double.wait_for(lambda: results(double)[2:]))[0]
        assert max(decode(double.attachment_bytes(third.attachments[0])).size) == 40


async def test_favourites_come_first_in_autocomplete_and_reset_forgets(bot, double):
    alice = double.add_user("alice")
    assert "Saved" in await _say(double, alice, "!prefer --favourites udnie,the_scream")
    choices = await double.autocomplete(alice, "stylize", "style_name", "")
    assert [c["value"] for c in choices[:2]] == ["udnie", "the_scream"]
    assert choices[0]["name"].startswith("\u2605")
    assert "Forgot your preferences" in await _say(double, alice, "!prefer reset")
    assert "Your preferences: none" in await _say(double, alice, "!prefer")


@pytest.mark.parametrize(
    ("typed", "fragment"),
    [
        ("--size 99999", "`size` must be from 16 to 128"),
        ("--favourites grate_wave", "did you mean `great_wave`"),
        ("--colour luminance", "`--colour` is not a preference"),
        ("--preserve-color sepia", "`preserve-color` must be"),
        ("--size", "needs a value"),
    ],
)
async def test_bad_preferences_are_refused_and_nothing_is_kept(bot, double, typed, fragment):
    alice = double.add_user("alice")
    assert fragment in await _say(double, alice, f"!prefer {typed}")
    assert "Your preferences: none" in await _say(double, alice, "!prefer")

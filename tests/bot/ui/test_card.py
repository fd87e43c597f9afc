"""The result card end to end: the picture beside its inputs and a before/after image, the
parameters, buttons that work after a restart (Info, Delete, re-run), and the plain message
where a card cannot go."""

from __future__ import annotations

from bot.ui.card import CardPicture, CardPictures, fitted
from tests.bot.conftest import bot_settings, decode, pair, results, running
from tests.discord_double.payloads import MANAGE_MESSAGES, MEMBER_PERMISSIONS
from tests.discord_double.server import IS_COMPONENTS_V2, custom_ids, media_urls


def _button(message, kind: str) -> str:
    return next(c for c in custom_ids(message.data) if c.split(":")[1] == kind)


async def test_the_card_shows_result_inputs_comparison_and_parameters(bot, double, image_bytes):
    alice = double.add_user("alice")
    await double.post_message(alice, "!stylize --seed 5", pair(double, image_bytes))
    (card,) = await double.wait_for(lambda: results(double))

    assert card.data["flags"] & IS_COMPONENTS_V2 and card.data["content"] == ""
    assert f"<@{alice.id}> here is your picture" in card.text and "--seed 5" in card.text
    names = [url.removeprefix("attachment://") for url in media_urls(card.data)]
    assert names[0].startswith("stylized-")
    assert names[1:] == ["content.jpg", "style-1.jpg", "before-after.jpg"]
    by_name = {a["filename"]: a for a in card.attachments}
    result = decode(double.attachment_bytes(by_name[names[0]]))
    comparison = decode(double.attachment_bytes(by_name["before-after.jpg"]))
    assert max(result.size) == 32
    assert comparison.width > result.width and comparison.height > result.height
    assert (
        card.data["allowed_mentions"]["users"] == [str(alice.id)]
        if "allowed_mentions" in (card.data)
        else True
    )
    assert double.invalid == []


async def test_info_says_what_made_the_picture_and_who_chose_it(bot, double, image_bytes):
    alice = double.add_user("alice")
    command = await double.post_message(
        alice, "!stylize --style-weight 9", pair(double, image_bytes)
    )
    (card,) = await double.wait_for(lambda: results(double))

    bob = double.add_user("bob")  # anyone may read a result's Info, privately
    interaction = await double.press(bob, card.id, _button(card, "info"))
    await double.wait_for(lambda: interaction.original_id)
    info = double.messages[interaction.original_id].data
    assert info["flags"] & 64
    embed = info["embeds"][0]
    assert "`--style-weight 9` \u2014 you, in this request" in embed["description"]
    assert "`--size 32` \u2014 default" in embed["description"]
    assert "Precedence" in embed["description"]
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Picture"].startswith("32\u00d7") and "cpu" in fields["Device"]
    assert str(command.id) in fields["Request"]


async def test_delete_is_for_the_requester_and_moderators(double, image_bytes):
    mod = double.add_user("mod", permissions=MEMBER_PERMISSIONS | MANAGE_MESSAGES)
    async with running(bot_settings(double), double):
        alice, bob = double.add_user("alice"), double.add_user("bob")
        await double.post_message(alice, "!stylize", pair(double, image_bytes))
        await double.post_message(alice, "!stylize", pair(double, image_bytes))
        first, second = await double.wait_for(lambda: results(double)[1:] and results(double))

        refused = await double.press(bob, first.id, _button(first, "delete"))
        await double.wait_for(lambda: refused.original_id)
        assert "Only the member who asked" in double.messages[refused.original_id].text
        assert not first.deleted

        await double.press(alice, first.id, _button(first, "delete"))
        await double.wait_for(lambda: first.deleted)
        await double.press(mod, second.id, _button(second, "delete"))
        await double.wait_for(lambda: second.deleted)


async def test_card_buttons_work_after_a_restart(double, image_bytes):
    settings = bot_settings(double)
    async with running(settings, double):
        alice = double.add_user("alice")
        await double.post_message(alice, "!stylize", pair(double, image_bytes))
        (card,) = await double.wait_for(lambda: results(double))
    async with running(settings, double):
        interaction = await double.press(alice, card.id, _button(card, "info"))
        await double.wait_for(lambda: interaction.original_id)
        assert double.messages[interaction.original_id].data["embeds"][0]["title"].startswith("Job")
        await double.press(alice, card.id, _button(card, "again"))
        await double.wait_for(lambda: results(double)[1:])
        await double.press(alice, card.id, _button(card, "delete"))
        await double.wait_for(lambda: card.deleted)


async def test_where_a_card_is_refused_the_plain_message_goes(bot, double, image_bytes):
    double.refuse_components_v2 = True
    alice = double.add_user("alice")
    await double.post_message(alice, "!stylize --seed 4", pair(double, image_bytes))
    (plain,) = await double.wait_for(lambda: results(double))
    assert not plain.data["flags"] & IS_COMPONENTS_V2
    assert "--seed 4" in plain.data["content"] and len(plain.attachments) == 1
    assert [c.split(":")[1] for c in custom_ids(plain.data)] == ["again"] * 3
    assert len(double.invalid) == 1  # the card, once


def test_what_does_not_fit_beside_the_picture_is_left_out_comparison_first():
    inputs = (
        CardPicture("content.jpg", b"c" * 100, ""),
        CardPicture("style-1.jpg", b"s" * 100, ""),
    )
    pictures = CardPictures(inputs, CardPicture("before-after.jpg", b"b" * 300, ""))
    assert fitted(pictures, room=500) is pictures
    assert fitted(pictures, room=499) == CardPictures(inputs, None)
    assert fitted(pictures, room=199) == CardPictures((), None)

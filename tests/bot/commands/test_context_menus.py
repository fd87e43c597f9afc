"""Right-click styling end to end: "Use as style", "Stylize with my style", "Stylize with..."
(a form with the gallery, the server's presets, an upload and the strength) and "Stylize
avatar"; the same queue and delivery as /stylize; and the bad cases: no image, a video, a
deleted picture, a form with nothing chosen or sent too late."""

from __future__ import annotations

import asyncio

import pytest

from tests.bot.conftest import bot_settings, decode, results, running
from tests.discord_double.server import IS_COMPONENTS_V2, media_urls


async def _answer(double, interaction) -> str:
    """What the bot said to an interaction (its original response), once it says it."""
    await double.wait_for(lambda: interaction.original_id and double.messages[
        interaction.original_id].text)  # fmt: skip
    return double.messages[interaction.original_id].text


def _photo(double, image_bytes, name="chelsea.jpg"):
    return double.upload(name, image_bytes(name), "image/jpeg")


async def test_the_menus_are_published_for_servers_dms_and_user_installs(bot, double):
    menus = {c["name"]: c for c in double.commands if c.get("type") in (2, 3)}
    assert {name: c["type"] for name, c in menus.items()} == {
        "Use as style": 3,
        "Stylize with my style": 3,
        "Stylize with...": 3,
        "Stylize avatar": 2,
    }
    for command in double.commands:
        if command["name"] == "styleset":
            assert command["contexts"] == [0] and command["integration_types"] == [0]
        else:
            assert sorted(command["contexts"]) == [0, 1, 2], command["name"]
            assert sorted(command["integration_types"]) == [0, 1], command["name"]


async def test_use_as_style_then_stylize_with_my_style(bot, double, image_bytes):
    alice = double.add_user("alice")
    painting = await double.post_message(
        alice, "look", [_photo(double, image_bytes, "the_scream.jpg")]
    )
    picked = await double.run_context_menu(alice, "Use as style", message=painting)
    assert "Your style is set" in str(await _confirmation(double, picked))

    photo = await double.post_message(alice, "my cat", [_photo(double, image_bytes)])
    await double.run_context_menu(alice, "Stylize with my style", message=photo)
    (card,) = await double.wait_for(lambda: results(double))
    assert card.data["flags"] & IS_COMPONENTS_V2 and f"<@{alice.id}>" in card.text
    by_name = {a["filename"]: a for a in card.attachments}
    style = decode(double.attachment_bytes(by_name["style-1.jpg"]))
    assert style.height > style.width  # The Scream is portrait; the cat photo is landscape


async def _confirmation(double, interaction):
    await double.wait_for(lambda: interaction.original_id and double.messages[
        interaction.original_id].data["embeds"])  # fmt: skip
    message = double.messages[interaction.original_id]
    assert message.data["flags"] & 64
    assert message.data["embeds"][0]["thumbnail"]["url"].endswith("style.jpg")
    return message.data["embeds"]


async def test_without_a_remembered_style_the_form_opens_and_paints(double, image_bytes):
    from tests.discord_double.payloads import MANAGE_GUILD, MEMBER_PERMISSIONS

    admin = double.add_user("admin", permissions=MEMBER_PERMISSIONS | MANAGE_GUILD)
    async with running(bot_settings(double), double):
        added = await double.post_message(
            admin, "!styleset preset add swirls", [_photo(double, image_bytes, "starry_night.jpg")]
        )
        await double.wait_for(lambda: double.replies_to(added.id))
        alice = double.add_user("alice")
        photo = await double.post_message(alice, "my cat", [_photo(double, image_bytes)])
        opened = await double.run_context_menu(alice, "Stylize with my style", message=photo)
        await double.wait_for(lambda: opened.modal)
        select = opened.modal["components"][0]["component"]
        values = [o["value"] for o in select["options"]]
        assert values[0] == "style:starry_night" and values[-1] == "preset:swirls"

        await double.submit_modal(alice, opened, {"style": "style:great_wave", "strength": "7"})
        (card,) = await double.wait_for(lambda: results(double))
        assert "--style great_wave" in card.text and "--style-weight 7" in card.text

        opened = await double.run_context_menu(alice, "Stylize with...", message=photo)
        await double.wait_for(lambda: opened.modal)
        upload = _photo(double, image_bytes, "shipwreck.jpg")
        await double.submit_modal(alice, opened, {"style": "preset:swirls"}, {"upload": [upload]})
        second = (await double.wait_for(lambda: results(double)[1:]))[0]
        assert "--preset swirls" in second.text
        names = [u.removeprefix("attachment://") for u in media_urls(second.data)]
        assert "style-1.jpg" in names and "style-2.jpg" in names  # the preset and the upload


async def test_stylize_avatar(bot, double, image_bytes):
    alice, bob = double.add_user("alice"), double.add_user("bob")
    double.set_avatar(bob, image_bytes("chelsea.jpg"))
    opened = await double.run_context_menu(alice, "Stylize avatar", target=bob)
    await double.wait_for(lambda: opened.modal)
    await double.submit_modal(alice, opened, {"style": "style:udnie"})
    (card,) = await double.wait_for(lambda: results(double))
    assert any(key.startswith(f"avatars/{bob.id}/") for key in double.cdn_requests)
    assert "--style udnie" in card.text


@pytest.mark.parametrize(
    ("attachment", "fragment"),
    [
        (None, "has no picture I can use"),
        (("notes.txt", b"hello", "text/plain"), "has no picture I can use"),
    ],
)
@pytest.mark.parametrize("menu", ["Use as style", "Stylize with my style", "Stylize with..."])
async def test_a_menu_on_a_message_without_a_picture(bot, double, menu, attachment, fragment):
    alice = double.add_user("alice")
    files = [double.upload(*attachment)] if attachment else []
    message = await double.post_message(alice, "nothing to paint here", files)
    interaction = await double.run_context_menu(alice, menu, message=message)
    assert fragment in await _answer(double, interaction)
    assert double.messages[interaction.original_id].data["flags"] & 64
    assert interaction.modal is None and results(double) == []


async def test_a_video_is_no_style_but_a_photo_to_paint(bot, double, image_bytes, data_dir):
    from tests.styleengine.clip_samples import mp4_bytes, pan

    alice = double.add_user("alice")
    video = double.upload("clip.mp4", mp4_bytes(pan(data_dir, 2, size=(48, 32))), "video/mp4")
    message = await double.post_message(alice, "my walk", [video])
    interaction = await double.run_context_menu(alice, "Use as style", message=message)
    assert "`clip.mp4` is a video; a style is a still picture" in await _answer(double, interaction)
    opened = await double.run_context_menu(alice, "Stylize with...", message=message)
    await double.wait_for(lambda: opened.modal)
    await double.submit_modal(alice, opened, {"style": "style:udnie"})
    (card,) = await double.wait_for(lambda: results(double))
    assert "here is your clip of 2 frames" in card.text


async def test_a_deleted_picture_and_a_form_with_nothing_chosen_gets_a_grid(
    bot, double, image_bytes
):
    alice = double.add_user("alice")
    photo = await double.post_message(alice, "my cat", [_photo(double, image_bytes)])
    await double.delete_message(photo.id)
    double.cdn.clear()  # Discord deletes the files with the message
    picked = await double.run_context_menu(alice, "Use as style", message=photo.data)
    assert "could not download `chelsea.jpg`" in await _answer(double, picked)

    # Nothing chosen: the photo alone, answered with a grid of styles (its flags read first).
    photo = await double.post_message(alice, "my cat", [_photo(double, image_bytes)])
    opened = await double.run_context_menu(alice, "Stylize with...", message=photo)
    await double.wait_for(lambda: opened.modal)
    sent = await double.submit_modal(alice, opened, {"strength": "lots"})
    assert "style-weight" in await _answer(double, sent)
    opened = await double.run_context_menu(alice, "Stylize with...", message=photo)
    await double.wait_for(lambda: opened.modal)
    await double.submit_modal(alice, opened, {"strength": "7"})
    await double.wait_for(
        lambda: [m for m in double.bot_messages() if "styles for your photo" in m.text]
    )
    opened = await double.run_context_menu(alice, "Stylize with...", message=photo)
    await double.wait_for(lambda: opened.modal)
    sent = await double.submit_modal(alice, opened, {"style": "style:udnie", "strength": "lots"})
    assert "style-weight" in await _answer(double, sent)
    assert results(double) == []


async def test_a_form_sent_too_late_or_after_a_restart_is_answered(double, image_bytes):
    settings = bot_settings(double, form_minutes=0.01)  # 0.6 s
    async with running(settings, double):
        alice = double.add_user("alice")
        photo = await double.post_message(alice, "my cat", [_photo(double, image_bytes)])
        opened = await double.run_context_menu(alice, "Stylize with...", message=photo)
        await double.wait_for(lambda: opened.modal)
        await asyncio.sleep(1.0)
        late = await double.submit_modal(alice, opened, {"style": "style:udnie"})
        assert "That form has expired" in await _answer(double, late)
    async with running(bot_settings(double), double):
        opened = await double.run_context_menu(alice, "Stylize with...", message=photo)
        await double.wait_for(lambda: opened.modal)
    async with running(bot_settings(double), double):  # the form is from the bot before
        late = await double.submit_modal(alice, opened, {"style": "style:udnie"})
        assert "That form has expired" in await _answer(double, late)
    assert results(double) == []

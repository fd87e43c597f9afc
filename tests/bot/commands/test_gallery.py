"""``/styles`` and named built-in styles end to end: a paged Components V2 gallery beside the
server's presets, ``--style NAME`` / ``style_name:`` with autocomplete, and a name that does not
exist."""

from __future__ import annotations

from bot.gallery import PAINTINGS
from bot.ui.gallery import PER_PAGE
from tests.bot.conftest import decode, results
from tests.discord_double.payloads import MANAGE_GUILD, MEMBER_PERMISSIONS
from tests.discord_double.server import IS_COMPONENTS_V2, custom_ids, media_urls


def _text(data) -> str:
    from tests.discord_double.server import walk_components

    return "\n".join(c["content"] for c in walk_components(data["components"]) if c["type"] == 10)


async def test_styles_pages_through_the_built_in_styles_and_the_servers_presets(
    double, image_bytes
):
    from tests.bot.conftest import bot_settings, pair, running

    admin = double.add_user("admin", permissions=MEMBER_PERMISSIONS | MANAGE_GUILD)
    async with running(bot_settings(double), double):
        style = pair(double, image_bytes)[1]
        added = await double.post_message(admin, "!styleset preset add swirls", [style])
        await double.wait_for(lambda: double.replies_to(added.id))

        member = double.add_user("member")
        interaction = await double.run_slash(member, "styles")
        await double.wait_for(lambda: interaction.original_id)
        page = double.messages[interaction.original_id]
        await double.wait_for(lambda: page.data["flags"] & IS_COMPONENTS_V2)
        assert page.data["flags"] & 64, "the gallery is shown to the member only"
        first = page.data
        shown = [url.removeprefix("attachment://") for url in media_urls(first)]
        assert shown == [f"{p.name}.jpg" for p in PAINTINGS[:PER_PAGE]]
        for attachment in first["attachments"]:  # thumbnails, not the whole paintings
            assert max(decode(double.attachment_bytes(attachment)).size) <= 320
        assert "page 1 of 2" in _text(first) and "Hokusai" in _text(first)
        previous, following = custom_ids(first)
        assert previous == "stylebot:styles:-1" and following == "stylebot:styles:1"

        await double.press(member, page.id, following)
        await double.wait_for(lambda: "page 2 of 2" in _text(page.data))
        second = page.data
        assert [url.removeprefix("attachment://") for url in media_urls(second)] == [
            *(f"{p.name}.jpg" for p in PAINTINGS[PER_PAGE:]),
            "preset-swirls.jpg",
        ]
        assert "`--preset swirls`" in _text(second)
        assert double.invalid == []


async def test_a_built_in_style_by_name_in_text_and_slash(bot, double, image_bytes):
    alice = double.add_user("alice")
    photo = double.upload("photo.jpg", image_bytes("chelsea.jpg"), "image/jpeg")
    await double.post_message(alice, "!stylize --style great-wave --seed 2", [photo])
    (first,) = await double.wait_for(lambda: results(double))
    assert "--style great_wave" in first.text

    choices = await double.autocomplete(alice, "stylize", "style_name", "hokus")
    assert [c["value"] for c in choices] == ["great_wave"]
    photo = double.upload("photo.jpg", image_bytes("chelsea.jpg"), "image/jpeg")
    await double.run_slash(alice, "stylize", {"style_name": "udnie"}, {"content": photo})
    await double.wait_for(lambda: len(results(double)) == 2)
    assert "--style udnie" in results(double)[1].text


async def test_a_style_name_that_does_not_exist_suggests_the_nearest(bot, double, image_bytes):
    alice = double.add_user("alice")
    photo = double.upload("photo.jpg", image_bytes("chelsea.jpg"), "image/jpeg")
    command = await double.post_message(alice, "!stylize --style grate_wave", [photo])
    (reply,) = await double.wait_for(lambda: double.replies_to(command.id))
    assert "no built-in style `grate_wave`" in reply.text
    assert "`great_wave`" in reply.text
    assert double.cdn_requests == [], "nothing is downloaded for a request that cannot run"

    interaction = await double.run_slash(alice, "stylize", {"style_name": "starry"},
                                         {"content": photo})  # fmt: skip
    await double.wait_for(lambda: interaction.original_id)
    answer = double.messages[interaction.original_id].data
    assert "`starry_night`" in answer["content"] and answer["flags"] & 64
    assert results(double) == []


async def test_the_text_form_posts_the_same_gallery(bot, double):
    alice = double.add_user("alice")
    command = await double.post_message(alice, "!styles")
    (page,) = await double.wait_for(lambda: double.replies_to(command.id))
    assert page.data["flags"] & IS_COMPONENTS_V2 and "page 1 of 2" in _text(page.data)
    assert len(media_urls(page.data)) == PER_PAGE and double.invalid == []

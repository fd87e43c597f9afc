"""A photo sent alone, end to end: one job paints it in four built-in styles, answered with a
numbered grid whose buttons paint a tile at the member's size or four more styles; the buttons
are the member's own, work after a restart, and say so when the photo is gone."""

from __future__ import annotations

from bot.gallery import PAINTINGS, find
from bot.jobs.grid import style_order, tiles_from
from tests.bot.conftest import bot_settings, decode, results, running
from tests.discord_double.records import walk_components
from tests.discord_double.server import custom_ids
from tests.styleengine.clip_samples import gif_bytes, pan


def grids(double):
    """The bot's messages that carry a grid of styles."""
    return [m for m in double.bot_messages() if m.attachments and "styles for your photo" in m.text]


def _button(message, kind: str, tile: int | None = None) -> str:
    return next(
        c
        for c in custom_ids(message.data)
        if c.split(":")[1] == kind and (tile is None or c.split(":")[3] == str(tile))
    )


def _labels(message) -> list[str]:
    return [
        c.get("label", "")
        for c in walk_components(message.data.get("components") or [])
        if c.get("custom_id", "").startswith("stylebot:pick:")
    ]


async def _said(double, interaction) -> str:
    await double.wait_for(lambda: interaction.original_id and (
        double.messages[interaction.original_id].text
        or double.messages[interaction.original_id].data.get("embeds")))  # fmt: skip
    message = double.messages[interaction.original_id]
    return message.text or str(message.data["embeds"])


async def test_a_photo_alone_gets_four_styles_and_a_tile_is_painted_at_the_members_size(
    double, image_bytes
):
    settings = bot_settings(double, default_size=40)
    async with running(settings, double) as bot:
        alice = double.add_user("alice")
        photo = double.upload("chelsea.jpg", image_bytes("chelsea.jpg"), "image/jpeg")
        await double.post_message(alice, "!stylize --style-weight 12", [photo])
        (grid,) = await double.wait_for(lambda: grids(double))

        # One picture of four tiles (2x2, each 24 px on its long side), numbered buttons whose
        # labels start with the tile's number and name the painting shown there.
        image = decode(double.attachment_bytes(grid.attachments[0]))
        assert image.size == (2 * 24 + 6, 2 * 16 + 6)
        labels = _labels(grid)
        assert [label.split(" ")[0] for label in labels] == ["1", "2", "3", "4"]
        journaled = await bot.service.store.journal.load(_button(grid, "more").split(":")[2])
        digest = journaled.content.digest  # the photo as kept (intake may re-encode it)
        names = tiles_from(style_order([], digest), 0)
        assert journaled.grid.styles == names
        assert labels == [f"{n} \u00b7 {find(name).title}" for n, name in enumerate(names, 1)]
        assert "\n**2** \u00b7 " + find(names[1]).caption in grid.text

        # "2": that style, at the member's size, with their flags from the grid's request.
        await double.press(alice, grid.id, _button(grid, "pick", 2))
        (card,) = await double.wait_for(lambda: results(double))
        assert f"--style {names[1]}" in card.text and "--style-weight 12" in card.text
        assert max(decode(double.attachment_bytes(card.attachments[0])).size) == 40

        # Four more: the next four styles of the same order, on a grid of their own.
        await double.press(alice, grid.id, _button(grid, "more"))
        await double.wait_for(lambda: len(grids(double)) == 2)
        more = grids(double)[1]
        following = tiles_from(style_order([], digest), 4)
        assert _labels(more) == [f"{n} \u00b7 {find(x).title}" for n, x in enumerate(following, 1)]


async def test_favourites_come_first_and_a_slash_command_gets_a_grid_too(double, image_bytes):
    async with running(bot_settings(double), double):
        alice = double.add_user("alice")
        await double.run_slash(alice, "prefer", {"favourites": "udnie, the scream"})
        photo = double.upload("chelsea.jpg", image_bytes("chelsea.jpg"), "image/jpeg")
        await double.run_slash(alice, "stylize", attachments={"content": photo})
        (grid,) = await double.wait_for(lambda: grids(double))
        assert _labels(grid)[:2] == ["1 \u00b7 Udnie", "2 \u00b7 The Scream"]
        assert len({label for label in _labels(grid)}) == 4


async def test_someone_elses_grid_buttons_are_refused_privately(double, image_bytes):
    async with running(bot_settings(double), double) as bot:
        alice, bob = double.add_user("alice"), double.add_user("bob")
        photo = double.upload("chelsea.jpg", image_bytes("chelsea.jpg"), "image/jpeg")
        await double.post_message(alice, "!stylize", [photo])
        (grid,) = await double.wait_for(lambda: grids(double))
        for custom_id in (_button(grid, "pick", 1), _button(grid, "more")):
            pressed = await double.press(bob, grid.id, custom_id)
            assert "These styles are for" in await _said(double, pressed)
            assert pressed.ephemeral
        await double.wait_for(lambda: not bot.service.jobs)
        assert not results(double) and len(grids(double)) == 1


async def test_grid_buttons_work_after_a_restart_and_say_when_the_photo_is_gone(
    double, image_bytes, tmp_path
):
    settings = bot_settings(double, database=str(tmp_path / "kept.db"))
    async with running(settings, double) as first:
        alice = double.add_user("alice")
        photo = double.upload("chelsea.jpg", image_bytes("chelsea.jpg"), "image/jpeg")
        await double.post_message(alice, "!stylize", [photo])
        (grid,) = await double.wait_for(lambda: grids(double))
        await double.wait_for(lambda: not first.service.jobs)  # answered and journaled
    double.cdn.clear()  # Discord's links to the photo are gone too
    async with running(settings, double) as bot:
        await double.press(alice, grid.id, _button(grid, "pick", 3))
        (card,) = await double.wait_for(lambda: results(double))
        assert "here is your picture" in card.text
        await double.wait_for(lambda: not bot.service.jobs)
        await bot.service.store.journal.sweep(older_than=float("inf"))  # kept past retention
        pressed = await double.press(alice, grid.id, _button(grid, "pick", 4))
        assert "I no longer have the photo of that grid" in await _said(double, pressed)


async def test_a_gif_alone_is_refused_and_no_image_is_explained(double, image_bytes, data_dir):
    async with running(bot_settings(double), double) as bot:
        alice = double.add_user("alice")
        clip = double.upload("cat.gif", gif_bytes(pan(data_dir, 3), [100] * 3), "image/gif")
        sent = await double.post_message(alice, "!stylize", [clip])
        (reply,) = await double.wait_for(lambda: double.replies_to(sent.id))
        assert "A GIF or video needs a style" in reply.text
        sent = await double.post_message(alice, "!stylize")
        (reply,) = await double.wait_for(lambda: double.replies_to(sent.id))
        assert "your photo alone" in reply.text
        assert not bot.service.jobs and not grids(double)


def test_the_order_of_styles_is_favourites_then_the_gallery_from_a_place_the_photo_picks():
    names = [p.name for p in PAINTINGS]
    order = style_order(["udnie", "nonesuch", "udnie"], "00000003")
    assert order[0] == "udnie" and sorted(order) == sorted(names)
    rest = [n for n in names if n != "udnie"]
    assert order[1:] == rest[3:] + rest[:3]
    assert style_order([], "00000001") != style_order([], "00000002")
    assert tiles_from(order, 8) == (order[8], order[9], order[0], order[1])

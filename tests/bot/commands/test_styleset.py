"""``!styleset`` / ``/styleset`` end to end: admins only, values checked with their range, a
server's settings shape the next job, presets round-trip, channels and per-user caps hold."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
import pytest_asyncio

from bot.app import StyleBot
from styleengine import StyleParams
from tests.bot.conftest import bot_settings, pair, results, running
from tests.discord_double.payloads import MANAGE_GUILD, MEMBER_PERMISSIONS, FakeUser
from tests.discord_double.server import HANG, DiscordDouble


@dataclass
class Server:
    double: DiscordDouble
    bot: StyleBot
    admin: FakeUser
    member: FakeUser


@pytest_asyncio.fixture
async def server(double) -> AsyncIterator[Server]:
    # Members with roles join before the bot connects: it learns the roles at GUILD_CREATE.
    admin = double.add_user("admin", permissions=MEMBER_PERMISSIONS | MANAGE_GUILD)
    member = double.add_user("member")
    async with running(bot_settings(double), double) as bot:
        yield Server(double, bot, admin, member)


async def say(double, author, text, attachments=None, **kwargs) -> str:
    """Post a text command and return the bot's reply to it."""
    message = await double.post_message(author, text, attachments, **kwargs)
    reply = (await double.wait_for(lambda: double.replies_to(message.id)))[0]
    return reply.text or str(reply.data["embeds"])


async def slash(double, user, *path, options=None, attachments=None) -> str:
    """Run a slash (sub)command and return the bot's answer to it."""
    name, *sub = path
    interaction = await double.run_slash(
        user, name, options or {}, attachments, subcommand=tuple(sub)
    )
    await double.wait_for(lambda: interaction.original_id)
    data = double.messages[interaction.original_id].data
    return data["content"] or str(data["embeds"])


TEXT_COMMANDS = [
    "!styleset",
    "!styleset show",
    "!styleset set size 64",
    "!styleset reset",
    "!styleset reset size",
    "!styleset preset",
    "!styleset preset list",
    "!styleset preset add starry",
    "!styleset preset remove starry",
]
SLASH_COMMANDS = [
    (("styleset", "show"), {}),
    (("styleset", "set"), {"key": "size", "value": "64"}),
    (("styleset", "reset"), {}),
    (("styleset", "preset", "list"), {}),
    (("styleset", "preset", "remove"), {"name": "starry"}),
]


async def test_every_admin_command_is_refused_to_members(server, image_bytes):
    double, member = server.double, server.member
    for text in TEXT_COMMANDS:
        files = pair(double, image_bytes)[1:] if "add" in text else None
        answer = await say(double, member, text, files)
        assert "Only members with the Manage Server permission" in answer, text
    for path, options in SLASH_COMMANDS:
        answer = await slash(double, member, *path, options=options)
        assert "Only members with the Manage Server permission" in answer, path
    style = pair(double, image_bytes)[1]
    answer = await slash(
        double, member, "styleset", "preset", "add", options={"name": "x"},
        attachments={"image": style},
    )  # fmt: skip
    assert "Only members with the Manage Server permission" in answer
    assert await server.bot.service.store.guilds.get(double.guild_id) == {}
    assert await server.bot.service.store.presets.list(double.guild_id) == []
    # Discord is also told to hide the group from members by default.
    group = next(c for c in double.commands if c["name"] == "styleset")
    assert int(group["default_member_permissions"]) == MANAGE_GUILD


async def test_an_admins_settings_shape_the_next_job_and_members_flags_win(server, image_bytes):
    double, admin, member = server.double, server.admin, server.member
    assert "is now **60**" in await say(double, admin, "!styleset set style-weight 60")
    assert "is now **4**" in await say(double, admin, "!styleset set iterations 4")
    assert "luminance" in await slash(
        double, admin, "styleset", "set", options={"key": "preserve-color", "value": "luminance"}
    )
    shown = await say(double, admin, "!styleset show")
    assert "`style-weight` **60** (**set here**)" in shown
    assert "`size` **32** (bot default)" in shown

    await double.post_message(member, "!stylize --iterations 3", pair(double, image_bytes))
    (result,) = await double.wait_for(lambda: results(double))
    text = result.text
    assert "--style-weight 60" in text and "--iterations 3" in text
    assert "--preserve-color luminance" in text
    assert "Chosen by you: `--iterations`" in text
    assert "by this server's settings:" in text and "`--style-weight`" in text

    default = StyleParams().style_weight
    assert f"back to the bot's default: **{default:g}**" in await say(
        double, admin, "!styleset reset style-weight"
    )
    assert "(2 were set)" in await say(double, admin, "!styleset reset")
    assert await server.bot.service.store.guilds.get(double.guild_id) == {}


@pytest.mark.parametrize(
    ("command", "fragment"),
    [
        ("!styleset set size 99999", "`size` must be from 16 to 128; `99999` is not."),
        ("!styleset set size banana", "`size` must be from 16 to 128"),
        ("!styleset set style-weight -1", "`style-weight` must be from 0 to 1e+09"),
        ("!styleset set tv-weight nan", "`tv-weight` must be from 0 to 1e+06"),
        ("!styleset set iterations 1e308", "`iterations` must be from 1 to 200"),
        ("!styleset set preserve-color purple", "one of none, luminance, histogram"),
        ("!styleset set optimizer sgd", "one of lbfgs, adam"),
        ("!styleset set user-limit 0", "a whole number from 1 to 2"),
        ("!styleset set max-size 100000", "a whole number from 16 to 128"),
        ("!styleset set channels nowhere", "cannot find a channel `nowhere`"),
        ("!styleset set timelapse sometimes", "`timelapse` must be `on` or `off`"),
        ("!styleset set weights /etc/passwd", "`weights` is not a setting; settings are"),
        ("!styleset set colour red", "is not a setting"),
        ("!styleset set size", "value is a required argument that is missing"),
        ("!styleset reset sizes", "`sizes` is not a setting"),
    ],
)
async def test_bad_values_are_refused_with_the_allowed_range(server, command, fragment):
    answer = await say(server.double, server.admin, command)
    assert fragment in answer
    assert await server.bot.service.store.guilds.get(server.double.guild_id) == {}


async def test_a_preset_round_trips(server, image_bytes):
    double, admin, member = server.double, server.admin, server.member
    style = pair(double, image_bytes)[1]
    assert "no style presets yet" in await say(double, admin, "!styleset preset list")
    assert "Preset `starry` saved" in await say(
        double, admin, "!styleset preset add Starry", [style]
    )
    assert "`starry`" in await slash(double, admin, "styleset", "preset", "list")

    # Discord's link to the admin's upload is gone; the bot kept the picture itself.
    double.cdn.clear()
    photo = double.upload("photo.jpg", image_bytes("chelsea.jpg"), "image/jpeg")
    await double.post_message(member, "!stylize --preset starry", [photo])
    (result,) = await double.wait_for(lambda: results(double))
    assert "--preset starry" in result.text

    photo = double.upload("photo.jpg", image_bytes("chelsea.jpg"), "image/jpeg")
    await double.run_slash(member, "stylize", {"preset": "starry"}, {"content": photo})
    await double.wait_for(lambda: len(results(double)) == 2)

    assert "Preset `starry` removed" in await say(double, admin, "!styleset preset remove starry")
    photo = double.upload("photo.jpg", image_bytes("chelsea.jpg"), "image/jpeg")
    answer = await say(double, member, "!stylize --preset starry", [photo])
    assert "There is no style preset `starry`" in answer and "has none yet" in answer


@pytest.mark.parametrize(
    ("command", "with_image", "fragment"),
    [
        ("!styleset preset add", True, "name is a required argument"),
        ("!styleset preset add starry", False, "image is a required argument"),
        ("!styleset preset add no/slashes", True, "cannot be a preset name"),
        ("!styleset preset remove ghost", False, "There is no preset `ghost`"),
    ],
)
async def test_bad_preset_commands(server, image_bytes, command, with_image, fragment):
    files = pair(server.double, image_bytes)[1:] if with_image else None
    assert fragment in await say(server.double, server.admin, command, files)
    assert await server.bot.service.store.presets.list(server.double.guild_id) == []


async def test_a_preset_that_is_not_an_image_is_refused(server):
    junk = server.double.upload("starry.png", b"<html>not an image</html>", "image/png")
    answer = await say(server.double, server.admin, "!styleset preset add starry", [junk])
    assert "`starry.png` is not in an image format" in answer
    assert await server.bot.service.store.presets.list(server.double.guild_id) == []


async def test_channels_and_the_per_user_cap(server, image_bytes, paint_gate):
    double, admin, member = server.double, server.admin, server.member
    other = double.other_channel_id
    assert f"<#{other}>" in await say(double, admin, f"!styleset set channels <#{other}>")
    answer = await say(double, member, "!stylize", pair(double, image_bytes))
    assert f"On this server I paint in <#{other}>" in answer
    # The settings commands themselves still answer anywhere, so an admin can undo this.
    assert "**all channels**" in await say(double, admin, "!styleset set channels all")

    await say(double, admin, "!styleset set user-limit 1")
    first = await double.post_message(member, "!stylize", pair(double, image_bytes))
    await double.wait_for(lambda: double.replies_to(first.id) and paint_gate.held() == 1)
    answer = await say(double, member, "!stylize", pair(double, image_bytes))
    assert "the limit is 1" in answer


async def test_slash_options_autocomplete_keys_and_presets(server, image_bytes):
    double, admin = server.double, server.admin
    style = pair(double, image_bytes)[1]
    await say(double, admin, "!styleset preset add starry", [style])
    await say(double, admin, "!styleset preset add stripes", [style])
    keys = await double.autocomplete(admin, "styleset", "key", "weig", subcommand=("set",))
    assert [c["value"] for c in keys] == [
        "content-weight",
        "style-weight",
        "palette-weight",
        "tv-weight",
    ]
    keys = await double.autocomplete(admin, "styleset", "key", "size", subcommand=("reset",))
    assert [c["value"] for c in keys] == ["size", "max-size", "clip-size", "grid-size"]
    names = await double.autocomplete(server.member, "stylize", "preset", "st")
    assert [c["value"] for c in names] == ["starry", "stripes"]
    names = await double.autocomplete(
        admin, "styleset", "name", "rr", subcommand=("preset", "remove")
    )
    assert [c["value"] for c in names] == ["starry"]


async def test_a_servers_data_is_purged_after_the_bot_leaves_it(double, image_bytes):
    admin = double.add_user("admin", permissions=MEMBER_PERMISSIONS | MANAGE_GUILD)
    settings = bot_settings(double, purge_after_days=0, cleanup_interval=1)
    async with running(settings, double) as bot:
        store = bot.service.store
        await say(double, admin, "!styleset set size 64")
        await say(double, admin, "!styleset preset add starry", [pair(double, image_bytes)[1]])
        assert await store.presets.get(double.guild_id, "starry") is not None
        await double.dispatch("GUILD_DELETE", {"id": str(double.guild_id)})  # kicked out

        async def purged() -> bool:
            gone = await store.presets.get(double.guild_id, "starry") is None
            return gone and await store.guilds.get(double.guild_id) == {}

        # The next clean-up purges it (0 days after leaving); a hang is all that fails this.
        deadline = time.monotonic() + HANG
        while not await purged():
            assert time.monotonic() < deadline, "the server's data was never purged"
            await asyncio.sleep(0.1)

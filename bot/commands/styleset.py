"""``!styleset`` / ``/styleset``: a server's admins set its defaults, limits and style presets.

Every command here is guild-only and checked in code for Manage Server (the slash commands'
default permission is only a hint to Discord's UI: server admins can change it). The keys,
their ranges and their parsing live in :mod:`bot.jobs.guild_config`.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.commands.choices import preset_choices
from bot.commands.settings_card import settings_embed, shown
from bot.jobs.flags import RequestError
from bot.jobs.guild_config import resolve
from bot.jobs.guild_keys import (
    ALL_CHANNELS,
    CHANNEL_TOKEN,
    GUILD_KEYS,
    SettingError,
    read_setting,
    setting_key,
)
from bot.store import GuildSettingsStore, PresetStore
from bot.store.quota import MB, NoRoom
from bot.text import code

if TYPE_CHECKING:
    from bot.app import StyleBot

_PRESET_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")


class NotAdmin(commands.CheckFailure):
    """The member lacks Manage Server."""


# The "type: ignore[arg-type]" on command decorators: discord.py types them with type variables
# that only the decorated function fixes, which mypy cannot solve (it infers Never).


class Styleset(commands.Cog):
    def __init__(self, bot: StyleBot) -> None:
        self.bot = bot

    async def cog_check(self, ctx: commands.Context[StyleBot]) -> bool:  # type: ignore[override]
        """Every command here, text or slash: in a server, by a member with Manage Server
        (Administrator and the server's owner have it)."""
        if ctx.guild is None:
            raise commands.NoPrivateMessage(
                "StyleBot's settings belong to a server; use this command there."
            )
        author = ctx.author
        if isinstance(author, discord.Member) and author.guild_permissions.manage_guild:
            return True
        raise NotAdmin(
            "Only members with the Manage Server permission can change StyleBot's settings."
        )

    @property
    def _guilds(self) -> GuildSettingsStore:
        return self.bot.service.store.guilds

    @property
    def _presets(self) -> PresetStore:
        return self.bot.service.store.presets

    @commands.hybrid_group(name="styleset", fallback="show", invoke_without_command=True)  # type: ignore[arg-type]
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    # A server's settings need the bot in that server: not in DMs, not user-installed.
    @app_commands.allowed_contexts(guilds=True, dms=False, private_channels=False)
    @app_commands.allowed_installs(guilds=True, users=False)
    async def styleset(self, ctx: commands.Context[StyleBot]) -> None:
        """This server's StyleBot settings: defaults, limits and channels."""
        assert ctx.guild is not None
        stored = await self._guilds.get(ctx.guild.id)
        config = resolve(self.bot.settings, stored)
        kept = await self.bot.service.store.journal.kept(guild_id=ctx.guild.id)
        embed = settings_embed(stored, config, self.bot.settings, kept_bytes=kept)
        await ctx.reply(embed=embed, ephemeral=True, mention_author=False)

    @styleset.command(name="set")  # type: ignore[arg-type]
    @app_commands.describe(key="the setting to change", value="its new value")
    async def set_(self, ctx: commands.Context[StyleBot], key: str, *, value: str) -> None:
        """Change one of this server's settings, e.g. `style-weight 16`."""
        assert ctx.guild is not None
        try:
            name = setting_key(key)
            if name == "channels":
                value = _channel_ids(ctx.guild, value)
            text = read_setting(self.bot.settings, name, value)
        except SettingError as exc:
            await ctx.reply(str(exc), ephemeral=True, mention_author=False)
            return
        before = resolve(self.bot.settings, await self._guilds.get(ctx.guild.id))
        if text == "":
            await self._guilds.reset(ctx.guild.id, name)
        else:
            await self._guilds.set(ctx.guild.id, name, text, by=ctx.author.id)
        after = resolve(self.bot.settings, await self._guilds.get(ctx.guild.id))
        await ctx.reply(
            f"`{name}` is now {shown(name, after)} on this server (was {shown(name, before)}).",
            ephemeral=True,
            mention_author=False,
        )

    @set_.autocomplete("key")
    async def _key_names(
        self, interaction: discord.Interaction[StyleBot], current: str
    ) -> list[app_commands.Choice[str]]:
        current = current.strip().lower()
        return [
            app_commands.Choice(name=f"{key} \u2014 {spec.help}"[:100], value=key)
            for key, spec in GUILD_KEYS.items()
            if current in key
        ][:25]

    @styleset.command(name="reset")  # type: ignore[arg-type]
    @app_commands.describe(key="the setting to reset; leave out to reset all of them")
    async def reset(self, ctx: commands.Context[StyleBot], key: str | None = None) -> None:
        """Put one setting (or all of them) back to the bot's default."""
        assert ctx.guild is not None
        if key is None:
            count = await self._guilds.reset(ctx.guild.id)
            text = f"All settings are back to the bot's defaults ({count} were set)."
        else:
            try:
                name = setting_key(key)
            except SettingError as exc:
                await ctx.reply(str(exc), ephemeral=True, mention_author=False)
                return
            await self._guilds.reset(ctx.guild.id, name)
            config = resolve(self.bot.settings, await self._guilds.get(ctx.guild.id))
            text = f"`{name}` is back to the bot's default: {shown(name, config)}."
        await ctx.reply(text, ephemeral=True, mention_author=False)

    reset.autocomplete("key")(_key_names)

    # -- presets ------------------------------------------------------------------------------

    @styleset.group(name="preset", fallback="list", invoke_without_command=True)  # type: ignore[arg-type]
    async def preset(self, ctx: commands.Context[StyleBot]) -> None:
        """This server's style presets."""
        assert ctx.guild is not None
        presets = await self._presets.list(ctx.guild.id)
        if not presets:
            text = (
                "This server has no style presets yet. Add one with "
                f"`{self.bot.settings.prefix}styleset preset add NAME` and a style image attached."
            )
            await ctx.reply(text, ephemeral=True, mention_author=False)
            return
        lines = [
            f"`{info.name}` \u2014 {code(info.filename)} ({info.size[0]}\u00d7{info.size[1]}), "
            f"added by <@{info.added_by}> <t:{int(info.added_at)}:R>"
            for info in presets
        ]
        embed = discord.Embed(
            title=f"Style presets ({len(presets)} of {self.bot.settings.max_presets})",
            description="\n".join(lines)[:4000],
            colour=discord.Colour.blurple(),
        )
        embed.set_footer(text="Members use one with: stylize --preset NAME and only their photo")
        await ctx.reply(embed=embed, ephemeral=True, mention_author=False)

    @preset.command(name="add")  # type: ignore[arg-type]
    @app_commands.describe(name="a short name: letters, digits, - and _", image="the style image")
    async def preset_add(
        self, ctx: commands.Context[StyleBot], name: str, image: discord.Attachment
    ) -> None:
        """Save a style image under a name for everyone here to use."""
        assert ctx.guild is not None
        key = name.strip().lower()
        if not _PRESET_NAME.fullmatch(key):
            await ctx.reply(
                f"`{code(name)}` cannot be a preset name: use 1 to 32 letters, digits, `-` or `_`, "
                "starting with a letter or digit.",
                ephemeral=True,
                mention_author=False,
            )
            return
        existing = {info.name for info in await self._presets.list(ctx.guild.id)}
        limit = self.bot.settings.max_presets
        if key not in existing and len(existing) >= limit:
            await ctx.reply(
                f"This server already keeps {len(existing)} presets (the most is {limit}); "
                "remove one first.",
                ephemeral=True,
                mention_author=False,
            )
            return
        await ctx.defer(ephemeral=True)
        try:
            (picture,) = await self.bot.service.intake.fetch([image])
        except RequestError as exc:
            await ctx.reply(str(exc), ephemeral=True, mention_author=False)
            return
        config = resolve(self.bot.settings, await self._guilds.get(ctx.guild.id))
        try:
            replaced = await self._presets.add(
                ctx.guild.id,
                key,
                filename=image.filename,
                data=picture.loaded(),
                size=picture.size,
                by=ctx.author.id,
                server_bytes=config.server_storage_mb * MB,
            )
        except NoRoom as exc:
            await ctx.reply(str(exc), ephemeral=True, mention_author=False)
            return
        verb = "replaced" if replaced else "saved"
        await ctx.reply(
            f"Preset `{key}` {verb} ({picture.size[0]}\u00d7{picture.size[1]}). Members use it "
            f"with `{self.bot.settings.prefix}stylize --preset {key}` and only their photo.",
            ephemeral=True,
            mention_author=False,
        )

    @preset.command(name="remove", aliases=["delete", "rm"])  # type: ignore[arg-type]
    @app_commands.describe(name="the preset to remove")
    async def preset_remove(self, ctx: commands.Context[StyleBot], name: str) -> None:
        """Remove a style preset."""
        assert ctx.guild is not None
        key = name.strip().lower()
        if await self._presets.remove(ctx.guild.id, key):
            text = f"Preset `{key}` removed."
        else:
            text = f"There is no preset `{code(name)}` on this server."
        await ctx.reply(text, ephemeral=True, mention_author=False)

    preset_remove.autocomplete("name")(preset_choices)


def _channel_ids(guild: discord.Guild, text: str) -> str:
    """Channel mentions, ids or names -> ids (names are what the slash form's users type)."""
    tokens = [token for token in re.split(r"[\s,]+", text.strip()) if token]
    out = []
    for token in tokens:
        if CHANNEL_TOKEN.fullmatch(token) or token.lower() in ALL_CHANNELS:
            out.append(token)
            continue
        channel = discord.utils.get(guild.text_channels, name=token.lstrip("#").lower())
        if channel is None:
            raise SettingError(f"`channels`: I cannot find a channel `{code(token)}` here.")
        out.append(str(channel.id))
    return " ".join(out)


async def setup(bot: StyleBot) -> None:
    await bot.add_cog(Styleset(bot))

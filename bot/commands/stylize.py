"""``!stylize`` / ``/stylize`` and ``help``: how members ask for pictures.

The text and slash forms of ``stylize`` share one path: each collects the attachments and the
flags as text, then hands a :class:`~bot.jobs.planning.JobRequest` to the job service. The
slash form has typed options for the common knobs (ranges and choices read from the engine's
params) and an ``options`` field that takes any other flag in the text form's syntax.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.commands.choices import preset_choices, style_choices
from bot.jobs.flags import MEMBER_KNOBS, RequestError, split_flags
from bot.jobs.guild_config import GuildConfig
from bot.jobs.inputs import Downloadable
from bot.jobs.links import embedded_clips
from bot.jobs.planning import JobRequest
from bot.text import clip
from bot.ui.replies import ChannelReplier, InteractionReplier
from styleengine.params import ColorMode, Optimizer, Pooling, flag_name

if TYPE_CHECKING:
    from bot.app import StyleBot

_KNOBS = {knob.name: knob for knob in MEMBER_KNOBS}


def _int_range(name: str) -> type[int]:
    knob = _KNOBS[name]
    return app_commands.Range[int, int(knob.lo or 0), int(knob.hi or 0)]  # type: ignore[return-value]


def _float_range(name: str) -> type[float]:
    knob = _KNOBS[name]
    return app_commands.Range[float, float(knob.lo or 0), float(knob.hi or 0)]  # type: ignore[return-value]


if TYPE_CHECKING:  # what a type checker sees of the ranges that discord.py reads at run time
    SizeOption = int
    IterationsOption = int
    SeedOption = int
    ContentWeightOption = float
    StyleWeightOption = float
    TVWeightOption = float
else:
    SizeOption = _int_range("size")
    IterationsOption = _int_range("iterations")
    SeedOption = _int_range("seed")
    ContentWeightOption = _float_range("content_weight")
    StyleWeightOption = _float_range("style_weight")
    TVWeightOption = _float_range("tv_weight")
# Slash options with a knob of the same name; their descriptions come from the knob's help.
_TYPED = ("size", "iterations", "style_weight", "content_weight", "tv_weight",
          "preserve_color", "optimizer", "pooling", "seed")  # fmt: skip


_REPLIED_DELETED = "The message you replied to was deleted; attach the images."


def _describe(name: str) -> str:
    knob = _KNOBS[name]
    return f"{knob.help} ({knob.describe_range()})"[:100]


# The "type: ignore[arg-type]" on command decorators: discord.py types them with type variables
# that only the decorated function fixes, which mypy cannot solve (it infers Never).


class Stylize(commands.Cog):
    def __init__(self, bot: StyleBot) -> None:
        self.bot = bot

    @property
    def prefix(self) -> str:
        return self.bot.settings.prefix

    # -- text form ----------------------------------------------------------------------------

    @commands.command(name="stylize", aliases=["stylise", "style"])
    async def stylize_text(self, ctx: commands.Context[StyleBot], *, options: str = "") -> None:
        """Paint the first attached image in the style of the second."""
        if options.strip().lower() in {"help", "--help", "-h", "?"}:
            await self.help_command(ctx)
            return
        service = self.bot.service
        replier = ChannelReplier.to_message(ctx.message, service.pacer, service.boards)
        try:
            flags = split_flags(options)
            attachments = await self._attachments_of(ctx.message)
        except RequestError as exc:
            await replier.refuse(str(exc))
            return
        request = JobRequest(
            owner=ctx.author,
            guild=ctx.guild,
            channel_id=ctx.channel.id,
            attachments=attachments,
            flags=flags,
            command_message_id=ctx.message.id,
        )
        await self.bot.service.submit(request, replier)

    async def _attachments_of(self, message: discord.Message) -> list[Downloadable]:
        """The replied-to message's attachments (the content), or the clip Discord embedded
        for its link (a GIF from the GIF picker), then the command's own attachments."""
        own: list[Downloadable] = list(message.attachments)
        reference = message.reference
        if reference is None or reference.message_id is None:
            return own
        replied = reference.resolved
        if isinstance(replied, discord.DeletedReferencedMessage):
            raise RequestError(_REPLIED_DELETED)
        if replied is None:
            try:
                replied = await message.channel.fetch_message(reference.message_id)
            except discord.NotFound as exc:
                raise RequestError(_REPLIED_DELETED) from exc
            except discord.HTTPException as exc:
                raise RequestError("I cannot read the message you replied to.") from exc
        if replied.attachments:
            return [*replied.attachments, *own]
        return [*embedded_clips(replied, self.bot.settings), *own]

    # -- slash form ---------------------------------------------------------------------------

    @app_commands.command(name="stylize", description="Paint a picture in the style of another")
    @app_commands.describe(
        content="the photo to paint",
        style="the picture whose style to use (or a built-in style or a server preset)",
        style_name="a built-in style, e.g. great_wave (see /styles)",
        timelapse="also send an animation of the painting, coarse to fine",
        preset="a style image this server keeps (see /styleset preset list)",
        style2="a second style to blend in (optional)",
        style3="a third style to blend in (optional)",
        options="any other option in text form, e.g. --style-scale 1.5 --style-blend 0.7,0.3",
        **{name: _describe(name) for name in _TYPED},
    )
    async def stylize_slash(
        self,
        interaction: discord.Interaction[StyleBot],
        content: discord.Attachment,
        style: discord.Attachment | None = None,
        style_name: str | None = None,
        timelapse: bool | None = None,
        preset: str | None = None,
        style2: discord.Attachment | None = None,
        style3: discord.Attachment | None = None,
        size: SizeOption | None = None,
        iterations: IterationsOption | None = None,
        style_weight: StyleWeightOption | None = None,
        content_weight: ContentWeightOption | None = None,
        tv_weight: TVWeightOption | None = None,
        preserve_color: ColorMode | None = None,
        optimizer: Optimizer | None = None,
        pooling: Pooling | None = None,
        seed: SeedOption | None = None,
        options: str | None = None,
    ) -> None:
        values = (size, iterations, style_weight, content_weight, tv_weight, preserve_color,
                  optimizer, pooling, seed)  # fmt: skip  # in _TYPED's order
        typed: dict[str, object] = {
            flag_name(name)[2:]: value for name, value in zip(_TYPED, values, strict=True)
        }
        typed["preset"] = preset
        typed["style"] = style_name
        typed["timelapse"] = None if timelapse is None else ("yes" if timelapse else "no")
        replier = InteractionReplier(interaction)
        try:
            flags = split_flags(options or "")
            for key, value in typed.items():
                if value is None:
                    continue
                if key in flags:
                    raise RequestError(f"`--{key}` is given twice (as an option and in text).")
                flags[key] = str(value)
        except RequestError as exc:
            await replier.refuse(str(exc))
            return
        request = JobRequest(
            owner=interaction.user,
            guild=interaction.guild,
            channel_id=interaction.channel_id or 0,
            attachments=[a for a in (content, style, style2, style3) if a is not None],
            flags=flags,
            filesize_limit=interaction.filesize_limit,
        )
        # Refusals before the download are private and instant; then "thinking..." while
        # the images download.
        await self.bot.service.submit(
            request, replier, before_download=lambda: interaction.response.defer(thinking=True)
        )

    stylize_slash.autocomplete("preset")(preset_choices)
    stylize_slash.autocomplete("style_name")(style_choices)

    # -- help and queue -----------------------------------------------------------------------

    @commands.hybrid_command(name="help", description="How to use StyleBot, with an example")  # type: ignore[arg-type]
    async def help_command(self, ctx: commands.Context[StyleBot]) -> None:
        """How to use StyleBot, with an example."""
        config = await self.bot.service.planner.config_for(ctx.guild)
        await ctx.reply(embed=self.help_embed(config), ephemeral=True, mention_author=False)

    def help_embed(self, config: GuildConfig) -> discord.Embed:
        """The help, with this server's defaults and limits."""
        settings = self.bot.settings
        defaults = config.params.as_strings()
        p = self.prefix
        embed = discord.Embed(
            title="StyleBot: paint a photo in the style of another picture",
            colour=discord.Colour.blurple(),
            description=(
                f"Attach two images to `{p}stylize` (or use `/stylize`): the **first** is your "
                "photo, the **second** the style. Add up to "
                f"{settings.max_styles - 1} more styles to blend them. Or reply to a message "
                f"holding the photo with `{p}stylize` and the style attached.\n\n"
                f"**Example:** `{p}stylize --size 512 --style-weight 16 --preserve-color "
                "luminance` with two images attached.\n\n"
                "I show your place in the queue, then the progress with a preview; the Cancel "
                f"button stops the job. `{p}queue` shows the queue. Each member may have "
                f"{config.user_limit} job(s) queued or running.\n\n"
                f"**Built-in styles:** `{p}stylize --style great_wave` with only your photo "
                f"paints it like a famous painting; `{p}styles` shows them all.\n"
                f"**Server presets:** `{p}stylize --preset NAME` with only your photo uses a "
                f"style image this server keeps; `{p}styleset preset list` lists them.\n"
                "**Right-click** a picture > Apps > *Use as style*, *Stylize with my style* or "
                "*Stylize with...*; a member > Apps > *Stylize avatar*.\n"
                f"**Your own defaults:** `{p}prefer --size 512 --favourites great_wave`; "
                f"`{p}stylize --timelapse yes` adds an animation of the painting."
            ),
        )
        lines = []
        for knob in MEMBER_KNOBS:
            limit = ""
            if knob.name == "size":
                limit = f", at most {config.max_size} here"
            elif knob.name == "iterations":
                limit = f", at most {config.max_iterations} here"
            default = defaults[knob.name] or "equal"
            if knob.name in config.server_knobs:
                default += ", set by this server"
            lines.append(
                f"`{knob.flag}` {knob.help}; {knob.describe_range()}{limit} (default {default})"
            )
        _add_fields(embed, "Options", lines)
        return embed


def _add_fields(embed: discord.Embed, title: str, lines: list[str]) -> None:
    """Spread ``lines`` over as many fields as Discord's 1024-character limit needs."""
    chunk: list[str] = []
    for line in lines:
        line = clip(line, 1000)
        if sum(len(x) + 1 for x in chunk) + len(line) > 1000:
            embed.add_field(name=title, value="\n".join(chunk), inline=False)
            title, chunk = "\u200b", []
        chunk.append(line)
    if chunk:
        embed.add_field(name=title, value="\n".join(chunk), inline=False)


async def setup(bot: StyleBot) -> None:
    await bot.add_cog(Stylize(bot))

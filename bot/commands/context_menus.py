"""Right-click styling (Apps > ...): "Use as style", "Stylize with my style" and "Stylize
with..." on a message with a picture, and "Stylize avatar" on a member.

Each one becomes an ordinary request to the job service: the same queue, caps, progress and
delivery as ``/stylize``. The menus are added to the tree in ``cog_load`` (discord.py does not
take context-menu decorators inside a cog class).
"""

from __future__ import annotations

import asyncio
import io
import secrets
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.job import InputImage
from bot.jobs.flags import RequestError
from bot.jobs.inputs import Downloadable, HostedImage, is_image
from bot.jobs.planning import JobRequest
from bot.jobs.preferences import favourites
from bot.text import code
from bot.ui.forms import FORM_PREFIX, StyleForm, style_options
from bot.ui.pictures import thumbnail
from bot.ui.replies import InteractionReplier

if TYPE_CHECKING:
    from bot.app import StyleBot

NO_IMAGE = (
    "That message has no picture I can use: pick a message with an image attached "
    "(links and embeds don't count)."
)
EXPIRED = "That form has expired; right-click the picture again (Apps > Stylize with...)."


@dataclass
class PendingForm:
    """A "Stylize with..." form a member has open: what it will paint."""

    content: Downloadable
    opened: float = field(default_factory=time.monotonic)


def picture_of(message: discord.Message, *, clips: bool = False) -> discord.Attachment:
    """The first image attached to ``message`` (with ``clips``, or video: a photo to paint may
    be a clip; a style may not), or RequestError saying why there is none."""
    for attachment in message.attachments:
        if is_image(attachment, clips=clips):
            return attachment
    for attachment in message.attachments:
        kind = (attachment.content_type or "").split("/")[0]
        if kind in ("video", "audio"):
            what = "a video; a style is a still picture" if kind == "video" else "audio"
            raise RequestError(
                f"`{code(attachment.filename)}` is {what}. Pick a message with an image."
            )
    raise RequestError(NO_IMAGE)


async def _picture_or_refuse(
    interaction: discord.Interaction[StyleBot], message: discord.Message
) -> discord.Attachment | None:
    """The message's picture, or None once the member has been told why there is none."""
    try:
        return picture_of(message, clips=True)
    except RequestError as exc:
        await InteractionReplier(interaction).refuse(str(exc))
        return None


def avatar_of(user: discord.User | discord.Member) -> HostedImage:
    asset = user.display_avatar.with_format("png").with_size(1024)
    return HostedImage(asset.url, f"avatar-{user.name}.png")


class ContextMenus(commands.Cog):
    def __init__(self, bot: StyleBot) -> None:
        self.bot = bot
        self.pending: dict[str, PendingForm] = {}
        self.menus = [
            app_commands.ContextMenu(name="Use as style", callback=self.use_as_style),
            app_commands.ContextMenu(name="Stylize with my style", callback=self.with_my_style),
            app_commands.ContextMenu(name="Stylize with...", callback=self.stylize_with),
            app_commands.ContextMenu(name="Stylize avatar", callback=self.stylize_avatar),
        ]

    async def cog_load(self) -> None:
        for menu in self.menus:
            self.bot.tree.add_command(menu)

    async def cog_unload(self) -> None:
        for menu in self.menus:
            self.bot.tree.remove_command(menu.name, type=menu.type)

    # -- the menus ----------------------------------------------------------------------------

    async def use_as_style(
        self, interaction: discord.Interaction[StyleBot], message: discord.Message
    ) -> None:
        """Remember the picture as the member's style, and show it back to them."""
        replier = InteractionReplier(interaction)
        settings = self.bot.settings
        try:
            attachment = picture_of(message)
            await interaction.response.defer(ephemeral=True, thinking=True)
            (image,) = await self.bot.service.intake.fetch([attachment])
        except RequestError as exc:
            await replier.refuse(str(exc))
            return
        remembered = await self.bot.service.store.members.remember_style(
            interaction.user.id,
            filename=attachment.filename,
            data=image.loaded(),
            size=image.size,
            ttl=settings.remembered_style_hours * 3600,
        )
        small = await asyncio.to_thread(thumbnail, image.loaded())
        embed = discord.Embed(
            title="Your style is set",
            colour=discord.Colour.green(),
            description=(
                f"Right-click any photo > **Apps > Stylize with my style** to paint it like this, "
                f"until <t:{int(remembered.expires_at)}:f>."
            ),
        )
        embed.set_thumbnail(url="attachment://style.jpg")
        await interaction.edit_original_response(
            embed=embed, attachments=[discord.File(io.BytesIO(small), "style.jpg")]
        )

    async def with_my_style(
        self, interaction: discord.Interaction[StyleBot], message: discord.Message
    ) -> None:
        """The picture as content, the remembered style, else the form to pick one."""
        if content := await _picture_or_refuse(interaction, message):
            await self._paint_or_ask(interaction, content)

    async def stylize_with(
        self, interaction: discord.Interaction[StyleBot], message: discord.Message
    ) -> None:
        """The form: a style from the gallery or the server's presets, or an upload."""
        if content := await _picture_or_refuse(interaction, message):
            await self._open_form(interaction, content)

    async def stylize_avatar(
        self, interaction: discord.Interaction[StyleBot], user: discord.User | discord.Member
    ) -> None:
        await self._paint_or_ask(interaction, avatar_of(user))

    # -- requests -----------------------------------------------------------------------------

    async def _paint_or_ask(
        self, interaction: discord.Interaction[StyleBot], content: Downloadable
    ) -> None:
        style = await self.bot.service.store.members.remembered_style(interaction.user.id)
        if style is None:
            await self._open_form(interaction, content)
            return
        given = InputImage.of(f"your style {style.filename}", style.data, style.size)
        await self._submit(interaction, [content], {}, styles=(given,))

    async def _submit(
        self,
        interaction: discord.Interaction[StyleBot],
        attachments: list[Downloadable],
        flags: dict[str, str],
        *,
        styles: tuple[InputImage, ...] = (),
    ) -> None:
        request = JobRequest(
            owner=interaction.user,
            guild=interaction.guild,
            channel_id=interaction.channel_id or 0,
            attachments=attachments,
            flags=flags,
            style_images=styles,
            filesize_limit=interaction.filesize_limit,
        )
        await self.bot.service.submit(
            request,
            InteractionReplier(interaction),
            before_download=lambda: interaction.response.defer(thinking=True),
        )

    async def _open_form(
        self, interaction: discord.Interaction[StyleBot], content: Downloadable
    ) -> None:
        self._forget_expired()
        token = secrets.token_hex(6)
        self.pending[token] = PendingForm(content)
        guild_id = interaction.guild.id if interaction.guild is not None else None
        options = style_options(
            favourites=await self._favourites(interaction.user.id),
            presets=await self.bot.service.store.presets.names(guild_id) if guild_id else [],
        )
        form = StyleForm(token, options, timeout=self.bot.settings.form_minutes * 60)
        form.submitted = self._form_submitted
        form.expired = lambda: self.pending.pop(token, None)
        await interaction.response.send_modal(form)

    async def _favourites(self, user_id: int) -> list[str]:
        return favourites(await self.bot.service.store.members.preferences(user_id))

    async def _form_submitted(
        self,
        interaction: discord.Interaction[StyleBot],
        token: str,
        style: str | None,
        upload: list[discord.Attachment],
        strength: str,
    ) -> None:
        form = self.pending.get(token)
        replier = InteractionReplier(interaction)
        if form is None or self._is_expired(form):
            await replier.refuse(EXPIRED)
            return
        flags: dict[str, str] = {}
        if style is not None:
            kind, _, name = style.partition(":")
            flags["preset" if kind == "preset" else "style"] = name
        if strength.strip():
            flags["style-weight"] = strength.strip()
        # Neither a style nor an upload: the photo alone, answered with a grid of styles.
        await self._submit(interaction, [form.content, *upload], flags)

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction[StyleBot]) -> None:
        """A form submitted after it expired (or from before a restart) gets an answer: the
        form itself is gone, so nothing else would answer it."""
        if interaction.type is not discord.InteractionType.modal_submit:
            return
        data: dict[str, object] = dict(interaction.data or {})
        custom_id = str(data.get("custom_id", ""))
        if not custom_id.startswith(FORM_PREFIX):
            return
        token = custom_id[len(FORM_PREFIX) :]
        if token not in self.pending:
            await interaction.response.send_message(EXPIRED, ephemeral=True)

    def _is_expired(self, form: PendingForm) -> bool:
        return time.monotonic() - form.opened > self.bot.settings.form_minutes * 60

    def _forget_expired(self) -> None:
        for token, form in list(self.pending.items()):
            if self._is_expired(form):
                del self.pending[token]


async def setup(bot: StyleBot) -> None:
    await bot.add_cog(ContextMenus(bot))

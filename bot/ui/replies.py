"""Where a job's messages go: the channel of a text command, or the slash command's interaction.

Both kinds post the job's status message and its result the same way through this interface,
so the job service does not care which kind of command started a job.
"""

from __future__ import annotations

import time
from typing import Any, Protocol

import discord

from bot.ui.boards import Boards
from bot.ui.pacing import ChannelPacer

# Interaction tokens last 15 minutes; past this age, post in the channel instead.
_TOKEN_LIFETIME = 14 * 60


class Replier(Protocol):
    async def send(self, **kwargs: Any) -> discord.Message: ...

    async def refuse(self, text: str) -> None: ...


class ChannelReplier:
    """Posts in a channel, paced, as a reply to the member's command message if there is one
    (and plainly if that message is gone). Given the channels' ``boards``, a refusal in a
    crowded channel goes onto its board instead of a message of its own."""

    def __init__(
        self,
        channel: discord.abc.Messageable,
        pacer: ChannelPacer,
        *,
        reply_to: int | None,
        boards: Boards | None = None,
        owner_id: int | None = None,
    ) -> None:
        self.channel = channel
        self.pacer = pacer
        self.reply_to = reply_to
        self.boards = boards
        self.owner_id = owner_id

    @classmethod
    def to_message(
        cls, message: discord.Message, pacer: ChannelPacer, boards: Boards | None = None
    ) -> ChannelReplier:
        return cls(
            message.channel, pacer, reply_to=message.id, boards=boards, owner_id=message.author.id
        )

    @property
    def channel_id(self) -> int:
        return getattr(self.channel, "id", 0)

    def crowded(self) -> bool:
        """Whether this request's first answer should go on the channel's board."""
        return self.boards is not None and self.boards.crowded(self.channel_id)

    async def send(self, **kwargs: Any) -> discord.Message:
        channel_id = self.channel_id
        await self.pacer.slot(channel_id)
        if self.reply_to is not None:
            kwargs["reference"] = discord.MessageReference(
                message_id=self.reply_to, channel_id=channel_id, fail_if_not_exists=False
            )
        return await self.channel.send(**kwargs)

    async def refuse(self, text: str) -> None:
        if self.crowded() and self.reply_to is not None and self.owner_id is not None:
            assert self.boards is not None
            self.boards.refuse_here(self.channel, self.owner_id, self.reply_to, text)
            return
        await self.send(content=text)


class InteractionReplier:
    """Answers a slash command, a context menu, a form or a button: through the interaction
    while its token lives, then in the channel, or in the member's DMs where the bot cannot
    post in the channel (a DM between others, a server where it is only user-installed)."""

    def __init__(self, interaction: discord.Interaction) -> None:
        self.interaction = interaction
        self.started = time.monotonic()
        self._original_used = False

    async def send(self, **kwargs: Any) -> discord.Message:
        if time.monotonic() - self.started < _TOKEN_LIFETIME:
            try:
                return await self._through_interaction({**kwargs})
            except discord.HTTPException as exc:
                if exc.status != 401:  # 401: the token expired sooner than we counted
                    raise
        return await self.outside(**kwargs)

    async def _through_interaction(self, kwargs: dict[str, Any]) -> discord.Message:
        interaction = self.interaction
        kwargs.pop("nonce", None)  # interaction answers cannot carry one
        if not interaction.response.is_done():
            await interaction.response.send_message(**kwargs)
            return await interaction.original_response()
        if self._deferred_open():
            self._original_used = True  # a deferred "thinking..." answer becomes this message
            if "file" in kwargs:
                kwargs["attachments"] = [kwargs.pop("file")]
            if "files" in kwargs:
                kwargs["attachments"] = kwargs.pop("files")
            return await interaction.edit_original_response(**kwargs)
        return await interaction.followup.send(wait=True, **kwargs)

    @property
    def in_bot_channel(self) -> bool:
        """Whether the bot itself may post where the member asked: a server it is in, or its
        own DM with the member (not a group DM, nor a server where it is only user-installed)."""
        context = self.interaction.context
        return context.dm_channel or (context.guild and self.interaction.is_guild_integration())

    async def outside(self, **kwargs: Any) -> discord.Message:
        """Past the token's life: the channel where the bot may post, else the member's DMs."""
        channel = self.interaction.channel
        if self.in_bot_channel and isinstance(channel, discord.abc.Messageable):
            return await channel.send(**kwargs)
        return await self.interaction.user.send(**kwargs)

    async def refuse(self, text: str) -> None:
        if self._deferred_open():
            self._original_used = True
            await self.interaction.edit_original_response(content=text)
        elif self.interaction.response.is_done():
            await self.interaction.followup.send(text, ephemeral=True)
        else:
            await self.interaction.response.send_message(text, ephemeral=True)

    def _deferred_open(self) -> bool:
        response_type = self.interaction.response.type
        deferred = response_type is discord.InteractionResponseType.deferred_channel_message
        return deferred and not self._original_used

"""The StyleBot client: a ``commands.Bot`` whose ``setup_hook`` wires everything together."""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands

from bot.endpoints import point_at
from bot.jobs.backends.base import Backend
from bot.jobs.buttons import Buttons
from bot.jobs.history import MemberHistory
from bot.jobs.service import JobService
from bot.looplag import LoopLagMonitor
from bot.observe.bot_side import outcome_of, readings, ready_checks
from bot.observe.metrics import BotMetrics
from bot.observe.server import ObserveServer
from bot.ratelimit import MemberRateLimit, SlowDown
from bot.settings import BotSettings
from bot.store import JobJournal, Store
from bot.ui.gallery import GalleryEntry, PageButton, entries_for
from bot.ui.history import HISTORY_BUTTONS
from bot.ui.replies import ChannelReplier
from bot.ui.views import (
    CancelButton,
    CancelMineButton,
    DeleteButton,
    InfoButton,
    MoreButton,
    PickButton,
    RerunButton,
)

log = logging.getLogger(__name__)

EXTENSIONS = (
    "bot.commands.stylize",
    "bot.commands.queue",
    "bot.commands.styleset",
    "bot.commands.gallery",
    "bot.commands.prefer",
    "bot.commands.context_menus",
    "bot.commands.history",
    "bot.commands.operator",
    "bot.observe.listeners",
)


def make_backend(settings: BotSettings, journal: JobJournal) -> Backend:
    """Worker processes behind Redis when a broker is set, else this process paints (the
    engine, and torch, are imported only then)."""
    if settings.broker_url is not None:
        from bot.jobs.backends.redis import RedisBackend

        return RedisBackend(settings.broker_url.get_secret_value(), settings, journal)
    from bot.jobs.backends.local import LocalBackend

    return LocalBackend(
        settings.devices,
        settings.workers_per_device,
        cpu_threads=settings.cpu_threads,
        preview_size=settings.preview_size,
        max_pixels=settings.max_pixels,
    )


class StyleTree(app_commands.CommandTree["StyleBot"]):
    async def interaction_check(self, interaction: discord.Interaction[StyleBot]) -> bool:
        """Every slash command (not autocomplete, not buttons) counts against the member's
        rate limit; over it, they are told privately and the command does not run."""
        if interaction.type is not discord.InteractionType.application_command:
            return True
        try:
            await interaction.client.rate_limit.check(interaction.user.id)
        except SlowDown as exc:
            if interaction.command is not None:
                interaction.client.metrics.commands.labels(
                    interaction.command.qualified_name, "refused"
                ).inc()
            await interaction.response.send_message(str(exc), ephemeral=True)
            return False
        return True

    async def on_error(
        self, interaction: discord.Interaction[StyleBot], error: app_commands.AppCommandError
    ) -> None:
        command = interaction.command
        if command is not None and not isinstance(command, commands.hybrid.HybridAppCommand):
            interaction.client.metrics.commands.labels(
                command.qualified_name, outcome_of(error)
            ).inc()
        await super().on_error(interaction, error)


class StyleBot(commands.AutoShardedBot):
    service: JobService
    buttons: Buttons
    history: MemberHistory

    def __init__(self, settings: BotSettings, *, message_content: bool | None = None) -> None:
        self.settings = settings
        self.metrics = BotMetrics()
        intents = discord.Intents.default()
        intents.message_content = (
            settings.message_content if message_content is None else message_content
        )
        super().__init__(
            command_prefix=commands.when_mentioned_or(settings.prefix),
            intents=intents,
            help_command=None,
            allowed_mentions=discord.AllowedMentions(
                everyone=False, roles=False, users=True, replied_user=False
            ),
            activity=discord.Game(name=f"{settings.prefix}stylize \u00b7 /stylize"),
            tree_cls=StyleTree,
            # Every command works in servers, in DMs with the bot and, installed to a member's
            # account, in group DMs and servers the bot is not in (server settings: servers only).
            allowed_contexts=app_commands.AppCommandContext(
                guild=True, dm_channel=True, private_channel=True
            ),
            allowed_installs=app_commands.AppInstallationType(guild=True, user=True),
            http_trace=self.metrics.http_trace(),  # counts Discord's 429s
            # Discord's recommended count unless the operator sets one; this process runs
            # shard_ids of them (all when unset), other processes the rest.
            shard_count=settings.shard_count,
            shard_ids=list(settings.shard_ids) or None,  # type: ignore[arg-type]  # Optional
        )
        self.rate_limit = MemberRateLimit(settings.command_rate, settings.command_window)
        self.add_check(self._text_rate_limit)
        self.loop_lag = LoopLagMonitor()
        self._session: aiohttp.ClientSession | None = None
        self.store: Store | None = None
        self.observe: ObserveServer | None = None
        point_at(settings)

    async def setup_hook(self) -> None:
        if not self.intents.message_content:
            log.warning(
                "Running without the message-content intent: text commands work only when "
                "they mention the bot (@StyleBot stylize ...); slash commands work as usual."
            )
        self.store = await Store.open(self.settings.database)
        if self.store.database.shared:  # other bot processes count the same members' commands
            self.rate_limit.shared = self.store.command_uses
        self._session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=120, sock_connect=15)
        )
        self.service = JobService(
            self.settings,
            self._session,
            self.store,
            make_backend(self.settings, self.store.journal),
            self.get_partial_messageable,
            self.loop_lag.snapshot,
            dm_for=lambda user_id: self.create_dm(discord.Object(user_id)),
            metrics=self.metrics,
        )
        self.buttons = Buttons(self.service, self.rate_limit, self.get_guild)
        self.history = MemberHistory(self.service, self.rate_limit)
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        self.add_dynamic_items(
            CancelButton,
            CancelMineButton,
            RerunButton,
            InfoButton,
            DeleteButton,
            PageButton,
            PickButton,
            MoreButton,
            *HISTORY_BUTTONS,
        )
        await self.service.start()
        self.loop_lag.start()
        self.metrics.watch(lambda: readings(self))
        if self.settings.metrics_addr:
            self.observe = ObserveServer(
                self.settings.metrics_addr, self.metrics.registry, ready_checks(self)
            )
            await self.observe.start()
        if self.settings.sync_commands:
            synced = await self.tree.sync()
            log.info("published %d application command(s)", len(synced))

    async def gallery_entries(self, guild_id: int | None) -> list[GalleryEntry]:
        """What ``/styles`` shows: the built-in styles, then this server's presets."""
        assert self.store is not None
        return await entries_for(guild_id, self.store.presets)

    async def _text_rate_limit(self, ctx: commands.Context[commands.Bot]) -> bool:
        if ctx.interaction is None:  # slash invocations are counted by the tree
            await self.rate_limit.check(ctx.author.id)
        return True

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        """Left (or removed from) a server: its data is purged after STYLEBOT_PURGE_AFTER_DAYS."""
        assert self.store is not None
        await self.store.departures.left(guild.id)
        log.info("left server %d; its data goes in %g day(s)", guild.id,
                 self.settings.purge_after_days)  # fmt: skip

    async def on_guild_join(self, guild: discord.Guild) -> None:
        assert self.store is not None
        await self.store.departures.returned(guild.id)

    async def on_ready(self) -> None:
        assert self.user is not None
        log.info("ready as %s (%d) in %d guild(s)", self.user, self.user.id, len(self.guilds))

    async def on_command_error(
        self, ctx: commands.Context[Any], error: commands.CommandError
    ) -> None:
        if isinstance(error, commands.HybridCommandError):
            error = error.original  # type: ignore[assignment]  # a slash invocation's error
        if isinstance(error, commands.CommandNotFound):
            return
        if isinstance(error, commands.UserInputError) and ctx.command is not None:
            usage = f"`{ctx.clean_prefix}{ctx.command.qualified_name} {ctx.command.signature}`"
            await ctx.reply(f"{error} Usage: {usage}", ephemeral=True, mention_author=False)
            return
        if isinstance(error, SlowDown) and not error.tell:
            return
        if isinstance(error, commands.CheckFailure | app_commands.CheckFailure):
            if ctx.interaction is None and hasattr(self, "service"):  # paced, or on a board
                service = self.service
                await ChannelReplier.to_message(ctx.message, service.pacer, service.boards).refuse(
                    str(error)
                )
                return
            await ctx.reply(str(error), ephemeral=True, mention_author=False)
            return
        log.error("command %s failed", ctx.command, exc_info=error)
        await ctx.reply(
            "Something went wrong with that command; please try again.",
            ephemeral=True,
            mention_author=False,
        )

    async def close(self) -> None:
        self.loop_lag.stop()
        if self.observe is not None:
            await self.observe.stop()
        if hasattr(self, "service"):
            await self.service.stop()
        if self._session is not None:
            await self._session.close()
        if self.store is not None:
            await self.store.close()
        await super().close()

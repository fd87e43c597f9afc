"""Point discord.py's REST client, gateway and avatar CDN at the configured URLs (a proxy, or a
test double).

discord.py reads both from class attributes; this is the one place that sets them.
"""

from __future__ import annotations

import discord.asset
import discord.gateway
import discord.http
import yarl

from bot.settings import BotSettings


def point_at(settings: BotSettings) -> None:
    discord.http.Route.BASE = settings.api_base.rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.gateway_url)
    discord.asset.Asset.BASE = settings.cdn_base.rstrip("/")

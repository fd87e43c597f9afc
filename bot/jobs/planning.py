"""From a request to a plan: a member's command checked against the server's settings, the
bot's limits and the queue before anything is downloaded; and the parameters of a re-run."""

from __future__ import annotations

import dataclasses
import io
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import discord
from PIL import Image

from bot.gallery import UnknownStyle, find
from bot.job import InputImage, Job
from bot.jobs.flags import RequestError, resolve_params
from bot.jobs.guild_config import GuildConfig, resolve
from bot.jobs.guild_keys import read_switch
from bot.jobs.inputs import Downloadable
from bot.jobs.preferences import with_preferences
from bot.jobs.queue import FairQueue, Place
from bot.settings import BotSettings
from bot.store import Store
from bot.text import code
from styleengine import ParamError, StyleParams
from styleengine.clips import ClipLimits

# Discord's multipart wrapping and the message text need room beside the file itself.
_UPLOAD_MARGIN = 256 * 1024
# The knob each re-run button changes.


@dataclass(frozen=True)
class JobRequest:
    """What a command collected: who asked, where, the attachments and the flags as text."""

    owner: discord.abc.User
    guild: discord.Guild | None
    channel_id: int
    attachments: Sequence[Downloadable]
    flags: dict[str, str]
    command_message_id: int | None = None  # the text command's message, replied to
    # Styles already in hand (the member's remembered style), after any named ones.
    style_images: tuple[InputImage, ...] = ()
    filesize_limit: int | None = None  # what Discord said this interaction may upload
    asked_at: float = dataclasses.field(default_factory=time.time)  # the job's created_at


@dataclass(frozen=True)
class GridPlan:
    """What a grid of styles needs from the request besides its photo."""

    flags: dict[str, str]
    preferences: dict[str, str]


@dataclass(frozen=True)
class Plan:
    """A request that may run: its parameters, who chose them, what to download."""

    config: GuildConfig
    params: StyleParams
    sources: dict[str, str]
    attachments: list[Downloadable]
    preset: tuple[str, InputImage] | None  # the preset's stored name and image
    gallery: tuple[str, InputImage] | None = None  # the built-in style's name and image
    style_images: tuple[InputImage, ...] = ()  # styles in hand, after the named ones
    timelapse: bool = False
    place: Place | None = None  # its place in the queue, held from the check to the queueing
    timelapse_asked: bool = False  # the member said --timelapse yes (not the server's default)
    # A photo alone: the member's flags (for the picture they pick from the grid) and their
    # preferences (their favourite styles come first); None for a picture.
    grid: GridPlan | None = None

    @property
    def clip_limits(self) -> ClipLimits:
        """How much of a GIF or video given as the photo is taken, on this server."""
        config = self.config
        return ClipLimits(
            frames=config.clip_frames, seconds=config.clip_seconds, side=config.clip_size
        )

    def for_clip(self, content: InputImage) -> Plan:
        """The plan for painting ``content``, a clip: at most the server's clip size, no
        timelapse (a clip's own frames are the animation); RequestError if one was asked for."""
        if self.timelapse_asked:
            raise RequestError(
                "`--timelapse` is for still pictures: a GIF or video comes back animated "
                "already. Ask again without it."
            )
        size = min(self.params.size, self.config.clip_size)
        sources = dict(self.sources)
        if size < self.params.size:
            sources["size"] = "clip"
        return dataclasses.replace(
            self, params=self.params.replace(size=size), sources=sources, timelapse=False
        )

    def images(self, downloaded: Sequence[InputImage]) -> list[InputImage]:
        """The job's images in order: the content, then the styles named, given, attached."""
        images = list(downloaded)
        named = [named[1] for named in (self.gallery, self.preset) if named is not None]
        images[1:1] = [*named, *self.style_images]
        return images


class Planner:
    def __init__(self, settings: BotSettings, store: Store, queue: FairQueue) -> None:
        self.settings = settings
        self.store = store
        self.queue = queue

    async def config_for(self, guild: discord.Guild | None) -> GuildConfig:
        stored = await self.store.guilds.get(guild.id) if guild is not None else {}
        return resolve(self.settings, stored)

    async def plan(self, request: JobRequest) -> Plan:
        """Everything about a request that can be checked before downloading its images
        (or RequestError, in words for the member)."""
        config = await self.config_for(request.guild)
        if not config.allows(request.channel_id):
            places = " ".join(f"<#{channel}>" for channel in sorted(config.channels))
            raise RequestError(f"On this server I paint in {places}; please ask me there.")
        flags = dict(request.flags)
        given = dict(flags)
        preset_name = flags.pop("preset", None)
        gallery_name = flags.pop("style", None)
        asked = flags.pop("timelapse", None)
        timelapse = timelapse_wanted(asked, config)
        preferences = await self.store.members.preferences(request.owner.id)
        params, sources = self.params_for(flags, config, preferences)
        preset = None
        if preset_name is not None:
            preset = await self._preset(request.guild, preset_name)
        gallery = _gallery(gallery_name) if gallery_name is not None else None
        attachments = list(request.attachments)
        named = (preset is not None) + (gallery is not None) + len(request.style_images)
        images = len(attachments)
        needed = 1 if named else 2
        styles = images - 1 + named
        grid = None
        if images == 1 and not named:  # a photo alone: a grid of built-in styles to pick from
            grid = GridPlan(given, preferences)
            styles, timelapse = 1, False  # the grid's tiles have one style each, no timelapse
        elif images < needed:
            raise RequestError(_missing_images(images, preset_name or gallery_name))
        if styles > self.settings.max_styles:
            counted = " (a named style counts as one)" if named else ""
            raise RequestError(
                f"That is {images + named} images; I take one content image and at most "
                f"{self.settings.max_styles} style images{counted}."
            )
        try:
            params.blend_weights(styles)
        except ParamError as exc:
            raise RequestError(f"`{exc}`") from exc
        server_id = request.guild.id if request.guild is not None else None
        place = self.queue.hold_place(  # before downloading, held until it is queued
            request.owner.id, per_user=config.user_limit, server_id=server_id
        )
        return Plan(
            config,
            params,
            sources,
            attachments,
            preset,
            gallery,
            request.style_images,
            timelapse,
            place,
            timelapse_asked=timelapse and asked is not None,
            grid=grid,
        )

    def params_for(
        self, flags: dict[str, str], config: GuildConfig, preferences: Mapping[str, str]
    ) -> tuple[StyleParams, dict[str, str]]:
        """A member's flags over their preferences over the server's settings, within its
        limits (or RequestError); with who chose each knob that was chosen."""
        base, preferred = with_preferences(config, preferences)
        params = resolve_params(
            base, flags, max_size=config.max_size, max_iterations=config.max_iterations
        )
        sources = {name: "server" for name in config.server_knobs}
        sources.update({name: "personal" for name in preferred})
        sources.update({key.replace("-", "_"): "member" for key in flags})
        return params, sources

    async def _preset(self, guild: discord.Guild | None, name: str) -> tuple[str, InputImage]:
        """The server's preset ``name``: its stored name and its image (or RequestError)."""
        if guild is None:
            raise RequestError("Style presets belong to a server; use `--preset` there.")
        key = name.strip().lower()
        preset = await self.store.presets.get(guild.id, key)
        if preset is None:
            names = [info.name for info in await self.store.presets.list(guild.id)]
            known = (
                "presets here: " + ", ".join(f"`{n}`" for n in names[:25])
                if names
                else "this server has none yet (admins add them with `styleset preset add`)"
            )
            raise RequestError(f"There is no style preset `{code(name)}`; {known}.")
        return key, InputImage.of(f"preset {key}", preset.data, preset.info.size)


def timelapse_wanted(text: str | None, config: GuildConfig) -> bool:
    if text is None:
        return config.timelapse
    value = read_switch(text)
    if value is None:
        raise RequestError(f"`--timelapse` takes `yes` or `no`, not `{code(text)}`.")
    return value


def _gallery(name: str) -> tuple[str, InputImage]:
    try:
        painting = find(name)
    except UnknownStyle as exc:
        raise RequestError(str(exc)) from exc
    data = painting.data()
    return painting.name, InputImage.of(f"style {painting.name}", data, _image_size(data))


def _image_size(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as image:
        return image.size


def new_job(request: JobRequest, images: Sequence[InputImage], plan: Plan) -> Job:
    return Job(
        owner_id=request.owner.id,
        owner_name=request.owner.display_name,
        guild_id=request.guild.id if request.guild is not None else None,
        channel_id=request.channel_id,
        content=images[0],
        styles=tuple(images[1:]),
        params=plan.params,
        upload_limit=upload_limit(request.guild, request.filesize_limit),
        sources=plan.sources,
        preset=plan.preset[0] if plan.preset else None,
        gallery=plan.gallery[0] if plan.gallery else None,
        timelapse=plan.timelapse,
        command_message_id=request.command_message_id,
        clip_note=_clip_note(images[0], plan),
    )


def _clip_note(content: InputImage, plan: Plan) -> str | None:
    if content.clip is None:
        return None
    config = plan.config
    note = content.clip.describe((config.clip_frames, config.clip_seconds))
    if plan.sources.get("size") == "clip":
        note += f"; painted at {plan.params.size} px, the largest for clips here"
    return note + "."


def upload_limit(guild: discord.Guild | None, declared: int | None = None) -> int:
    """The bytes a result may take: what the interaction declared, else the server's limit,
    else Discord's default; less room for the rest of the message."""
    limit = discord.utils.DEFAULT_FILE_SIZE_LIMIT_BYTES
    if declared:
        limit = declared
    elif guild is not None:
        limit = guild.filesize_limit
    return max(64 * 1024, limit - _UPLOAD_MARGIN)


def _missing_images(count: int, named: str | None) -> str:
    if named is not None:
        return f"With the style `{code(named)}`, attach one image: your photo."
    return (
        "I found no image. Attach your photo (content) and a second image, the style to "
        "paint it in; or your photo alone, and I show it in four built-in styles to pick "
        "from. You can also reply to a message holding the photo, or name a built-in style "
        "with `--style NAME` (`/styles` lists them) or a server preset with `--preset NAME`. "
        "`!stylize help` shows an example."
    )

"""A stylize job as the bot sees it: who asked, the validated inputs, the parameters, its state."""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import secrets
import time
from dataclasses import dataclass, field

from styleengine import CancelToken, EncodedImage, Progress, StyleParams


class JobState(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        return self in (JobState.DONE, JobState.FAILED, JobState.CANCELLED)


@dataclass(frozen=True)
class ClipSummary:
    """What was taken of a member's GIF or video when it came in (for the member's eyes)."""

    frames: int
    seconds: float  # of the clip painted
    trimmed: bool  # its end was cut at the server's limit
    thinned: bool  # its frame rate was lowered to the server's frame limit
    video: bool  # a video (the answer is a video too), not an animated picture

    def describe(self, limits: tuple[int, int]) -> str:
        """In words, with the server's (frames, seconds) limits where they cut it."""
        frames, seconds = limits
        text = f"{'Video' if self.video else 'Animated picture'}: {self.frames} frames, " \
            f"{self.seconds:.1f} s"  # fmt: skip
        cuts = []
        if self.trimmed:
            cuts.append(f"cut to the first {seconds} s")
        if self.thinned:
            cuts.append(f"frame rate lowered to fit {frames} frames")
        return text + (f" ({'; '.join(cuts)}: this server's limits)" if cuts else "")


@dataclass(frozen=True)
class InputImage:
    """An input downloaded and checked once when the job was asked for (CDN links expire). Its
    bytes travel with it until the job is in the journal; then it is *shelved* (``data`` is
    None) and they are read from the store by ``digest`` only while the job paints or is
    delivered, so that queued jobs wait on disk, not in memory."""

    name: str
    size: tuple[int, int]
    digest: str  # sha256 of the bytes: the store keeps them under it
    data: bytes | None = None
    clip: ClipSummary | None = field(default=None, compare=False)  # when it came in as a clip

    @classmethod
    def of(
        cls, name: str, data: bytes, size: tuple[int, int], clip: ClipSummary | None = None
    ) -> InputImage:
        return cls(name, size, hashlib.sha256(data).hexdigest(), data, clip)

    def shelved(self) -> InputImage:
        return dataclasses.replace(self, data=None)

    def loaded(self) -> bytes:
        """The bytes of an image not yet shelved (fresh from a download or the store)."""
        if self.data is None:
            raise ValueError(f"{self.name} is shelved: read it from the store by its digest")
        return self.data


@dataclass(frozen=True)
class GridChoice:
    """A job that paints a photo sent alone in several built-in styles at once, for its member
    to pick one (:mod:`bot.jobs.grid`)."""

    styles: tuple[str, ...]  # the gallery names of the tiles, in order (tile 1 first)
    start: int  # where the tiles start in the member's order of the gallery's styles
    flags: tuple[tuple[str, str], ...] = ()  # the member's flags, for the picture they pick

    def as_json(self) -> dict[str, object]:
        return {"styles": list(self.styles), "start": self.start, "flags": dict(self.flags)}

    @classmethod
    def from_json(cls, value: dict[str, object]) -> GridChoice:
        styles, start, flags = value["styles"], value["start"], value.get("flags", {})
        if not (isinstance(styles, list) and isinstance(start, int) and isinstance(flags, dict)):
            raise ValueError(f"not a grid: {value!r}")
        return cls(
            tuple(map(str, styles)), start, tuple((str(k), str(v)) for k, v in flags.items())
        )


@dataclass(frozen=True)
class JobInputs:
    """A job's images as bytes, read from the store for a run or a delivery."""

    content: bytes
    styles: tuple[bytes, ...]


@dataclass(frozen=True)
class Rendered:
    """The finished picture, encoded to fit the upload limit, and how it was made."""

    image: EncodedImage
    elapsed: float
    device: str
    precision: str
    frames: int = 0  # a painted clip's frames (its image a GIF, WebP or MP4); 0 for a still


TIMELAPSE_FRAMES = 24  # previews a job keeps for its timelapse (a run makes about a dozen)


def new_job_id() -> str:
    return secrets.token_hex(6)


@dataclass(eq=False)
class Job:
    owner_id: int
    owner_name: str
    guild_id: int | None
    channel_id: int
    content: InputImage
    styles: tuple[InputImage, ...]
    params: StyleParams
    upload_limit: int
    # Knobs someone chose, by name: "member" (their flags), "personal" (their /prefer) or "server";
    # the rest are the bot's defaults.
    sources: dict[str, str] = field(default_factory=dict)
    preset: str | None = None  # the server's style preset this job used, if any
    gallery: str | None = None  # the built-in style (bot.gallery) this job used, if any
    grid: GridChoice | None = None  # a grid of styles to choose from, not one picture
    timelapse: bool = False  # the member (or the server) wants the previews as an animation
    clip_note: str | None = None  # what was taken of a member's clip, said while it waits
    command_message_id: int | None = None  # the member's text command, replied to
    status_message_id: int | None = None
    id: str = field(default_factory=new_job_id)
    created_at: float = field(default_factory=time.time)
    attempts: int = 0  # times a worker started it (more than one after a restart)
    dispatch_key: str | None = None  # its run on the broker, when it was sent to a worker
    dispatches: int = 0  # runs sent to the broker (a new key for each: retried smaller, lost)
    resumed: bool = False  # picked up again from the journal after a restart
    restarted: bool = False  # a worker stopped while painting it and another one started over
    shrunk_from: int | None = None  # the size asked for, when memory ran out and it was retried
    undelivered: bool = False  # Discord refused the answer; the journal keeps it for later
    state: JobState = JobState.QUEUED
    position: int | None = None
    device: str | None = None
    progress: Progress | None = None  # the engine's latest report, its preview dropped
    preview: bytes | None = None  # latest preview as JPEG
    frames: list[bytes] = field(default_factory=list)  # the previews so far, for a timelapse
    result: Rendered | None = None
    error: str | None = None
    cancel: CancelToken = field(default_factory=CancelToken)
    cancelled_by: str | None = None

    @property
    def kind(self) -> str:
        """picture, grid or clip (a label for the metrics)."""
        if self.grid is not None:
            return "grid"
        return "clip" if self.content.clip is not None else "picture"


class Outcome(enum.StrEnum):
    """How a painter's run of a job ended."""

    PAINTED = "painted"
    CANCELLED = "cancelled"
    OUT_OF_MEMORY = "out_of_memory"
    FAILED = "failed"


@dataclass(frozen=True)
class RunResult:
    """A painter's answer for one run: the picture, or why there is none (words for the
    member in ``message``)."""

    outcome: Outcome
    rendered: Rendered | None = None
    message: str | None = None

"""A clip painted frame by frame without flicker: :func:`stylize_clip`, typed like
:func:`~styleengine.engine.stylize` (Ruder, Dosovitskiy and Brox, arXiv:1604.08610).

The first frame is painted as a still picture. Every later frame starts from the earlier frames'
pictures moved along the optical flow (:mod:`styleengine.flow`): each pixel from the nearest of
:data:`LONG_TERM` frames back whose motion explains it, else from the nearest frame where that
place looked the same, else filled in from around it; and it is held by a temporal term to what
the earlier frames showed, so strokes stay on the things they paint. It needs only
``frame_iterations`` at the finest scale. The paintings' features are read once for the clip.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image

from styleengine.clips import Clip
from styleengine.device import Placement, placement
from styleengine.errors import Cancelled
from styleengine.flow import STILL_TOLERANCE, FloatArray, fill_unseen, motion
from styleengine.images import DEFAULT_MAX_PIXELS, ImageInput, fit_long_side, load_image, resize
from styleengine.lockstep import Lockstep
from styleengine.memory import host_memory
from styleengine.objective import PaintingCache
from styleengine.params import ParamError, StyleParams
from styleengine.progress import CancelToken, Listener, Progress, ProgressCallback
from styleengine.run import JobRun, Result, WarmStart

# How many frames back a later frame looks for each pixel (Ruder et al.'s long-term
# consistency): a pixel the frame before did not see (behind an object that moved on) takes the
# nearest of these that saw it, so the background an object uncovers is the one painted before
# it passed, not the object smeared into a trail.
LONG_TERM = (1, 2, 4, 8)


@dataclass(frozen=True)
class ClipResult:
    frames: list[Image.Image]
    durations: list[int]  # milliseconds, as the clip given
    loop: int | None
    params: StyleParams
    iterations: int  # over all frames
    elapsed: float
    device: str
    precision: str
    reliable: list[float]  # per later frame, the share of its pixels the motion carried over


def stylize_clip(
    clip: Clip | Sequence[ImageInput],
    styles: Sequence[ImageInput],
    params: StyleParams | None = None,
    *,
    mask: ImageInput | None = None,
    device: str | torch.device | None = None,
    on_progress: ProgressCallback | None = None,
    progress_every: int = 10,
    preview_every: int = 0,
    preview_size: int = 256,
    cancel: CancelToken | None = None,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> ClipResult:
    """Paint every frame of ``clip`` (a :class:`~styleengine.clips.Clip`, or frames shown 100
    ms each) in the style of ``styles``. Progress, cancel, errors and ``mask`` as for
    :func:`~styleengine.engine.stylize`; the reports say which frame (``frame`` of ``frames``)
    and count iterations, time and ETA over the clip, as :class:`Cancelled` does; a preview,
    when due, is of the frame being painted."""
    params = params or StyleParams()
    if not isinstance(clip, Clip):
        frames = [load_image(f, max_pixels=max_pixels, name=f"frame {k + 1}")
                  for k, f in enumerate(clip)]  # fmt: skip
        clip = Clip(frames, [100] * len(frames), source_frames=len(frames))
    if not clip.frames:
        raise ParamError("frames", "a clip needs at least one frame")
    if any(f.size != clip.size for f in clip.frames):
        raise ParamError("frames", "every frame of a clip must have the same size")
    if not styles:
        raise ParamError("styles", "at least one style image is needed")
    paintings = [load_image(s, max_pixels=max_pixels, name=f"style image {i + 1}")
                 for i, s in enumerate(styles)]  # fmt: skip
    blend = params.blend_weights(len(paintings))
    mask_image = None
    if mask is not None:
        mask_image = load_image(mask, max_pixels=max_pixels, name="mask").convert("L")
    try:
        place = placement(device, params.precision)
    except ValueError as exc:
        raise ParamError("precision", str(exc)) from exc
    painter = _ClipPainter(clip, paintings, blend, mask_image, params, place, cancel)
    listening = (on_progress, progress_every, preview_every, preview_size)
    with host_memory.hold(
        params,
        clip.size,
        precision="bf16" if place.autocast_dtype is torch.bfloat16 else "fp32",
        styles=[p.size for p in paintings],
        check=place.device.type == "cpu",
    ):
        return painter.paint(*listening)


class _ClipPainter:
    def __init__(
        self,
        clip: Clip,
        paintings: list[Image.Image],
        blend: tuple[float, ...],
        mask: Image.Image | None,
        params: StyleParams,
        place: Placement,
        cancel: CancelToken | None,
    ) -> None:
        self.clip, self.paintings, self.blend, self.mask = clip, paintings, blend, mask
        self.params, self.place, self.cancel = params, place, cancel
        self.later = params.later_frames()
        size = fit_long_side(clip.size, params.size)
        self.photos = [resize(frame, size) for frame in clip.frames]
        self.total = params.clip_iterations(len(self.photos))
        # A later frame's share of the first's time: its pixel-iterations over the first's.
        pixel_its = sum(n * s * s for s, n in params.schedule())
        self.later_share = self.later.iterations * params.size**2 / pixel_its
        self.cache: PaintingCache = {}
        self.photo_levels = [_levels(photo) for photo in self.photos]
        self.painted_levels: list[FloatArray] = []
        self.started = time.perf_counter()
        self.frame_seconds: list[float] = []

    def paint(
        self,
        on_progress: ProgressCallback | None,
        every: int,
        preview_every: int,
        preview_size: int,
    ) -> ClipResult:
        painted: list[Image.Image] = []
        reliable: list[float] = []
        done = 0
        for k, photo in enumerate(self.photos):
            warm = None
            if k:
                warm, share = self._warm_start(k, painted)
                reliable.append(share)
            report = None if on_progress is None else self._reporter(k, done, on_progress)
            listener = Listener(report, every, preview_every, preview_size, self.cancel)
            params = self.later if k else self.params
            run = JobRun(params, self.place, photo, self.paintings, self.blend, self.mask,
                         listener, warm=warm, painting_cache=self.cache)  # fmt: skip
            frame_started = time.perf_counter()
            (outcome,) = Lockstep([run], self.place, graphs=True).paint()
            if isinstance(outcome, Cancelled):
                raise Cancelled(done + outcome.iteration, self.total)
            assert isinstance(outcome, Result)
            done += outcome.iterations
            self.frame_seconds.append(time.perf_counter() - frame_started)
            painted.append(outcome.image)
            self.painted_levels.append(_levels(outcome.image))
        return ClipResult(
            frames=painted,
            durations=list(self.clip.durations),
            loop=self.clip.loop,
            params=self.params,
            iterations=done,
            elapsed=time.perf_counter() - self.started,
            device=str(self.place.device),
            precision=self.place.precision,
            reliable=reliable,
        )

    def _warm_start(self, k: int, painted: list[Image.Image]) -> tuple[WarmStart, float]:
        """Where frame ``k`` starts and what the temporal term holds it to: each pixel from the
        nearest earlier frame (of :data:`LONG_TERM` frames back) that saw it, moved along the
        motion from there; a pixel none of them saw (a pan's new side) from the frame before,
        not held. With the share of pixels the frame before carries over."""
        photo = self.photos[k]
        covered = np.zeros(photo.size[::-1], dtype=np.float32)
        picture = np.zeros((*covered.shape, 3), dtype=np.float32)
        share = 0.0
        backs = [j for j in LONG_TERM if j <= k]
        for back in backs:
            moved = motion(self.photos[k - back], photo)
            warped = moved.warp(np.asarray(painted[k - back], dtype=np.float32) / 255.0)
            taken = moved.reliable * (1.0 - covered)
            picture += taken[..., None] * warped
            covered += taken
            if back == 1:
                share = float(moved.reliable.mean())
        self._still_places(k, picture, covered)
        picture = fill_unseen(picture, covered)
        start = torch.from_numpy(picture).permute(2, 0, 1).unsqueeze(0).clamp(0.0, 1.0)
        held = torch.from_numpy(covered)[None, None]
        device = self.place.device
        return WarmStart(start.to(device), held.to(device)), share

    def _still_places(self, k: int, picture: FloatArray, covered: FloatArray) -> None:
        """What the flow missed, from the nearest frame where that place looked as it does now
        (the background a moving object uncovers, as painted before the object came); in
        place, looking only at the pixels still to find."""
        todo = np.flatnonzero(covered.reshape(-1) < 1.0)
        now = self.photo_levels[k][todo]
        for back in range(1, k + 1):
            if todo.size == 0:
                return
            then = self.photo_levels[k - back][todo]
            still = np.abs(now - then).mean(-1) <= STILL_TOLERANCE
            found = todo[still]
            picture.reshape(-1, 3)[found] = self.painted_levels[k - back][found]
            covered.reshape(-1)[found] = 1.0
            todo, now = todo[~still], now[~still]

    def _reporter(
        self, k: int, done: int, on_progress: ProgressCallback
    ) -> Callable[[Progress], None]:
        """Frame ``k``'s reports as the clip's (``done``: iterations of the frames before)."""
        frames = len(self.photos)

        def report(progress: Progress) -> None:
            eta = None
            if progress.eta is not None:
                left = frames - 1 - k
                if len(self.frame_seconds) > 1:
                    later = sum(self.frame_seconds[1:]) / (len(self.frame_seconds) - 1)
                elif k == 0:
                    later = (progress.elapsed + progress.eta) * self.later_share
                else:
                    later = progress.elapsed + progress.eta
                eta = progress.eta + left * later
            on_progress(
                dataclasses.replace(
                    progress,
                    frame=k + 1,
                    frames=frames,
                    iteration=done + progress.iteration,
                    iterations=self.total,
                    elapsed=time.perf_counter() - self.started,
                    eta=eta,
                )
            )

        return report


def _levels(image: Image.Image) -> FloatArray:
    """``image``'s pixels as rows of RGB in 0..1, (H * W, 3)."""
    return np.asarray(image, dtype=np.float32).reshape(-1, 3) / 255.0

"""One picture's part of a run: its images, its pyramid, each scale's objective and starting
image, its previews and its :class:`Result`. The optimisation itself, which paints one picture
or a batch of them in lockstep, is :mod:`styleengine.lockstep`."""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from PIL import Image

from styleengine.color import transfer_luminance
from styleengine.device import Placement
from styleengine.encoders import encoder_for
from styleengine.errors import Cancelled
from styleengine.images import fit_long_side, resize
from styleengine.objective import Objective, PaintingCache, objective_at_scale
from styleengine.params import StyleParams
from styleengine.progress import Listener
from styleengine.reporter import Reporter
from styleengine.tensors import to_image, to_tensor
from styleengine.vgg import VGGEncoder


@dataclass(frozen=True)
class Result:
    image: Image.Image
    params: StyleParams
    iterations: int
    elapsed: float
    losses: dict[str, float]
    device: str
    precision: str
    history: list[float] = field(default_factory=list, repr=False)  # total loss per iteration


def encoder_of(params: StyleParams, place: Placement) -> VGGEncoder:
    """The network a picture with ``params`` is painted with on ``place`` (one per process and
    configuration: pictures that share it can share a batch)."""
    keep = tuple(sorted(name for name in wanted_layers(params) if name.startswith("conv")))
    return encoder_for(
        params.weights,
        params.pooling,
        params.deepest_layer,
        keep,
        str(place.device),
        place.autocast_dtype or torch.float32,
    )


def wanted_layers(params: StyleParams) -> frozenset[str]:
    return frozenset(name for name, _ in params.content_layers + params.style_layers)


@dataclass(frozen=True)
class WarmStart:
    """A clip's frame after the first: the frame before's picture moved along the motion onto
    this one (where it starts, and what the temporal term holds it to), and where the motion can
    be trusted; both (1, C, H, W) at the finest scale, on the run's device."""

    picture: torch.Tensor
    reliable: torch.Tensor


@dataclass(frozen=True)
class ScaleSetup:
    """One picture's part of a scale: the photo, the mask, the start and the objective."""

    content: torch.Tensor
    mask: torch.Tensor | None
    start: torch.Tensor
    objective: Objective


class JobRun:
    """The state of one picture while it is painted."""

    def __init__(
        self,
        params: StyleParams,
        place: Placement,
        content: Image.Image,
        styles: list[Image.Image],
        blend: tuple[float, ...],
        mask: Image.Image | None,
        listener: Listener,
        *,
        warm: WarmStart | None = None,
        painting_cache: PaintingCache | None = None,
    ) -> None:
        self.params = params
        self.place = place
        self.content = content
        self.styles = styles
        self.blend = blend
        self.mask = mask
        self.listener = listener
        self.warm = warm
        self.painting_cache = painting_cache
        self.wanted = wanted_layers(params)
        self.dtype = place.autocast_dtype or torch.float32
        self.encoder = encoder_of(params, place)
        self.sizes = [fit_long_side(content.size, s) for s in params.scale_sizes()]
        self.iterations = params.scale_iterations()
        self.generator = torch.Generator().manual_seed(params.seed)
        self.report = Reporter(
            listener.on_progress,
            listener.progress_every,
            listener.preview_every,
            listener.preview_size,
            self.sizes,
            self.iterations,
        )

    @property
    def cancelled(self) -> bool:
        return self.listener.cancel is not None and self.listener.cancel.cancelled

    def stopped(self) -> Cancelled:
        """What a cancelled run ends with: how far it got."""
        return Cancelled(self.report.done, self.report.total)

    def tensor(self, image: Image.Image, size: tuple[int, int]) -> torch.Tensor:
        return to_tensor(resize(image, size)).to(self.place.device)

    def features(self, image: torch.Tensor, wanted: frozenset[str]) -> dict[str, torch.Tensor]:
        with self.place.autocast():
            image = image.to(self.dtype).contiguous(memory_format=torch.channels_last)
            return self.encoder.forward(image, wanted)

    @torch.no_grad()
    def scale_setup(
        self, scale: int, size: tuple[int, int], previous: torch.Tensor | None
    ) -> ScaleSetup:
        """The photo at this scale, the mask (if any), where the picture starts (from the
        coarser scale's ``previous`` picture) and the objective."""
        self.place.claim(size[0] * size[1])
        content = self.tensor(self.content, size)
        pixel_mask = None if self.mask is None else self.tensor(self.mask, size)
        temporal = None
        if self.warm is None:
            start = self.initial(content, previous)
        else:
            start = _at(self.warm.picture, content)
            temporal = (start, _at(self.warm.reliable, content))
        # From coarse_content at the coarsest scale down to 1 at the finest, geometrically.
        finer = len(self.sizes) - 1 - scale
        boost = self.params.coarse_content ** (finer / max(1, len(self.sizes) - 1))
        objective = objective_at_scale(
            self.params,
            content,
            list(zip(self.blend, self.styles, strict=True)),
            place=self.tensor,
            encode=self.features,
            pixel_mask=pixel_mask,
            content_boost=boost,
            start=start,
            temporal=temporal,
            painting_cache=self.painting_cache,
        )
        return ScaleSetup(content, pixel_mask, start, objective)

    def initial(self, content: torch.Tensor, previous: torch.Tensor | None) -> torch.Tensor:
        """Where a scale starts: the coarser scale's picture brought up (with the photo's detail
        it could not hold), or at the first scale the photo blended with noise."""
        if previous is not None:
            up = F.interpolate(previous, size=content.shape[-2:], mode="bicubic", antialias=False)
            if self.params.detail_carry > 0:
                low = F.interpolate(content, size=previous.shape[-2:], mode="area")
                low = F.interpolate(low, size=content.shape[-2:], mode="bicubic")
                up = up + self.params.detail_carry * (content - low)
            return up.clamp(0.0, 1.0)
        noise = torch.rand(content.shape, generator=self.generator).to(content.device)
        a = self.params.init_noise
        return content * (1.0 - a) + noise * a

    def finish(self, image: torch.Tensor, content: torch.Tensor) -> Result:
        """The picture (1, 3, H, W) at the finest scale, as the caller gets it."""
        if self.params.preserve_color == "luminance":
            image = transfer_luminance(image, content)
        return Result(
            image=to_image(image),
            params=self.params,
            iterations=self.report.done,
            elapsed=self.report.elapsed,
            losses=self.report.last_losses,
            device=str(self.place.device),
            precision=self.place.precision,
            history=self.report.history,
        )

    def preview(self, x: torch.Tensor) -> Image.Image:
        image = x.detach()
        if self.params.preserve_color == "luminance":
            content = self.tensor(self.content, (x.shape[-1], x.shape[-2]))
            image = transfer_luminance(image, content)
        preview = to_image(image)
        long_side = min(self.report.preview_size, max(preview.size))
        return resize(preview, fit_long_side(preview.size, long_side))


def _at(image: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """``image`` at the size of ``like``, on its device."""
    image = image.to(like.device)
    if image.shape[-2:] == like.shape[-2:]:
        return image
    return F.interpolate(image, size=like.shape[-2:], mode="area")

"""The Gatys et al. optimiser: coarse-to-fine L-BFGS (or Adam) on the pixels of one image.

:func:`stylize` and the run's loop live here; each scale's objective is built by
:mod:`styleengine.objective`, the network comes from :mod:`styleengine.encoders`, and progress
goes out through :mod:`styleengine.reporter`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import cast

import torch
import torch.nn.functional as F
from PIL import Image

from styleengine.color import transfer_luminance
from styleengine.device import Placement, placement
from styleengine.encoders import encoder_for
from styleengine.errors import Cancelled, OutOfMemory
from styleengine.images import DEFAULT_MAX_PIXELS, ImageInput, fit_long_side, load_image, resize
from styleengine.memory import LBFGS_HISTORY, host_memory
from styleengine.objective import Objective, objective_at_scale
from styleengine.params import ParamError, StyleParams
from styleengine.progress import CancelToken, ProgressCallback
from styleengine.reporter import Reporter
from styleengine.tensors import to_image, to_tensor

CLOSURE_SCOPE = "stylize.closure"  # the profiler's name for one loss and gradient evaluation


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


def stylize(
    content: ImageInput,
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
) -> Result:
    """Paint ``content`` in the style of ``styles`` (blended by ``params.style_blend``).

    ``mask`` (white = stylise, black = keep the content) confines the style. ``on_progress`` is
    called every ``progress_every`` iterations and at the end of each scale, with a preview image
    every ``preview_every`` iterations (0: never). Raises :class:`Cancelled` within one iteration
    of ``cancel.cancel()``, :class:`OutOfMemory` when the device runs out of memory,
    :class:`~styleengine.images.ImageError` for bad images and
    :class:`~styleengine.params.ParamError` for parameters that do not fit the inputs.
    """
    params = params or StyleParams()
    if not styles:
        raise ParamError("styles", "at least one style image is needed")
    if progress_every < 1:
        raise ValueError("progress_every must be at least 1")
    blend = params.blend_weights(len(styles))
    content_img = load_image(content, max_pixels=max_pixels, name="content image")
    style_imgs = [
        load_image(s, max_pixels=max_pixels, name=f"style image {i + 1}")
        for i, s in enumerate(styles)
    ]
    mask_img = None
    if mask is not None:
        mask_img = load_image(mask, max_pixels=max_pixels, name="mask").convert("L")
    try:
        place = placement(device, params.precision)
    except ValueError as exc:
        raise ParamError("precision", str(exc)) from exc
    precision = "bf16" if place.autocast_dtype is torch.bfloat16 else "fp32"
    try:
        # On the CPU, a job that cannot fit the host's free memory is refused before it
        # starts (else the kernel kills the process); held until it ends.
        with host_memory.hold(params, content_img.size, precision=precision,
                              styles=[s.size for s in style_imgs],
                              check=place.device.type == "cpu"):  # fmt: skip
            run = _Run(params, place, content_img, style_imgs, blend, mask_img)
            return run.optimize(on_progress, progress_every, preview_every, preview_size, cancel)
    except OutOfMemory:
        raise
    except torch.OutOfMemoryError as exc:
        raise OutOfMemory(str(place.device)) from exc
    except RuntimeError as exc:
        if "can't allocate memory" in str(exc) or "out of memory" in str(exc):
            raise OutOfMemory(str(place.device)) from exc
        raise


class _Run:
    """The state of one stylize() call."""

    def __init__(
        self,
        params: StyleParams,
        place: Placement,
        content: Image.Image,
        styles: list[Image.Image],
        blend: tuple[float, ...],
        mask: Image.Image | None,
    ) -> None:
        self.params = params
        self.place = place
        self.content = content
        self.styles = styles
        self.blend = blend
        self.mask = mask
        self.wanted = frozenset(name for name, _ in params.content_layers + params.style_layers)
        keep = tuple(sorted(name for name in self.wanted if name.startswith("conv")))
        self.dtype = place.autocast_dtype or torch.float32
        self.encoder = encoder_for(
            params.weights,
            params.pooling,
            params.deepest_layer,
            keep,
            str(place.device),
            self.dtype,
        )
        self.sizes = [fit_long_side(content.size, s) for s in params.scale_sizes()]
        self.iterations = params.scale_iterations()
        self.generator = torch.Generator().manual_seed(params.seed)

    def _tensor(self, image: Image.Image, size: tuple[int, int]) -> torch.Tensor:
        return to_tensor(resize(image, size)).to(self.place.device)

    def _features(self, image: torch.Tensor, wanted: frozenset[str]) -> dict[str, torch.Tensor]:
        with self.place.autocast():
            image = image.to(self.dtype).contiguous(memory_format=torch.channels_last)
            return self.encoder.forward(image, wanted)

    @torch.no_grad()
    def _scale_setup(
        self, scale: int, size: tuple[int, int]
    ) -> tuple[torch.Tensor, torch.Tensor | None, Objective]:
        self.place.claim(size[0] * size[1])
        content = self._tensor(self.content, size)
        pixel_mask = None if self.mask is None else self._tensor(self.mask, size)
        # From coarse_content at the coarsest scale down to 1 at the finest, geometrically.
        finer = len(self.sizes) - 1 - scale
        boost = self.params.coarse_content ** (finer / max(1, len(self.sizes) - 1))
        objective = objective_at_scale(
            self.params,
            content,
            list(zip(self.blend, self.styles, strict=True)),
            place=self._tensor,
            encode=self._features,
            pixel_mask=pixel_mask,
            content_boost=boost,
        )
        return content, pixel_mask, objective

    def _initial(self, content: torch.Tensor, previous: torch.Tensor | None) -> torch.Tensor:
        if previous is not None:
            up = F.interpolate(previous, size=content.shape[-2:], mode="bicubic", antialias=False)
            if self.params.detail_carry > 0:
                # The photo's detail that the coarser scale could not hold.
                low = F.interpolate(content, size=previous.shape[-2:], mode="area")
                low = F.interpolate(low, size=content.shape[-2:], mode="bicubic")
                up = up + self.params.detail_carry * (content - low)
            return up.clamp(0.0, 1.0)
        noise = torch.rand(content.shape, generator=self.generator).to(content.device)
        a = self.params.init_noise
        return content * (1.0 - a) + noise * a

    def optimize(
        self,
        on_progress: ProgressCallback | None,
        progress_every: int,
        preview_every: int,
        preview_size: int,
        cancel: CancelToken | None,
    ) -> Result:
        self.report = Reporter(
            on_progress, progress_every, preview_every, preview_size, self.sizes, self.iterations
        )
        image: torch.Tensor | None = None
        content = torch.empty(0)
        for scale, size in enumerate(self.sizes):
            content, pixel_mask, objective = self._scale_setup(scale, size)
            x = self._initial(content, image)
            image = self._optimize_scale(scale, x, objective, content, pixel_mask, cancel)
        assert image is not None
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

    def _optimize_scale(
        self,
        scale: int,
        x: torch.Tensor,
        objective: Objective,
        content: torch.Tensor,
        pixel_mask: torch.Tensor | None,
        cancel: CancelToken | None,
    ) -> torch.Tensor:
        x = x.contiguous().requires_grad_(True)
        # A contiguous gradient buffer up front: the network runs channels_last, and L-BFGS
        # views the gradient flat.
        x.grad = torch.zeros_like(x)
        optimizer = self._optimizer(x)
        terms: dict[str, torch.Tensor] = {}

        def closure() -> torch.Tensor:
            with torch.profiler.record_function(CLOSURE_SCOPE):  # for bench/iteration_profile.py
                optimizer.zero_grad(set_to_none=False)
                losses = objective.forward(self._features(x, self.wanted), x)
                losses["total"].backward()  # type: ignore[no-untyped-call]
                terms.update({key: value.detach() for key, value in losses.items()})
                return losses["total"]

        keep = None if pixel_mask is None else 1.0 - pixel_mask  # where the content stays
        self.report.start_scale()
        for i in range(self.iterations[scale]):
            if cancel is not None and cancel.cancelled:
                raise Cancelled(self.report.done, self.report.total)
            # L-BFGS takes float() of the closure's loss itself; a tensor saves a sync elsewhere.
            optimizer.step(cast(Callable[[], float], closure))
            with torch.no_grad():
                x.clamp_(0.0, 1.0)
                if keep is not None:
                    x.lerp_(content, keep)
            self.report.iteration_done(scale, i, terms, lambda: self._preview(x))
        return x.detach()

    def _optimizer(self, x: torch.Tensor) -> torch.optim.Optimizer:
        if self.params.optimizer == "adam":
            return torch.optim.Adam([x], lr=self.params.learning_rate)
        # One iteration per step() so that cancellation and progress see every iteration;
        # the tolerances are off because a fixed iteration budget decides when to stop.
        return torch.optim.LBFGS(
            [x],
            lr=1.0,
            max_iter=1,
            history_size=LBFGS_HISTORY,
            tolerance_grad=-1.0,
            tolerance_change=-1.0,
        )

    def _preview(self, x: torch.Tensor) -> Image.Image:
        image = x.detach()
        if self.params.preserve_color == "luminance":
            content = self._tensor(self.content, (x.shape[-1], x.shape[-2]))
            image = transfer_luminance(image, content)
        preview = to_image(image)
        long_side = min(self.report.preview_size, max(preview.size))
        return resize(preview, fit_long_side(preview.size, long_side))

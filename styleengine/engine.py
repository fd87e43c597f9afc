"""The Gatys et al. optimiser: coarse-to-fine L-BFGS (or Adam) on the pixels of one image."""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from PIL import Image

from styleengine import color
from styleengine.device import Placement, placement
from styleengine.images import (
    DEFAULT_MAX_PIXELS,
    ImageInput,
    fit_long_side,
    load_image,
    resize,
    to_image,
    to_tensor,
)
from styleengine.losses import ContentLoss, StyleLoss, TVLoss, gram
from styleengine.params import ParamError, StyleParams
from styleengine.vgg import VGGEncoder
from styleengine.weights import load_weights

LBFGS_HISTORY = 50


@dataclass(frozen=True)
class Progress:
    """A snapshot handed to ``on_progress``: where the run is and how it is doing."""

    scale: int  # 1-based index into the pyramid
    scales: int
    size: tuple[int, int]  # (width, height) at this scale
    iteration: int  # 1-based, over all scales
    iterations: int
    losses: dict[str, float]  # content, style, tv, total
    elapsed: float  # seconds
    eta: float | None  # seconds left, None until measurable
    preview: Image.Image | None = None

    @property
    def loss(self) -> float:
        return self.losses["total"]

    @property
    def fraction(self) -> float:
        return self.iteration / self.iterations


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


class CancelToken:
    """Thread-safe flag; the optimiser checks it before every iteration."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()


class Cancelled(Exception):  # noqa: N818 - reads as "raise Cancelled"
    """The run was cancelled; ``iteration`` is how far it got."""

    def __init__(self, iteration: int, iterations: int) -> None:
        super().__init__(f"cancelled at iteration {iteration} of {iterations}")
        self.iteration = iteration
        self.iterations = iterations


ProgressCallback = Callable[[Progress], None]


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
    of ``cancel.cancel()``, :class:`~styleengine.images.ImageError` for bad images and
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
    run = _Run(params, place, content_img, style_imgs, blend, mask_img)
    return run.optimize(on_progress, progress_every, preview_every, preview_size, cancel)


@functools.lru_cache(maxsize=8)
def encoder_for(
    weights: str, pooling: str, deepest: str, keep: tuple[str, ...], device: str
) -> VGGEncoder:
    """A frozen encoder, built once per process for each configuration and device."""
    vgg = load_weights(weights)
    encoder = VGGEncoder(vgg.convs, vgg.normalize(), deepest=deepest, pooling=pooling, keep=keep)
    return encoder.to(device=device, memory_format=torch.channels_last)


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
        self.content_layers = dict(params.content_layers)
        self.style_layers = dict(params.style_layers)
        self.wanted = frozenset(self.content_layers) | frozenset(self.style_layers)
        keep = tuple(sorted(name for name in self.wanted if name.startswith("conv")))
        self.encoder = encoder_for(
            params.weights, params.pooling, params.deepest_layer, keep, str(place.device)
        )
        self.sizes = [fit_long_side(content.size, s) for s in params.scale_sizes()]
        self.iterations = params.scale_iterations()
        self.total = sum(self.iterations)
        self.generator = torch.Generator().manual_seed(params.seed)

    def _tensor(self, image: Image.Image, size: tuple[int, int]) -> torch.Tensor:
        return to_tensor(resize(image, size)).to(self.place.device)

    def _features(self, image: torch.Tensor, wanted: frozenset[str]) -> dict[str, torch.Tensor]:
        with self.place.autocast():
            return self.encoder(image.contiguous(memory_format=torch.channels_last), wanted)

    @torch.no_grad()
    def _scale_setup(
        self, size: tuple[int, int]
    ) -> tuple[torch.Tensor, torch.Tensor | None, dict[str, ContentLoss], dict[str, StyleLoss]]:
        content = self._tensor(self.content, size)
        content_feats = self._features(content, self.wanted)
        content_losses = {name: ContentLoss(content_feats[name]) for name in self.content_layers}
        pixel_mask = None
        layer_masks: dict[str, torch.Tensor | None] = dict.fromkeys(self.style_layers)
        if self.mask is not None:
            pixel_mask = self._tensor(self.mask, size)
            for name in self.style_layers:
                layer_masks[name] = F.interpolate(
                    pixel_mask, size=content_feats[name].shape[-2:], mode="area"
                )
        style_long = max(16, round(max(size) * self.params.style_scale))
        targets: dict[str, torch.Tensor] = {}
        for weight, style in zip(self.blend, self.styles, strict=True):
            style_t = self._tensor(style, fit_long_side(style.size, style_long))
            if self.params.preserve_color == "histogram":
                style_t = color.match_histogram(style_t, content)
            feats = self._features(style_t, frozenset(self.style_layers))
            for name in self.style_layers:
                g = gram(feats[name]) * weight
                targets[name] = targets[name] + g if name in targets else g
        style_losses = {
            name: StyleLoss(targets[name], layer_masks[name]) for name in self.style_layers
        }
        return content, pixel_mask, content_losses, style_losses

    def _initial(self, content: torch.Tensor, previous: torch.Tensor | None) -> torch.Tensor:
        if previous is not None:
            up = F.interpolate(previous, size=content.shape[-2:], mode="bicubic", antialias=False)
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
        p = self.params
        tv = TVLoss()
        started = time.perf_counter()
        work = [n * w * h for n, (w, h) in zip(self.iterations, self.sizes, strict=True)]
        done_iterations = 0
        history: list[float] = []
        terms: dict[str, torch.Tensor] = {}
        image: torch.Tensor | None = None
        content = torch.empty(0)
        for k, (size, n_iter) in enumerate(zip(self.sizes, self.iterations, strict=True)):
            content, pixel_mask, content_losses, style_losses = self._scale_setup(size)
            x = self._initial(content, image).contiguous().requires_grad_(True)
            # A contiguous gradient buffer up front: the network runs channels_last, and
            # L-BFGS needs to view the gradient flat.
            x.grad = torch.zeros_like(x)
            optimizer = self._optimizer(x)
            c_norm = sum(self.content_layers.values()) or 1.0
            s_norm = sum(self.style_layers.values()) or 1.0

            def closure(
                x: torch.Tensor = x,
                optimizer: torch.optim.Optimizer = optimizer,
                content_losses: dict[str, ContentLoss] = content_losses,
                style_losses: dict[str, StyleLoss] = style_losses,
            ) -> torch.Tensor:
                optimizer.zero_grad(set_to_none=False)
                feats = self._features(x, self.wanted)
                c = sum(
                    self.content_layers[n] * loss(feats[n]) for n, loss in content_losses.items()
                )
                s = sum(self.style_layers[n] * loss(feats[n]) for n, loss in style_losses.items())
                t = tv(x)
                total = p.content_weight * c / c_norm + p.style_weight * s / s_norm
                total = total + p.tv_weight * t
                total.backward()
                terms.update(content=c.detach(), style=s.detach(), tv=t.detach(), total=total.detach())
                return total

            scale_started = time.perf_counter()
            for i in range(n_iter):
                if cancel is not None and cancel.cancelled:
                    raise Cancelled(done_iterations, self.total)
                optimizer.step(closure)
                with torch.no_grad():
                    x.clamp_(0.0, 1.0)
                    if pixel_mask is not None:
                        x.copy_(x * pixel_mask + content * (1.0 - pixel_mask))
                done_iterations += 1
                history.append(float(terms["total"]))
                last_of_scale = i == n_iter - 1
                wants_progress = done_iterations % progress_every == 0 or last_of_scale
                if on_progress is None or not wants_progress:
                    continue
                losses = {key: float(value) for key, value in terms.items()}
                rate = (time.perf_counter() - scale_started) / ((i + 1) * size[0] * size[1])
                remaining = (n_iter - i - 1) * size[0] * size[1] + sum(work[k + 1 :])
                wants_preview = preview_every > 0 and (
                    done_iterations % preview_every == 0 or done_iterations == self.total
                )
                preview = None
                if wants_preview:
                    preview = self._preview(x, preview_size)
                on_progress(
                    Progress(
                        scale=k + 1,
                        scales=len(self.sizes),
                        size=size,
                        iteration=done_iterations,
                        iterations=self.total,
                        losses=losses,
                        elapsed=time.perf_counter() - started,
                        eta=rate * remaining,
                        preview=preview,
                    )
                )
            image = x.detach()
            del optimizer
        assert image is not None
        if p.preserve_color == "luminance":
            image = color.transfer_luminance(image, content)
        return Result(
            image=to_image(image),
            params=p,
            iterations=done_iterations,
            elapsed=time.perf_counter() - started,
            losses={key: float(value) for key, value in terms.items()},
            device=str(self.place.device),
            precision=self.place.precision,
            history=history,
        )

    def _optimizer(self, x: torch.Tensor) -> torch.optim.Optimizer:
        if self.params.optimizer == "adam":
            return torch.optim.Adam([x], lr=self.params.learning_rate)
        # One iteration per step() so that cancellation and progress see every iteration;
        # the tolerances are off because a fixed iteration budget decides when to stop.
        return torch.optim.LBFGS(
            [x], lr=1.0, max_iter=1, history_size=LBFGS_HISTORY,
            tolerance_grad=-1.0, tolerance_change=-1.0,
        )

    def _preview(self, x: torch.Tensor, preview_size: int) -> Image.Image:
        image = x.detach()
        if self.params.preserve_color == "luminance":
            content = self._tensor(self.content, (x.shape[-1], x.shape[-2]))
            image = color.transfer_luminance(image, content)
        preview = to_image(image)
        return resize(preview, fit_long_side(preview.size, min(preview_size, max(preview.size))))

"""Several pictures painted as one batch: :func:`stylize_batch`, typed like
:func:`~styleengine.engine.stylize`, which is its batch of one.

Pictures batch when :func:`batch_key` says they share a pyramid (the sizes and iterations of
every scale: the photo's aspect and ``size``, ``iterations``, ``min_size``), a network
(weights, pooling, layers), an optimiser and a precision; everything else (paintings, weights,
blend, colour mode, style loss, mask, seed) is each picture's own. :func:`stylize_batch` sorts
what it is given into such groups and paints each group as one batch, one group after another;
a picture given later waits for the next call (a batch is formed when it starts and only
shrinks, as pictures are cancelled).

No picture fails because of its neighbours: a batch that runs out of memory, or fails in any
other way, is split in two and each half painted again from the start (its progress reports
start again too), down to the picture alone, whose failure is then its own. On the CPU each
picture's memory is held as it would be alone (:mod:`styleengine.memory`); a picture that does
not fit beside the others waits for the next batch of its group.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

import torch
from PIL import Image

from styleengine.device import Placement, placement
from styleengine.errors import Cancelled, OutOfMemory
from styleengine.images import DEFAULT_MAX_PIXELS, ImageInput, fit_long_side, load_image
from styleengine.lockstep import Lockstep
from styleengine.memory import host_memory
from styleengine.params import ParamError, StyleParams
from styleengine.progress import Listener
from styleengine.run import JobRun, Result, wanted_layers

log = logging.getLogger(__name__)

Outcome = Result | Exception  # a picture, or why there is none (Cancelled, OutOfMemory, ...)


@dataclass(frozen=True)
class Picture:
    """One picture to paint: what :func:`~styleengine.engine.stylize` takes, as data."""

    content: ImageInput
    styles: Sequence[ImageInput]
    params: StyleParams = field(default_factory=StyleParams)
    mask: ImageInput | None = None
    listener: Listener = field(default_factory=Listener)


def batch_key(params: StyleParams, content_size: tuple[int, int]) -> Hashable:
    """Pictures with equal keys can be painted in one batch."""
    return (
        tuple(fit_long_side(content_size, s) for s in params.scale_sizes()),
        params.scale_iterations(),
        params.optimizer,
        params.learning_rate if params.optimizer == "adam" else None,
        params.precision,
        params.weights,
        params.pooling,
        params.deepest_layer,
        tuple(sorted(wanted_layers(params))),
    )


@dataclass
class _Prepared:
    index: int
    picture: Picture
    content: Image.Image
    styles: list[Image.Image]
    mask: Image.Image | None
    blend: tuple[float, ...]
    place: Placement

    @property
    def key(self) -> Hashable:
        return batch_key(self.picture.params, self.content.size)


def stylize_batch(
    pictures: Sequence[Picture],
    *,
    device: str | torch.device | None = None,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    graphs: bool = True,
) -> list[Outcome]:
    """Paint every picture; for each, its :class:`Result` or the exception that stopped it
    (:class:`Cancelled`, :class:`OutOfMemory`, :class:`~styleengine.images.ImageError`,
    :class:`ParamError`, ...), in the order given. ``graphs``: on a CUDA device, replay each
    scale's iteration as a CUDA graph (the pictures are the same either way)."""
    if any(p.listener.progress_every < 1 for p in pictures):
        raise ValueError("progress_every must be at least 1")
    outcomes: list[Outcome | None] = [None] * len(pictures)
    groups: dict[Hashable, list[_Prepared]] = {}
    for index, picture in enumerate(pictures):
        try:
            item = _prepare(index, picture, device, max_pixels)
        except Exception as exc:  # the picture's own fault: bad images or parameters
            outcomes[index] = exc
            continue
        groups.setdefault(item.key, []).append(item)
    for group in groups.values():
        while group:
            group = _paint_what_fits(group, outcomes, graphs)
    assert all(o is not None for o in outcomes)
    return [o for o in outcomes if o is not None]


def _prepare(
    index: int, picture: Picture, device: str | torch.device | None, max_pixels: int
) -> _Prepared:
    params = picture.params
    if not picture.styles:
        raise ParamError("styles", "at least one style image is needed")
    blend = params.blend_weights(len(picture.styles))
    content = load_image(picture.content, max_pixels=max_pixels, name="content image")
    styles = [
        load_image(s, max_pixels=max_pixels, name=f"style image {i + 1}")
        for i, s in enumerate(picture.styles)
    ]
    mask = None
    if picture.mask is not None:
        mask = load_image(picture.mask, max_pixels=max_pixels, name="mask").convert("L")
    try:
        place = placement(device, params.precision)
    except ValueError as exc:
        raise ParamError("precision", str(exc)) from exc
    return _Prepared(index, picture, content, styles, mask, blend, place)


def _paint_what_fits(
    group: list[_Prepared], outcomes: list[Outcome | None], graphs: bool
) -> list[_Prepared]:
    """Paint as many of ``group`` as the host's memory holds at once; returns those left."""
    later: list[_Prepared] = []
    with contextlib.ExitStack() as holds:
        batch: list[_Prepared] = []
        for item in group:
            precision = "bf16" if item.place.autocast_dtype is torch.bfloat16 else "fp32"
            hold = host_memory.hold(
                item.picture.params,
                item.content.size,
                precision=precision,
                styles=[s.size for s in item.styles],
                check=item.place.device.type == "cpu",
            )
            try:
                holds.enter_context(hold)
            except OutOfMemory as exc:
                if batch:
                    later.append(item)
                else:
                    outcomes[item.index] = exc
                continue
            batch.append(item)
        if batch:
            _paint(batch, outcomes, graphs)
    return later


def _paint(batch: list[_Prepared], outcomes: list[Outcome | None], graphs: bool) -> None:
    failure = _paint_together(batch, outcomes, graphs)
    if failure is None:
        return
    if len(batch) == 1:
        outcomes[batch[0].index] = failure
        return
    # Out of the handler: its traceback held the failed batch's tensors.
    log.warning("a batch of %d failed (%s); painting it in two halves", len(batch), failure)
    if batch[0].place.device.type == "cuda":
        torch.cuda.empty_cache()
    half = len(batch) // 2
    _paint(batch[:half], outcomes, graphs)
    _paint(batch[half:], outcomes, graphs)


def _paint_together(
    batch: list[_Prepared], outcomes: list[Outcome | None], graphs: bool
) -> Exception | None:
    """Paint ``batch`` as one; the failure that stopped it, if one did."""
    try:
        runs = [
            JobRun(p.picture.params, p.place, p.content, p.styles, p.blend, p.mask,
                   p.picture.listener)
            for p in batch
        ]  # fmt: skip
        painted: list[Result | Cancelled] = Lockstep(runs, batch[0].place, graphs=graphs).paint()
    except Exception as exc:
        if len(batch) > 1:
            exc.__traceback__ = None  # its frames hold the batch's tensors: the halves need them
        return _as_out_of_memory(exc, batch[0].place)
    for item, outcome in zip(batch, painted, strict=True):
        outcomes[item.index] = outcome
    return None


def _as_out_of_memory(exc: Exception, place: Placement) -> Exception:
    """A device's own out-of-memory error as :class:`OutOfMemory`; anything else as it is."""
    if isinstance(exc, OutOfMemory):
        return exc
    if isinstance(exc, torch.OutOfMemoryError) or (
        isinstance(exc, RuntimeError)
        and ("can't allocate memory" in str(exc) or "out of memory" in str(exc))
    ):
        failure = OutOfMemory(str(place.device))
        failure.__cause__ = exc
        return failure
    return exc

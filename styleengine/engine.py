"""The Gatys et al. optimiser: coarse-to-fine L-BFGS (or Adam) on the pixels of one image.

:func:`stylize` paints one picture: a batch of one for :func:`~styleengine.batch.stylize_batch`.
Each picture's part of a run is :mod:`styleengine.run`, the iterations
:mod:`styleengine.lockstep`, each scale's objective :mod:`styleengine.objective`, and progress
goes out through :mod:`styleengine.reporter`.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from styleengine import batch
from styleengine.batch import Picture
from styleengine.images import DEFAULT_MAX_PIXELS, ImageInput
from styleengine.lockstep import CLOSURE_SCOPE
from styleengine.params import StyleParams
from styleengine.progress import CancelToken, Listener, ProgressCallback
from styleengine.run import Result

__all__ = ["CLOSURE_SCOPE", "Result", "stylize"]


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
    listener = Listener(on_progress, progress_every, preview_every, preview_size, cancel)
    picture = Picture(content, styles, params or StyleParams(), mask, listener)
    (outcome,) = batch.stylize_batch([picture], device=device, max_pixels=max_pixels)
    if isinstance(outcome, Exception):
        raise outcome
    return outcome

"""Neural style transfer (Gatys et al., arXiv:1508.06576) on VGG19, as a typed library.

The knobs, images, progress reports and errors import without torch, so that a front end which
only prepares and sends jobs (the bot behind a broker) never loads it; :func:`stylize`,
:class:`Result` and :func:`available_devices` load the engine when first used.
"""

from __future__ import annotations

from importlib import metadata
from typing import TYPE_CHECKING, Any

from styleengine.errors import Cancelled, OutOfMemory, WeightsError
from styleengine.images import EncodedImage, ImageError, encode_image, load_image, save_image
from styleengine.params import Knob, ParamError, StyleParams, knobs
from styleengine.progress import CancelToken, Listener, Progress

if TYPE_CHECKING:
    from styleengine.batch import Picture, batch_key, stylize_batch
    from styleengine.choices import Choices, grid_picture, stylize_choices
    from styleengine.device import available_devices
    from styleengine.engine import Result, stylize

try:
    __version__ = metadata.version("stylebot")
except metadata.PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "0+unknown"

_LAZY = {
    "stylize": "styleengine.engine",
    "Result": "styleengine.engine",
    "available_devices": "styleengine.device",
    "Picture": "styleengine.batch",
    "batch_key": "styleengine.batch",
    "stylize_batch": "styleengine.batch",
    "Choices": "styleengine.choices",
    "grid_picture": "styleengine.choices",
    "stylize_choices": "styleengine.choices",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'styleengine' has no attribute {name!r}")


__all__ = [
    "CancelToken",
    "Cancelled",
    "Choices",
    "EncodedImage",
    "ImageError",
    "Knob",
    "Listener",
    "OutOfMemory",
    "ParamError",
    "Picture",
    "Progress",
    "Result",
    "StyleParams",
    "WeightsError",
    "__version__",
    "available_devices",
    "batch_key",
    "encode_image",
    "grid_picture",
    "knobs",
    "load_image",
    "save_image",
    "stylize",
    "stylize_batch",
    "stylize_choices",
]

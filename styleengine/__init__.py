"""Neural style transfer (Gatys et al., arXiv:1508.06576) on VGG19, as a typed library."""

from styleengine.device import available_devices
from styleengine.engine import Cancelled, CancelToken, OutOfMemory, Progress, Result, stylize
from styleengine.images import EncodedImage, ImageError, encode_image, load_image, save_image
from styleengine.params import Knob, ParamError, StyleParams, knobs
from styleengine.weights import WeightsError

__all__ = [
    "CancelToken",
    "Cancelled",
    "EncodedImage",
    "ImageError",
    "Knob",
    "OutOfMemory",
    "ParamError",
    "Progress",
    "Result",
    "StyleParams",
    "WeightsError",
    "available_devices",
    "encode_image",
    "knobs",
    "load_image",
    "save_image",
    "stylize",
]

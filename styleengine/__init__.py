"""Neural style transfer (Gatys et al., arXiv:1508.06576) on VGG19, as a typed library."""

from styleengine.engine import Cancelled, CancelToken, Progress, Result, stylize
from styleengine.images import EncodedImage, ImageError, encode_image, load_image, save_image
from styleengine.params import Knob, ParamError, StyleParams, knobs
from styleengine.weights import WeightsError

__all__ = [
    "CancelToken",
    "Cancelled",
    "EncodedImage",
    "ImageError",
    "Knob",
    "ParamError",
    "Progress",
    "Result",
    "StyleParams",
    "WeightsError",
    "encode_image",
    "knobs",
    "load_image",
    "save_image",
    "stylize",
]

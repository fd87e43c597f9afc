"""The frozen VGG19 encoders, built once per process for each configuration, device and type."""

from __future__ import annotations

import functools

import torch

from styleengine.vgg import VGGEncoder
from styleengine.weights import load_weights


@functools.lru_cache(maxsize=8)
def encoder_for(
    weights: str,
    pooling: str,
    deepest: str,
    keep: tuple[str, ...],
    device: str,
    dtype: torch.dtype = torch.float32,
) -> VGGEncoder:
    """A frozen encoder cut after ``deepest``, channels_last, on ``device``.

    The weights are stored in the compute type: autocast would otherwise cast every frozen
    weight again on every forward pass (its cache covers only tensors that require grad).
    """
    vgg = load_weights(weights)
    encoder = VGGEncoder(vgg.convs, vgg.normalize(), deepest=deepest, pooling=pooling, keep=keep)
    encoder = encoder.to(device=device, dtype=dtype)
    return encoder.to(memory_format=torch.channels_last)

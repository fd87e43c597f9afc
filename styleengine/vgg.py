"""VGG19 convolutional feature extractor, truncated after the deepest layer in use."""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import nn

from styleengine.layers import LAYER_NAMES, conv_shapes


class Normalize(nn.Module):
    """Maps RGB pixels in 0..1 to what a set of weights was trained on."""

    mean: torch.Tensor
    std: torch.Tensor
    order: torch.Tensor

    def __init__(
        self, channel_order: tuple[int, int, int], mean: torch.Tensor, std: torch.Tensor
    ) -> None:
        super().__init__()
        # An index on the device: a list index would be copied there on every call, which a
        # CUDA graph cannot capture.
        self.register_buffer("order", torch.tensor(channel_order), persistent=False)
        self.register_buffer("mean", mean.view(1, 3, 1, 1))
        self.register_buffer("std", std.view(1, 3, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x.index_select(1, self.order) - self.mean) / self.std


class VGGEncoder(nn.Module):
    """Frozen VGG19 features; :meth:`forward` returns the requested layers' activations."""

    def __init__(
        self,
        convs: dict[str, tuple[torch.Tensor, torch.Tensor]],
        normalize: Normalize,
        *,
        deepest: str,
        pooling: str = "max",
        keep: Iterable[str] = (),
    ) -> None:
        super().__init__()
        self.normalize = normalize
        keep = set(keep) | {deepest}
        shapes = conv_shapes()
        layers: dict[str, nn.Module] = {}
        for name in LAYER_NAMES[: LAYER_NAMES.index(deepest) + 1]:
            if name.startswith("conv"):
                c_in, c_out = shapes[name]
                conv = nn.Conv2d(c_in, c_out, kernel_size=3, padding=1)
                weight, bias = convs[name]
                conv.weight.data.copy_(weight)
                assert conv.bias is not None
                conv.bias.data.copy_(bias)
                layers[name] = conv
            elif name.startswith("relu"):
                # In place saves memory unless the conv output feeding it is itself a feature.
                conv_name = "conv" + name[4:]
                layers[name] = nn.ReLU(inplace=conv_name not in keep)
            else:
                pool = nn.MaxPool2d if pooling == "max" else nn.AvgPool2d
                layers[name] = pool(kernel_size=2, stride=2)
        self.layers = nn.ModuleDict(layers)
        self.requires_grad_(False)
        self.eval()

    def forward(self, image: torch.Tensor, wanted: frozenset[str]) -> dict[str, torch.Tensor]:
        out: dict[str, torch.Tensor] = {}
        if not wanted:
            return out  # nothing asked: no pass through the network
        x = self.normalize(image)
        remaining = len(wanted)
        for name, layer in self.layers.items():
            x = layer(x)
            if name in wanted:
                out[name] = x
                remaining -= 1
                if remaining == 0:
                    break
        return out

"""Pictures to and from the (1, C, H, W) float tensors in 0..1 that the engine works on."""

from __future__ import annotations

import numpy as np
import torch
from PIL import Image


def to_tensor(image: Image.Image) -> torch.Tensor:
    """(1, 3, H, W) float tensor in 0..1 from an RGB (or L for masks: (1, 1, H, W)) image."""
    array = np.asarray(image, dtype=np.float32) / 255.0
    if array.ndim == 2:
        array = array[..., None]
    return torch.from_numpy(array).permute(2, 0, 1).unsqueeze(0).contiguous()


def to_image(tensor: torch.Tensor) -> Image.Image:
    array = tensor.detach().float().clamp(0, 1).mul(255).round().byte()
    return Image.fromarray(array[0].permute(1, 2, 0).cpu().numpy(), "RGB")

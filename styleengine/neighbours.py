"""Nearest-neighbour feature targets (Kolkin et al., "Neural Neighbor Style Transfer", 2022).

A Gram matrix says which features the painting has, and how often together; it does not say
which piece of the painting belongs where, so a picture can meet it with fine, faint texture.
Here each position of the picture is given a real piece of the painting as its target: at the
start of a scale, each feature vector of the picture is replaced by its nearest neighbour among
the painting's feature vectors (cosine distance, each set centred on its own mean), and the
term pulls the picture's features towards those targets (1 - cosine similarity, averaged over
positions). The targets are found once per scale, from the picture the scale starts with (the
photo at the coarsest one), so the search costs one matrix product per layer and scale, not one
per iteration.

The search is (picture positions x painting positions x channels): affordable at the deeper
layers (relu3_1 of a 512 px picture: 11k x 11k x 256, about 30 GFLOP, once), not at relu1_1,
so ``--style-loss nn`` uses these targets at ``NEIGHBOUR_LAYERS`` and the Gram terms elsewhere.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

NEIGHBOUR_LAYERS = frozenset({"relu3_1", "relu4_1"})
# The term is divided by this fixed scale, not by the photo's own distance as the Gram terms are:
# the photo is, by construction, close to targets found from its own features, so "1 at the
# photo" made the term too weak to move anything (measured on NNST's butterfly: the term stayed
# at 0.95 of its start). With 0.1 a layer's term counts about as much as a Gram layer's; 0.03
# overshot (content 0.95, edges 0.59 against 0.83 and 0.68).
SCALE = 0.1
# Similarities computed at once: a (picture positions x painting positions) block of at most
# this many fp32 values (256 MiB), however large the painting.
SEARCH_VALUES = 2**26


def _positions(features: torch.Tensor) -> torch.Tensor:
    """(1, C, H, W) -> (H*W, C) in fp32."""
    return features.float().flatten(2)[0].T


def _centred_unit(x: torch.Tensor) -> torch.Tensor:
    return F.normalize(x - x.mean(0, keepdim=True), dim=1)


def nearest(picture: torch.Tensor, paintings: list[torch.Tensor]) -> torch.Tensor:
    """Each position of ``picture`` (1, C, H, W) replaced by its nearest feature vector (centred
    cosine) among all positions of ``paintings`` (each (1, C, h, w)): (1, C, H, W), fp32."""
    pool = torch.cat([_positions(p) for p in paintings])  # (M, C)
    keys = _centred_unit(pool)
    queries = _centred_unit(_positions(picture))
    rows = max(1, SEARCH_VALUES // keys.shape[0])
    best = torch.cat([(chunk @ keys.T).argmax(1) for chunk in torch.split(queries, rows)])
    height, width = picture.shape[-2:]
    return pool[best].T.reshape(1, -1, height, width)


class NeighbourLoss(nn.Module):
    """1 - cosine similarity of the picture's features to the targets, averaged over (masked)
    positions, divided by ``SCALE``."""

    target: torch.Tensor
    scale: torch.Tensor

    def __init__(self, target: torch.Tensor, mask: torch.Tensor | None = None) -> None:
        super().__init__()
        self.register_buffer("target", F.normalize(target.detach().float(), dim=1))
        self.mask = mask
        self.register_buffer("scale", torch.full((), SCALE, device=target.device))

    def distance(self, features: torch.Tensor) -> torch.Tensor:
        cosine = (F.normalize(features.float(), dim=1) * self.target).sum(1, keepdim=True)
        if self.mask is None:
            return (1.0 - cosine).mean()
        return ((1.0 - cosine) * self.mask).sum() / self.mask.sum().clamp_min(1.0)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.distance(features) / self.scale

"""Motion between two frames of a clip, for painting it without flicker (Ruder, Dosovitskiy and
Brox, "Artistic style transfer for videos", arXiv:1604.08610).

Optical flow is OpenCV's DIS (dense inverse search: no learned weights, milliseconds a frame). A
pixel of the new frame is *reliable* where the flow back to the previous frame and the flow
forward from there agree (else it was hidden before: a disocclusion), where the flow does not
change sharply (a motion boundary) and where it comes from inside the previous frame; the
thresholds are Ruder et al.'s.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image

FloatArray = npt.NDArray[np.float32]

_PRESET = cv2.DISOPTICAL_FLOW_PRESET_MEDIUM
PHOTO_TOLERANCE = 0.08  # mean |RGB| difference (0..1) past which the flow does not explain a pixel
STILL_TOLERANCE = 0.03  # and under which a pixel has not changed at all (same place, no motion)


@dataclass(frozen=True)
class Motion:
    """How frame t came from frame t-1: for every pixel of t, where it was in t-1
    (``backward``, (H, W, 2) in pixels) and whether that can be trusted (``reliable``, (H, W),
    1 or 0)."""

    backward: FloatArray
    reliable: FloatArray

    def warp(self, previous: FloatArray) -> FloatArray:
        """``previous`` (H, W, C) moved along the motion onto frame t."""
        height, width = self.backward.shape[:2]
        grid_x, grid_y = np.meshgrid(np.arange(width, dtype=np.float32),
                                     np.arange(height, dtype=np.float32))  # fmt: skip
        return _remap(previous, grid_x + self.backward[..., 0], grid_y + self.backward[..., 1])


def _remap(image: FloatArray, map_x: FloatArray, map_y: FloatArray) -> FloatArray:
    # What comes from outside the frame (a pan's new side) is mirrored in from the edge: it
    # starts as painted texture rather than the edge's pixels smeared into streaks (the same
    # flicker, distances 1-2 % closer to a still's on the pan, bench/clip.py).
    warped = cv2.remap(image, map_x, map_y, cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT_101)
    return np.asarray(warped, dtype=np.float32).reshape(image.shape)


def grey(frame: Image.Image) -> npt.NDArray[np.uint8]:
    return np.asarray(frame.convert("L"), dtype=np.uint8)


def flow(source: npt.NDArray[np.uint8], target: npt.NDArray[np.uint8]) -> FloatArray:
    """For every pixel of ``source``, where it went in ``target`` ((H, W, 2), pixels)."""
    dis = cv2.DISOpticalFlow.create(_PRESET)
    found = np.zeros((*source.shape[:2], 2), dtype=np.float32)
    return np.asarray(dis.calc(source, target, found), dtype=np.float32)


def motion(previous: Image.Image, current: Image.Image) -> Motion:
    """The motion from ``previous`` to ``current`` (frames of one size)."""
    before, after = grey(previous), grey(current)
    backward = flow(after, before)
    forward = flow(before, after)
    height, width = backward.shape[:2]
    grid_x, grid_y = np.meshgrid(np.arange(width, dtype=np.float32),
                                 np.arange(height, dtype=np.float32))  # fmt: skip
    at_x, at_y = grid_x + backward[..., 0], grid_y + backward[..., 1]
    # The forward flow where each pixel was: going there and back again should end where it began.
    there = _remap(forward, at_x, at_y)
    round_trip = np.square(there + backward).sum(-1)
    scale = np.square(there).sum(-1) + np.square(backward).sum(-1)
    disoccluded = round_trip > 0.01 * scale + 0.5
    du_y, du_x = np.gradient(backward[..., 0])
    dv_y, dv_x = np.gradient(backward[..., 1])
    edge = du_x**2 + du_y**2 + dv_x**2 + dv_y**2 > 0.01 * np.square(backward).sum(-1) + 0.002
    outside = (at_x < 0) | (at_x > width - 1) | (at_y < 0) | (at_y > height - 1)
    # Where the earlier frame moved along the flow does not look like this one, the flow is
    # wrong there (it drags a moving object's motion onto the background it uncovers, which
    # would paint a trail behind the object).
    then = np.asarray(previous, dtype=np.float32) / 255.0
    now = np.asarray(current, dtype=np.float32) / 255.0
    unexplained = np.abs(_remap(then, at_x, at_y) - now).mean(-1) > PHOTO_TOLERANCE
    reliable = ~(disoccluded | edge | outside | unexplained)
    return Motion(backward, reliable.astype(np.float32))


def temporal_error(previous: FloatArray, current: FloatArray, motion: Motion) -> float:
    """Mean |current - warp(previous)| over the reliable pixels, in RGB levels 0..255
    (images (H, W, 3) in 0..1): how much a painted clip flickers between two frames."""
    difference = np.abs(current - motion.warp(previous)).mean(-1)
    weight = motion.reliable
    return float(255 * (difference * weight).sum() / max(1.0, float(weight.sum())))


def fill_unseen(picture: FloatArray, seen: FloatArray) -> FloatArray:
    """``picture`` (H, W, 3 in 0..1) with what no earlier frame saw (``seen`` 0) filled in from
    around it (OpenCV's Telea inpainting): the colours of its surroundings, for the optimiser to
    paint, rather than whatever the motion dragged there."""
    unseen = (seen < 0.5).astype(np.uint8)
    if not unseen.any():
        return picture
    levels = (np.clip(picture, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    filled = cv2.inpaint(levels, unseen, 3, cv2.INPAINT_TELEA)
    out = picture.copy()
    out[unseen.astype(bool)] = np.asarray(filled, dtype=np.float32)[unseen.astype(bool)] / 255.0
    return out

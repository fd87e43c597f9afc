import numpy as np
from PIL import Image

from styleengine.flow import motion, temporal_error


def _shifted(data_dir, dx):
    photo = Image.open(data_dir / "chelsea.jpg").convert("RGB")
    return photo.crop((40 + dx, 20, 40 + dx + 128, 20 + 96))


def test_a_pan_is_found_and_its_new_edge_is_unreliable(data_dir):
    before, after = _shifted(data_dir, 0), _shifted(data_dir, 4)  # the view moves 4 px right
    moved = motion(before, after)
    inner = moved.backward[16:-16, 16:-16]
    assert np.median(inner[..., 0]) == np.float32(4.0) or abs(np.median(inner[..., 0]) - 4) < 0.5
    assert abs(np.median(inner[..., 1])) < 0.5
    assert moved.reliable[:, -3:].mean() < 0.5  # came into view: nothing to hold it to
    assert moved.reliable[16:-16, 16:-16].mean() > 0.9


def test_warping_the_frame_before_gives_the_frame_after(data_dir):
    before, after = _shifted(data_dir, 0), _shifted(data_dir, 3)
    moved = motion(before, after)
    b = np.asarray(before, dtype=np.float32) / 255
    a = np.asarray(after, dtype=np.float32) / 255
    assert temporal_error(b, a, moved) < 4.0  # levels of 255, interpolation's blur
    assert np.abs(a - b).mean() * 255 > 3 * temporal_error(b, a, moved)  # unwarped: far worse

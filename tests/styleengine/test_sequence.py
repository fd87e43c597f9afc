import numpy as np
import pytest

from styleengine import (
    Cancelled,
    CancelToken,
    ParamError,
    Progress,
    StyleParams,
    load_image,
    stylize,
)
from styleengine.clips import Clip
from styleengine.flow import motion, temporal_error
from styleengine.images import fit_long_side, resize
from styleengine.sequence import stylize_clip
from tests.styleengine.clip_samples import pan

PARAMS = StyleParams(size=64, min_size=32, iterations=16, frame_iterations=4)


def _flicker(frames, photos):
    arrays = [np.asarray(f, dtype=np.float32) / 255 for f in frames]
    return np.mean(
        [
            temporal_error(arrays[k - 1], arrays[k], motion(photos[k - 1], photos[k]))
            for k in range(1, len(frames))
        ]
    )


def test_a_clip_flickers_far_less_than_its_frames_painted_alone(data_dir):
    frames = pan(data_dir, 4, size=(96, 64))
    style = load_image(data_dir / "starry_night.jpg")
    clip = Clip(frames, [80, 90, 100, 110], loop=2)
    result = stylize_clip(clip, [style], PARAMS)
    assert len(result.frames) == 4
    assert result.durations == [80, 90, 100, 110] and result.loop == 2
    assert result.frames[0].size == (64, 43)
    assert result.iterations == 16 + 3 * 4
    assert all(0.5 < share <= 1 for share in result.reliable)
    alone = [stylize(f, [style], PARAMS).image for f in frames]
    photos = [resize(f, fit_long_side(f.size, 64)) for f in frames]
    assert _flicker(result.frames, photos) < 0.5 * _flicker(alone, photos)


def test_progress_counts_frames_and_cancel_stops_the_clip(data_dir):
    frames = pan(data_dir, 3)
    style = load_image(data_dir / "the_scream.jpg")
    cancel = CancelToken()
    seen: list[Progress] = []

    def on_progress(progress: Progress) -> None:
        seen.append(progress)
        if progress.frame == 2:
            cancel.cancel()

    with pytest.raises(Cancelled) as stopped:
        stylize_clip(frames, [style], PARAMS, on_progress=on_progress, progress_every=1,
                     cancel=cancel)  # fmt: skip
    assert stopped.value.iterations == 16 + 2 * 4
    assert 16 < stopped.value.iteration < 16 + 2 * 4
    assert seen[0].frame == 1 and seen[-1].frame == 2
    assert {p.frames for p in seen} == {3}
    assert {p.iterations for p in seen} == {16 + 2 * 4}
    iterations = [p.iteration for p in seen]
    assert iterations == sorted(iterations)  # counted over the clip, not from 0 each frame
    assert seen[-1].eta is not None and seen[-1].eta > 0
    assert 0 < seen[-1].fraction < 1


def test_frames_of_changing_sizes_are_refused(data_dir):
    frames = pan(data_dir, 2)
    frames.append(frames[0].resize((40, 30)))
    with pytest.raises(ParamError, match="same size"):
        stylize_clip(frames, [data_dir / "the_scream.jpg"], PARAMS)


def test_the_background_an_object_uncovers_is_the_one_painted_before_it_passed(data_dir):
    from PIL import ImageDraw

    background = load_image(data_dir / "coffee.jpg").resize((64, 48))
    frames = []
    for k in range(6):  # a blue square crossing the still photo, 6 px a frame
        frame = background.copy()
        ImageDraw.Draw(frame).rectangle((2 + 6 * k, 18, 11 + 6 * k, 27), fill=(20, 60, 230))
        frames.append(frame)
    params = StyleParams(size=64, min_size=32, iterations=16, frame_iterations=4)
    result = stylize_clip(frames, [data_dir / "the_scream.jpg"], params)
    first, last = (np.asarray(result.frames[k], dtype=np.float32) for k in (0, 5))
    # Background in frame 0, under the square in frame 2, background again from frame 3 on.
    again = (slice(19, 27), slice(15, 19))
    kept = np.abs(last[again] - first[again]).mean()
    assert kept < 12  # levels of 255: the same strokes
    square = (slice(19, 27), slice(33, 41))  # where the square is in the last frame
    assert np.abs(last[square] - first[square]).mean() > 3 * kept  # what a change looks like

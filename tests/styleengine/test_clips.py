import io
import zipfile

import av
import pytest
from PIL import Image

from styleengine.clip_writer import encode_clip, save_clip
from styleengine.clips import ClipError, ClipLimits, is_animated, read_clip, select_frames
from tests.styleengine.clip_samples import empty_mp4, gif_bytes, mp4_bytes, pan


def test_a_gif_keeps_its_frames_timing_and_loop(data_dir):
    frames = pan(data_dir, 5)
    clip = read_clip(gif_bytes(frames, [40, 60, 80, 100, 120], loop=3))
    assert len(clip.frames) == 5
    assert clip.durations == [40, 60, 80, 100, 120]
    assert clip.loop == 3
    assert clip.size == (48, 32)
    assert clip.kind == "gif"
    assert not clip.trimmed and not clip.thinned
    assert all(f.mode == "RGB" for f in clip.frames)


def test_frames_shorter_than_20_ms_last_100_ms_as_in_browsers(data_dir):
    clip = read_clip(gif_bytes(pan(data_dir, 3), [10, 0, 50]))
    assert clip.durations == [100, 100, 50]


@pytest.mark.parametrize(("suffix", "kind"), [(".webp", "webp"), (".mp4", "video")])
def test_animated_webp_and_mp4_come_back_as_written(tmp_path, data_dir, suffix, kind):
    frames = pan(data_dir, 6)
    path = save_clip(frames, [90, 100, 110] * 2, tmp_path / f"clip{suffix}")
    clip = read_clip(path)
    assert clip.kind == kind
    assert len(clip.frames) == 6
    assert clip.size == (48, 32)
    # A video keeps no time for its last frame: it lasts as long as the one before.
    last = 110 if kind == "webp" else 100
    assert clip.durations == pytest.approx([90, 100, 110, 90, 100, last], abs=2)


def test_an_apng_is_a_clip(data_dir):
    buffer = io.BytesIO()
    frames = pan(data_dir, 4)
    frames[0].save(buffer, "PNG", save_all=True, append_images=frames[1:], duration=50)
    clip = read_clip(buffer.getvalue())
    assert (clip.kind, len(clip.frames), clip.durations) == ("apng", 4, [50] * 4)


def test_still_pictures_are_not_clips(data_dir):
    assert not is_animated(data_dir / "chelsea.jpg")
    assert not is_animated(b"not a picture")
    assert is_animated(gif_bytes(pan(data_dir, 2), [100, 100]))
    assert is_animated(mp4_bytes(pan(data_dir, 2)))


def test_frames_are_brought_down_to_the_painting_size(data_dir):
    frames = pan(data_dir, 3, size=(300, 200))
    clip = read_clip(gif_bytes(frames, [100] * 3), ClipLimits(side=96))
    assert clip.size == (96, 64)


def test_a_long_clip_is_trimmed_and_thinned_evenly():
    chosen = select_frames([100] * 200, ClipLimits(frames=10, seconds=4), more=False)
    assert chosen.trimmed and chosen.thinned
    assert chosen.keep == [0, 4, 8, 12, 16, 20, 24, 28, 32, 36]
    assert chosen.durations == [400] * 10  # each kept frame stands for four
    assert chosen.seconds == pytest.approx(4.0)


def test_a_gif_of_10000_frames_is_read_only_as_far_as_the_limits(data_dir):
    frames = [Image.new("RGB", (16, 16), (k % 256, k // 256, 0)) for k in range(10_000)]
    clip = read_clip(gif_bytes(frames, [100] * len(frames)), ClipLimits(frames=48, seconds=10))
    assert len(clip.frames) == 48
    assert clip.trimmed and clip.thinned
    assert clip.source_frames <= 101


def test_too_many_frames_within_the_time_limit_are_refused():
    frames = [Image.new("RGB", (16, 16), (k % 256, 0, 0)) for k in range(60)]
    with pytest.raises(ClipError, match="over 50 frames"):
        read_clip(gif_bytes(frames, [20] * 60), ClipLimits(scan_frames=50))


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"", "empty"),
        (b"<!doctype html><html><body>a video</body></html>", "not a video"),
        (b"PK\x03\x04" + b"\x00" * 100, "not a video"),
    ],
)
def test_what_is_not_a_clip_is_refused(data, fragment):
    with pytest.raises(ClipError, match=fragment):
        read_clip(data)


def test_a_zip_file_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("movie.mp4", b"\x00" * 1000)
    with pytest.raises(ClipError, match="not a video"):
        read_clip(buffer.getvalue())


def test_a_1x1_gif_is_too_small(data_dir):
    tiny = [Image.new("RGB", (1, 1), c) for c in ("red", "blue")]
    with pytest.raises(ClipError, match="too small"):
        read_clip(gif_bytes(tiny, [100, 100]))


def test_a_truncated_gif_is_refused(data_dir):
    data = gif_bytes(pan(data_dir, 6), [100] * 6)
    with pytest.raises(ClipError, match=r"damaged|truncated|no frames"):
        read_clip(data[: len(data) // 2])


def test_a_truncated_mp4_is_refused(data_dir):
    data = mp4_bytes(pan(data_dir, 6))
    with pytest.raises(ClipError):
        read_clip(data[: len(data) // 3])


def test_a_video_without_frames_or_without_a_video_stream_is_refused():
    with pytest.raises(ClipError, match=r"no video|no frames"):
        read_clip(empty_mp4())
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp4") as container:
        audio = container.add_stream("aac", rate=8000)
        frame = av.AudioFrame(format="fltp", layout="mono", samples=1024)
        for plane in frame.planes:
            plane.update(bytes(plane.buffer_size))
        frame.sample_rate, frame.pts = 8000, 0
        container.mux(audio.encode(frame))
        container.mux(audio.encode(None))
    with pytest.raises(ClipError, match="has no video in it"):
        read_clip(buffer.getvalue())


def test_a_clip_too_large_for_the_byte_limit_comes_smaller(data_dir):
    frames = pan(data_dir, 8, size=(192, 128))
    whole = encode_clip(frames, [100] * 8, formats=("gif",))
    fitted = encode_clip(frames, [100] * 8, formats=("gif",), max_bytes=len(whole.data) // 2)
    assert len(fitted.data) <= len(whole.data) // 2
    assert fitted.size[0] < 192
    assert Image.open(io.BytesIO(fitted.data)).n_frames == 8


def test_a_clip_that_fits_nowhere_is_an_error(data_dir):
    with pytest.raises(ClipError, match="does not fit"):
        encode_clip(pan(data_dir, 4), [100] * 4, formats=("gif",), max_bytes=100)


def test_a_folder_gets_one_png_per_frame(tmp_path, data_dir):
    out = save_clip(pan(data_dir, 3), [100] * 3, f"{tmp_path}/frames/")
    assert sorted(p.name for p in out.iterdir()) == [f"frame_000{k}.png" for k in range(3)]


def test_a_still_format_is_not_a_clip_output(tmp_path, data_dir):
    with pytest.raises(ClipError, match=r"\.gif, \.webp, \.mp4"):
        save_clip(pan(data_dir, 2), [100, 100], tmp_path / "out.png")

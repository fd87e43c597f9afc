import pytest
from PIL import Image

from styleengine.cli import main


def test_cli_writes_the_stylised_image(tmp_path, data_dir, capsys):
    out = tmp_path / "out.png"
    code = main(
        [
            str(data_dir / "coffee.jpg"),
            str(data_dir / "the_scream.jpg"),
            "-o",
            str(out),
            "--size",
            "48",
            "--min-size",
            "48",
            "--iterations",
            "5",
            "--quiet",
        ]
    )
    assert code == 0
    assert Image.open(out).size == (48, 32)
    assert "wrote" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        (["--size", "0"], "--size: '0' is not from 16 to 4096"),
        (["--optimizer", "sgd"], "--optimizer"),
        (["--style-blend", "1,2"], "2 weights for 1 style images"),
        (["--weights", "/nonexistent/vgg.pth"], "weights file not found"),
    ],
)
def test_bad_options_exit_non_zero_with_one_line(tmp_path, data_dir, capsys, extra, fragment):
    code = main(
        [
            str(data_dir / "coffee.jpg"),
            str(data_dir / "the_scream.jpg"),
            "-o",
            str(tmp_path / "o.png"),
            "--quiet",
            *extra,
        ]
    )
    err = capsys.readouterr().err.strip()
    assert code == 2 and fragment in err and len(err.splitlines()) == 1


def test_non_image_input_is_refused(tmp_path, data_dir, capsys):
    fake = tmp_path / "photo.png"
    fake.write_text("<html>not a picture</html>")
    code = main([str(fake), str(data_dir / "the_scream.jpg"), "-o", str(tmp_path / "o.png")])
    assert code == 2
    assert "content image is not in an image format" in capsys.readouterr().err


def _clip_args(content, style, out):
    return [str(content), str(style), "-o", str(out), "--size", "48", "--min-size", "48",
            "--iterations", "4", "--frame-iterations", "2", "--quiet"]  # fmt: skip


def test_a_gif_in_gives_a_painted_gif_with_its_timing(tmp_path, data_dir, capsys):
    from tests.styleengine.clip_samples import gif_bytes, pan

    clip = tmp_path / "cat.gif"
    clip.write_bytes(gif_bytes(pan(data_dir, 3), [70, 80, 90], loop=0))
    out = tmp_path / "out.gif"
    assert main(_clip_args(clip, data_dir / "the_scream.jpg", out)) == 0
    painted = Image.open(out)
    assert painted.n_frames == 3 and painted.size == (48, 32)
    assert [painted.seek(k) or painted.info["duration"] for k in range(3)] == [70, 80, 90]
    assert "3 frames" in capsys.readouterr().out


def test_a_clip_into_a_folder_and_into_an_mp4(tmp_path, data_dir):
    from styleengine.clips import read_clip
    from tests.styleengine.clip_samples import mp4_bytes, pan

    clip = tmp_path / "walk.mp4"
    clip.write_bytes(mp4_bytes(pan(data_dir, 2, size=(64, 48))))
    assert main(_clip_args(clip, data_dir / "the_scream.jpg", f"{tmp_path}/frames/")) == 0
    assert sorted(p.name for p in (tmp_path / "frames").iterdir()) == [
        "frame_0000.png",
        "frame_0001.png",
    ]
    assert main(_clip_args(clip, data_dir / "the_scream.jpg", tmp_path / "out.mp4")) == 0
    assert len(read_clip(tmp_path / "out.mp4").frames) == 2


@pytest.mark.parametrize(
    ("content", "output", "fragment"),
    [
        ("coffee.jpg", "out.gif", "is a still picture"),
        ("clip.gif", "out.png", "a clip is written as"),
    ],
)
def test_a_still_and_a_clip_need_their_own_outputs(tmp_path, data_dir, capsys, content, output,
                                                   fragment):  # fmt: skip
    from tests.styleengine.clip_samples import gif_bytes, pan

    (tmp_path / "clip.gif").write_bytes(gif_bytes(pan(data_dir, 2), [100, 100]))
    source = tmp_path / content if content == "clip.gif" else data_dir / content
    assert main(_clip_args(source, data_dir / "the_scream.jpg", tmp_path / output)) == 2
    assert fragment in capsys.readouterr().err

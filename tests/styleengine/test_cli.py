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

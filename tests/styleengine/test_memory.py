"""Memory per job on the CPU: the estimate's rules, and a job that cannot fit the host's free
memory refused before it starts (with what it needs and what is free), not killed later."""

from __future__ import annotations

import threading

import pytest

from styleengine import OutOfMemory, StyleParams, memory, stylize
from styleengine.memory import HostMemory, available_bytes, estimate_job_bytes, finest_pixels


@pytest.fixture
def free(monkeypatch, tmp_path):
    """Set what /proc/meminfo says is available (bytes); no container limit."""
    monkeypatch.setattr(memory, "CGROUP_LIMITS", ())

    def set_free(n: int) -> None:
        meminfo = tmp_path / "meminfo"
        meminfo.write_text(f"MemTotal:       99999999 kB\nMemAvailable:   {n // 1024} kB\n")
        monkeypatch.setattr(memory, "MEMINFO", meminfo)

    return set_free


def test_the_estimate_follows_the_finest_scales_pixels_and_history():
    square = estimate_job_bytes(StyleParams(size=512), (1000, 1000), precision="bf16")
    wide = estimate_job_bytes(StyleParams(size=512), (1000, 500), precision="bf16")
    double = estimate_job_bytes(StyleParams(size=1024), (1000, 1000), precision="bf16")
    assert finest_pixels(StyleParams(size=512), (1000, 500)) == 512 * 256
    assert wide < square < double
    assert 3.5 < (double - memory._FIXED_BYTES) / (square - memory._FIXED_BYTES) < 4.5
    assert estimate_job_bytes(StyleParams(size=512), (1, 1), precision="fp32") > square / 2
    # More iterations at the finest scale keep more L-BFGS history, up to its size.
    short = estimate_job_bytes(StyleParams(size=512, iterations=40), (9, 9), precision="bf16")
    long = estimate_job_bytes(StyleParams(size=512, iterations=400), (9, 9), precision="bf16")
    longer = estimate_job_bytes(StyleParams(size=512, iterations=1000), (9, 9), precision="bf16")
    assert short < long == longer
    adam = StyleParams(size=512, iterations=400, optimizer="adam")
    assert estimate_job_bytes(adam, (9, 9), precision="bf16") < long


def test_free_memory_is_read_from_the_kernel(free, monkeypatch, tmp_path):
    free(3 * 2**30)
    assert available_bytes() == 3 * 2**30
    monkeypatch.setattr(memory, "MEMINFO", tmp_path / "missing")
    assert available_bytes() is None  # not Linux: no refusal on a guess


def test_a_containers_memory_limit_counts_where_it_leaves_less(free, monkeypatch, tmp_path):
    free(8 * 2**30)  # the host has 8 GiB free
    v2, v1 = tmp_path / "v2", tmp_path / "v1"
    v2.mkdir(), v1.mkdir()
    (v2 / "memory.max").write_text("max\n")  # this cgroup sets no limit
    (v2 / "memory.current").write_text("123\n")
    (v1 / "limit").write_text(f"{2 * 2**30}\n")  # the container may use 2 GiB
    (v1 / "usage").write_text(f"{2**29}\n")  # and uses 0.5 of them
    limits = ((v2 / "memory.max", v2 / "memory.current"), (v1 / "limit", v1 / "usage"))
    monkeypatch.setattr(memory, "CGROUP_LIMITS", limits)
    assert available_bytes() == 2 * 2**30 - 2**29
    (v1 / "limit").write_text(f"{64 * 2**30}\n")  # a limit above what the host has free
    assert available_bytes() == 8 * 2**30


def test_a_job_that_does_not_fit_is_refused_saying_how_much_and_others_count(free):
    host = HostMemory()
    params = StyleParams(size=1024)
    need = estimate_job_bytes(params, (1024, 768), precision="bf16")
    free(need - 1)
    with pytest.raises(OutOfMemory) as caught, host.hold(params, (1024, 768), precision="bf16"):
        pass
    assert caught.value.foreseen and "size 1024 needs about" in caught.value.foreseen
    assert "GiB free" in str(caught.value)
    free(need * 3 // 2)
    # Fits alone, but not beside another like it.
    with (
        host.hold(params, (1024, 768), precision="bf16"),
        pytest.raises(OutOfMemory),
        host.hold(params, (1024, 768), precision="bf16"),
    ):
        pass
    with host.hold(params, (1024, 768), precision="bf16"):  # the first one's hold ended
        pass
    with host.hold(params, (1024, 768), precision="bf16", check=False):  # a GPU job: no check
        free(0)


def test_holds_are_counted_across_threads(free):
    host = HostMemory()
    params = StyleParams(size=256)
    free(10 * estimate_job_bytes(params, (256, 256), precision="fp32"))
    barrier = threading.Barrier(4)

    def job() -> None:
        with host.hold(params, (256, 256), precision="fp32"):
            barrier.wait(5)

    threads = [threading.Thread(target=job) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert host._held == 0


def test_stylize_refuses_before_it_starts(free, data_dir):
    free(50 * 2**20)  # 50 MiB: not even the fixed part of a job
    with pytest.raises(OutOfMemory) as caught:
        stylize(data_dir / "chelsea.jpg", [data_dir / "starry_night.jpg"], StyleParams(size=32),
                device="cpu")  # fmt: skip
    assert caught.value.foreseen and "this host has 0.0 GiB free" in caught.value.foreseen


def test_the_painting_counts_at_its_scaled_size_and_every_decoded_image_counts(free):
    painting = [(768, 480)]
    plain = estimate_job_bytes(StyleParams(size=512), (512, 512), precision="bf16", styles=painting)
    scaled = StyleParams(size=512, style_scale=4)
    big = estimate_job_bytes(scaled, (512, 512), precision="bf16", styles=painting)
    assert big > 4 * plain  # the painting read at 2048 px dwarfs the 512 px picture
    one = estimate_job_bytes(
        StyleParams(size=512), (512, 512), precision="bf16", styles=[(4000, 3000)]
    )
    three = estimate_job_bytes(
        StyleParams(size=512), (512, 512), precision="bf16", styles=[(4000, 3000)] * 3
    )
    assert three - one == 2 * 3 * 4000 * 3000  # each decoded painting held, read one at a time
    # Room for the plain job, not for the one whose painting is read at 4x: refused, saying so.
    free(2 * plain)
    host = HostMemory()
    with host.hold(StyleParams(size=512), (512, 512), precision="bf16", styles=painting):
        pass
    with (
        pytest.raises(OutOfMemory, match="size 512 with --style-scale 4 needs about"),
        host.hold(scaled, (512, 512), precision="bf16", styles=painting),
    ):
        pass


def test_neighbour_targets_count_their_search_and_their_targets():
    gram = StyleParams(size=1024)
    nn = gram.replace(style_loss="nn")
    plain = estimate_job_bytes(gram, (1024, 1024), precision="bf16")
    more = estimate_job_bytes(nn, (1024, 1024), precision="bf16")
    assert more - plain >= 1024 * 1024 * 96  # the picture's targets, at least
    # A painting read at 4x the picture's side: its vectors and the search dominate.
    big = estimate_job_bytes(nn.replace(style_scale=4), (1024, 1024), precision="bf16")
    assert big - estimate_job_bytes(gram.replace(style_scale=4), (1024, 1024), precision="bf16") > (
        16 * 1024 * 1024 * 192
    )

"""bench/gpu.py runs on the CPU too, and writes the figures it promises."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_gpu_benchmark_runs_on_the_cpu(tmp_path):
    out = tmp_path / "gpu.json"
    command = [
        sys.executable, str(ROOT / "bench" / "gpu.py"), "--device", "cpu", "--size", "64",
        "--jobs", "1", "4", "--iterations", "8", "--recipe-steps", "2", "--json", str(out),
    ]  # fmt: skip
    run = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    assert run.returncode == 0, run.stderr[-2000:]
    figures = json.loads(out.read_text())
    assert figures["size"] == 64 and figures["iterations"] == 8
    assert set(figures["pictures_per_min"]) == {"1", "4"}
    assert all(rate > 0 for rate in figures["pictures_per_min"].values())
    assert figures["single_s"] > 0 and figures["recipe_s"] > 0 and figures["peak_gib"] > 0
    assert set(figures["sequential_per_min"]) == {"4"}
    assert "profile of one batch of 4 jobs" in run.stdout

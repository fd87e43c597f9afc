"""The thread rule: each job painted at once on the CPU gets its share of the cores."""

from __future__ import annotations

import os

import pytest
import torch

from bot.painting.cores import share_cores


@pytest.fixture(autouse=True)
def _keep_threads():
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


def test_cpu_jobs_share_the_cores():
    cores = len(os.sched_getaffinity(0))
    assert share_cores(("cpu",), 1) == cores == torch.get_num_threads()
    assert share_cores(("cpu",), cores * 4) == 1 == torch.get_num_threads()
    if cores >= 2:
        assert share_cores(("cpu",), 2) == cores // 2 == torch.get_num_threads()


def test_an_operator_setting_wins():
    assert share_cores(("cpu",), 1, threads=1) == 1 == torch.get_num_threads()


def test_gpus_alone_leave_the_threads_alone():
    torch.set_num_threads(1)
    assert share_cores(("cuda:0", "cuda:1"), 2) is None
    assert torch.get_num_threads() == 1

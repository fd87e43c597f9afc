"""A device's batches: jobs that wait together are painted as one batch, each with its own
answer, progress and cancel; and a GPU's capacity planned from its free memory."""

import asyncio

from bot.job import Outcome
from bot.painting import batcher as batcher_module
from bot.painting.batcher import Batcher
from bot.painting.capacity import job_bytes, plan
from bot.painting.render import Order, Work
from styleengine import CancelToken, StyleParams

PARAMS = StyleParams(size=64, min_size=64, iterations=6)


def _work(data_dir, name: str, params: StyleParams = PARAMS, content: bytes | None = None) -> Work:
    return Work(
        job_id=name,
        content=content if content is not None else (data_dir / "chelsea.jpg").read_bytes(),
        styles=((data_dir / "starry_night.jpg").read_bytes(),),
        params=params,
        upload_limit=8 * 2**20,
        preview_size=64,
        max_pixels=10_000_000,
    )


async def test_jobs_that_wait_together_are_painted_as_one_batch(data_dir, batches):
    device = Batcher("cpu", size=4)
    reports: dict[str, list[int]] = {"a": [], "b": [], "c": []}
    cancel_c = CancelToken()
    cancel_c.cancel()  # asked to stop while it waits: it leaves before the batch starts

    def sink(name):
        return lambda progress, preview: reports[name].append(progress.iteration)

    orders = [
        Order(_work(data_dir, "a"), sink("a"), CancelToken()),
        Order(_work(data_dir, "b", PARAMS.replace(style_weight=30.0)), sink("b"), CancelToken()),
        Order(_work(data_dir, "c"), sink("c"), cancel_c),
        Order(_work(data_dir, "d", content=b"not a picture"), sink("a"), CancelToken()),
    ]
    results = await asyncio.wait_for(
        asyncio.gather(*(device.paint(order) for order in orders)), timeout=300
    )
    assert [r.outcome for r in results] == [
        Outcome.PAINTED,
        Outcome.PAINTED,
        Outcome.CANCELLED,
        Outcome.FAILED,
    ]
    assert batches == [3]  # a, b and c in one batch (c leaves at once); d never decodes
    assert "could not paint" in (results[3].message or "")
    assert reports["a"][-1] == reports["b"][-1] == PARAMS.iterations and reports["c"] == []
    assert results[0].rendered is not None and results[1].rendered is not None
    assert results[0].rendered.image.data != results[1].rendered.image.data
    assert device.load == 0


async def test_a_job_that_arrives_while_a_batch_paints_waits_for_the_next(
    data_dir, batches, monkeypatch
):
    monkeypatch.setattr(batcher_module, "GATHER", 0.0)
    device = Batcher("cpu", size=4)
    first = asyncio.create_task(device.paint(Order(_work(data_dir, "a"), lambda *_: None,
                                                   CancelToken())))  # fmt: skip
    while device.painting == 0 and not first.done():  # the first batch has started
        await asyncio.sleep(0.01)
    second = await asyncio.wait_for(
        device.paint(Order(_work(data_dir, "b"), lambda *_: None, CancelToken())), timeout=300
    )
    assert (await first).outcome == second.outcome == Outcome.PAINTED
    assert batches == [1, 1]


def test_a_gpu_plans_its_batches_and_sizes_from_its_free_memory():
    assert job_bytes(1024) == 4 * job_bytes(512)
    h200 = plan(130 * 2**30)
    assert h200.batch == 32 and h200.largest == 4096
    small = plan(4 * 2**30)  # a 4 GiB card: four jobs at 512 px, 1024 px at most
    assert small.batch == 4 and small.largest == 1024
    assert plan(4 * 2**30, batch=2).batch == 2
    assert plan(2**28).batch == 1 and plan(2**28).largest == 256

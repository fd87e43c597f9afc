"""The Prometheus metrics of the bot and of the worker processes (``stylebot_*``).

Each process keeps its own registry (a test may run several bots in one process, one after the
other). A picture's painting is counted once, by the process that paints it: the bot when it
paints in-process, else the worker; the bot counts the requests, the queue and the answers.
docs/operating.md lists every metric and what it says.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Iterator

import aiohttp
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from bot.job import Job, JobState

# Seconds: a small picture on a GPU takes under one, a large clip on a CPU many minutes.
PAINT_BUCKETS = (0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800)
WAIT_BUCKETS = (0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900, 3600)
SIZE_CLASSES = (256, 512, 768, 1024, 1536)
RATE_LIMIT_SCOPES = ("user", "shared", "global")  # Discord's X-RateLimit-Scope


def size_class(size: int) -> str:
    """A picture's longest side as a bounded label: the first class it fits, else the largest
    "+" (a member may ask for any size up to the ceiling; labels must stay few)."""
    for limit in SIZE_CLASSES:
        if size <= limit:
            return f"<={limit}"
    return f">{SIZE_CLASSES[-1]}"


class PaintMetrics:
    """What the process that paints counts: the paint time, iterations and outcomes."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.paint_seconds = Histogram(
            "stylebot_paint_seconds",
            "Seconds a painter took for one job (a grid or a clip counts once)",
            ["size", "device"],
            buckets=PAINT_BUCKETS,
            registry=registry,
        )
        self.iterations = Counter(
            "stylebot_iterations",
            "Optimiser iterations painted (a clip's: iterations times frames)",
            ["device"],
            registry=registry,
        )
        self.iterations_per_second = Gauge(
            "stylebot_iterations_per_second",
            "Iterations per second of the last job painted on the device",
            ["device"],
            registry=registry,
        )
        self.painted = Counter(
            "stylebot_paint_runs",
            "Runs ended by a painter, by outcome (painted, cancelled, out_of_memory, failed)",
            ["outcome"],
            registry=registry,
        )

    def painted_one(
        self, *, size: int, device: str, seconds: float, iterations: int, outcome: str
    ) -> None:
        self.painted.labels(outcome).inc()
        if outcome != "painted" or seconds <= 0:
            return
        self.paint_seconds.labels(size_class(size), device).observe(seconds)
        self.iterations.labels(device).inc(iterations)
        self.iterations_per_second.labels(device).set(iterations / seconds)


class BotMetrics:
    """The bot's metrics; :meth:`watch` adds the gauges read when Prometheus scrapes."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        registry = self.registry
        self.paint = PaintMetrics(registry)
        self.commands = Counter(
            "stylebot_commands",
            "Commands and button presses, by command and outcome (ok, refused, error)",
            ["command", "outcome"],
            registry=registry,
        )
        self.jobs = Counter(
            "stylebot_jobs",
            "Painting requests and jobs by kind (picture, grid, clip) and outcome: queued or "
            "refused when asked; done, failed or cancelled when answered",
            ["kind", "outcome"],
            registry=registry,
        )
        self.queue_wait = Histogram(
            "stylebot_queue_wait_seconds",
            "Seconds from a request to its painting starting",
            buckets=WAIT_BUCKETS,
            registry=registry,
        )
        self.job_seconds = Histogram(
            "stylebot_job_seconds",
            "Seconds from a request to its answer (waiting, painting and delivering)",
            ["size", "device"],
            buckets=WAIT_BUCKETS,
            registry=registry,
        )
        self.discord_429 = Counter(
            "stylebot_discord_rate_limited",
            "429 answers from Discord's REST API, by scope (user, shared, global)",
            ["scope"],
            registry=registry,
        )
        for scope in RATE_LIMIT_SCOPES:  # at 0 from the start: a rate() needs the series
            self.discord_429.labels(scope)

    def job_started(self, job: Job) -> None:
        if job.attempts == 1 and not job.resumed:  # a restart's wait is not the queue's
            self.queue_wait.observe(max(0.0, time.time() - job.created_at))

    def job_painted(self, job: Job, outcome: str) -> None:
        """A run painted in this process ended (the bot paints in process)."""
        rendered = job.result
        seconds = rendered.elapsed if rendered is not None else 0.0
        frames = rendered.frames if rendered is not None else 0
        self.paint.painted_one(
            size=job.params.size,
            device=job.device or "cpu",
            seconds=seconds,
            iterations=job.params.iterations * max(1, frames),
            outcome=outcome,
        )

    def job_ended(self, job: Job) -> None:
        """The member has their answer (or the job was dropped)."""
        self.jobs.labels(job.kind, str(job.state)).inc()
        if job.state is JobState.DONE:
            self.job_seconds.labels(size_class(job.params.size), job.device or "none").observe(
                max(0.0, time.time() - job.created_at)
            )

    def watch(self, read: Callable[[], Iterable[Metric]]) -> None:
        """Add gauges computed when scraped (queue depth, workers, latencies)."""
        self.registry.register(_Reading(read))

    def http_trace(self) -> aiohttp.TraceConfig:
        """A trace for discord.py's HTTP client that counts the 429s Discord answers."""
        trace = aiohttp.TraceConfig()

        async def on_request_end(
            session: aiohttp.ClientSession,
            context: object,
            params: aiohttp.TraceRequestEndParams,
        ) -> None:
            if params.response.status == 429:
                scope = params.response.headers.get("X-RateLimit-Scope", "user")
                if scope not in RATE_LIMIT_SCOPES:
                    scope = "other"
                self.discord_429.labels(scope).inc()

        trace.on_request_end.append(on_request_end)
        return trace


class _Reading(Collector):
    def __init__(self, read: Callable[[], Iterable[Metric]]) -> None:
        self._read = read

    def collect(self) -> Iterator[Metric]:
        yield from self._read()


def gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


def labelled_gauge(
    name: str, documentation: str, label: str, values: Iterable[tuple[str, float]]
) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, documentation, labels=[label])
    for key, value in values:
        if math.isfinite(value):
            family.add_metric([key], value)
    return family

"""The broker tests' real Redis and worker processes, for the worker's metrics."""

from tests.bot.broker.conftest import redis_server, workers

__all__ = ["redis_server", "workers"]

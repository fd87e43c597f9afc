"""Painting a job with the engine, shared by both painters: the bot's own threads (no broker)
and ``python -m bot.worker``: ``render`` (one run, its errors as answers for the member),
``slots`` (the devices free to take a job) and ``cores`` (the CPU's threads shared among them).

Nothing here imports discord; torch is loaded only where a job is painted."""

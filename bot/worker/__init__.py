"""The painter: runs jobs through the engine, in the bot's process or as ``python -m bot.worker``.

Nothing here imports discord."""

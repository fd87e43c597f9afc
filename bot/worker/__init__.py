"""The worker process (``python -m bot.worker``): takes runs from Redis (``serve``), paints them
and reports back (``painter``). It imports no discord and never opens the bot's database."""

"""Where jobs are painted: in the bot's own process (the embedded default) or by worker processes
behind Redis. Both offer the same :class:`~bot.jobs.backends.base.Backend`, so everything else
about a job takes one code path."""

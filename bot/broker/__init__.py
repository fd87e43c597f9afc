"""What the bot and its worker processes share through Redis: the queue (SAQ), the shape of a
task, and the keys where inputs, reports and outcomes live. Imports neither discord nor torch."""

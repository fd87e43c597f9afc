"""What the bot and its worker processes share through Redis: the queue (SAQ, its options) in
``queue``, where things live and for how long in ``keys``, and each thing that travels with both
of its halves: ``task`` (bot -> worker), ``progress`` and ``outcome`` (worker -> bot). Imports
neither discord nor torch."""

"""``python -m styleengine``: the command line (see :mod:`styleengine.cli`)."""

import sys

from styleengine.cli import main

sys.exit(main())

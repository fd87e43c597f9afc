import sys

from styleengine.cli import main

sys.exit(main())

"""``python -m simulation``: the gridgov command (:func:`simulation.cli.main`)."""

import sys

from .cli import main

sys.exit(main())

"""``python -m simulation``: the gridgov command (:func:`simulation.faces.cli.main`)."""

import sys

from .faces.cli import main

sys.exit(main())

"""``python -m simulation.faces.cli``: the gridgov command."""

import sys

from . import main

sys.exit(main())

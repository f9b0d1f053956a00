"""``python -m canvas_sim.validate``: see :func:`canvas_sim.validate.command.main`."""

import sys

from .command import main

sys.exit(main())

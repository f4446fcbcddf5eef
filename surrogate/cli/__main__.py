"""``python -m surrogate.cli``: the ``surrogate`` command."""

import sys

from . import main

sys.exit(main())

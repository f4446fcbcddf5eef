"""``python -m surrogate``: the ``surrogate`` command."""

import sys

from .cli import main

sys.exit(main())

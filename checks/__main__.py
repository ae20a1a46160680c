"""``python -m ordercheck.checks ...`` is the ``ordercheck`` command too."""

import sys

from .cli import main

sys.exit(main())

"""``python -m ordercheck ...`` is the ``ordercheck`` command."""

import sys

from ordercheck.checks.cli import main

sys.exit(main())

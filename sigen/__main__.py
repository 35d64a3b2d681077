"""``python -m sigen``: the same command line as the ``sigen`` script."""

import sys

from sigen.cli import main

sys.exit(main())

"""``python -m invcam.cli``."""

import sys

from invcam.cli.main import main

sys.exit(main())

"""``python -m aleppo_map.cli``."""

import sys

from aleppo_map.cli import main

sys.exit(main())

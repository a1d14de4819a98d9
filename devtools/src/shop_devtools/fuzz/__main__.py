"""`python -m shop_devtools.fuzz [--seed N] [--max-examples N] [--service NAME]`."""

import sys

from .cli import main

sys.exit(main(sys.argv[1:]))

"""`python -m shop_devtools.catalog write [--allow-breaking]` or `python -m shop_devtools.catalog check`."""

import sys

from .cli import main

sys.exit(main(sys.argv[1:]))

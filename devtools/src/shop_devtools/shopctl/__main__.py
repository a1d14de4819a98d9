"""`shopctl ...` / `python -m shop_devtools.shopctl ...` (also `make status`)."""

from __future__ import annotations

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())

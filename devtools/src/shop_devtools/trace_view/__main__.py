"""`python -m shop_devtools.trace_view --order <id> [--dir PATH] [--wait SECONDS]` (`make -s trace ORDER=<id>`).

An entry point of its own, apart from `python -m shop_devtools`: it needs none of the AWS libraries, so it answers
at once.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from shop_devtools.control import traces_dir

from .cli import run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make -s trace", description="One order's traces as a waterfall.")
    parser.add_argument("--order", required=True, help="the order id (attribute shop.order_id of its spans)")
    parser.add_argument("--dir", type=Path, default=traces_dir(), help="where the *.jsonl span files are")
    parser.add_argument("--wait", type=float, default=0.0, help="seconds to wait for the trace to stop growing")
    args = parser.parse_args(argv)
    return run(args.order, args.dir, args.wait)


if __name__ == "__main__":
    sys.exit(main())

"""`make -s token CUSTOMER=<id> [EMAIL=...] [PHONE=...]` (`python -m shop_devtools token --customer <id>`): a token of
the running dev issuer on stdout and nothing else, for `curl -H "Authorization: Bearer $TOKEN"`.

The issuer is the one `make start` / `make up` runs (its port from .local/run/ready.json), else the one on
DEV_ISSUER_PORT (8012), or `--issuer-url`. Errors go to stderr with a non-zero exit.
"""

from __future__ import annotations

import argparse
import os
import sys

from .client import DevIssuerClient, IssuerUnavailable, MintRefused
from .tokens import MAX_LIFETIME_SECONDS

__all__ = ["main", "running_issuer_url"]


def running_issuer_url() -> str:
    from shop_devtools.supervisor import read_ready  # the run state of `make start` / `make up`

    ready = read_ready() or {}
    ports = ready.get("ports")
    if isinstance(ports, dict) and "dev-issuer" in ports:
        return f"http://127.0.0.1:{ports['dev-issuer']}"
    return f"http://127.0.0.1:{os.environ.get('DEV_ISSUER_PORT', '8012')}"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="token", description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--customer", required=True, help="the customer id: the token's subject")
    parser.add_argument("--email", help="the verified e-mail claim (default <customer>@example.com)")
    parser.add_argument("--phone", help="a verified phone_number claim, E.164 (the order's phone contact)")
    parser.add_argument("--expires-in", type=int, default=3600, help=f"seconds, at most {MAX_LIFETIME_SECONDS}")
    parser.add_argument("--issuer-url", help="the dev issuer's base URL (default: the running one)")
    args = parser.parse_args(argv)
    if not args.customer:
        parser.error("name the customer: make -s token CUSTOMER=c-123")
    url = args.issuer_url or running_issuer_url()
    try:
        with DevIssuerClient(url) as issuer:
            token = issuer.mint(args.customer, email=args.email, phone=args.phone, expires_in=args.expires_in)
    except IssuerUnavailable as error:
        print(f"{error}: start the shop first (`make start` or `make up`)", file=sys.stderr)
        return 1
    except MintRefused as error:
        print(error, file=sys.stderr)
        return 1
    print(token)
    return 0

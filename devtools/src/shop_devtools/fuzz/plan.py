"""What the fuzz run does, as data: the services it fuzzes, schemathesis's configuration and command for each.

No process is started here (stack.py does that), so unit tests check every flag and binding.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

__all__ = [
    "ALLOWED_REFUSALS",
    "BEARER_VARIABLE",
    "DEFAULT_MAX_EXAMPLES",
    "DEFAULT_SEED",
    "EVENT_CONTRACT",
    "FUZZ_CUSTOMER",
    "FUZZ_EMAIL",
    "FUZZ_KNOBS",
    "FUZZ_PHONE",
    "HOOKS_MODULE",
    "KEY_VARIABLE",
    "LISTING_CURSOR",
    "TARGETS",
    "AllowedRefusal",
    "Credentials",
    "FuzzTarget",
    "schemathesis_command",
    "schemathesis_config",
]

DEFAULT_SEED = 20261215  # CI's: the same seed generates the same requests
DEFAULT_MAX_EXAMPLES = 25  # per operation and phase; the whole run fits in about 5 minutes on 2 cores

# The customer the run acts as: the one of the documents' examples, with the example contacts verified in its token,
# so the example order of POST /orders is accepted and the 201 path (and reading the order back) is fuzzed too.
FUZZ_CUSTOMER = "c-123"
FUZZ_EMAIL = "jane@example.com"
FUZZ_PHONE = "+15555550100"

# Secrets reach schemathesis through its environment (`${...}` in its configuration), never a file or argv.
BEARER_VARIABLE = "SHOP_FUZZ_BEARER_TOKEN"
KEY_VARIABLE = "SHOP_FUZZ_API_KEY"

# Every fuzzed order is one customer's: the abuse limits would turn most of the run into 429s, which tests nothing
# the limits' own tests do not (429 is documented, so one would not fail the run either). Lifted for the run.
FUZZ_KNOBS: dict[str, dict[str, str]] = {
    "order": {"ORDER_RATE_LIMIT_ORDERS": "100000"},
    "notifications": {"NOTIFICATIONS_DESTINATION_CAP_PER_HOUR": "1000"},
}


class Credentials(StrEnum):
    BEARER = "bearer"  # the customer's ID token, `Authorization: Bearer`
    API_KEY = "api_key"  # payment's EventBridge connection key, in its header
    NONE = "none"  # health only


@dataclass(frozen=True)
class AllowedRefusal:
    """A refusal of a schema-valid request, with its problem `codes`, for a reason no schema states exactly.

    schemathesis's positive_data_acceptance accepts the status for the operation; hooks.py fails any other code.
    """

    method: str
    path: str
    status: int
    codes: tuple[str, ...]


@dataclass(frozen=True)
class FuzzTarget:
    service: str
    credentials: Credentials
    allowed_refusals: tuple[AllowedRefusal, ...] = ()


# A cursor is opaque server state: one not handed out for this customer's listing is 422 `invalid_cursor`, whatever
# its shape.
LISTING_CURSOR = AllowedRefusal("GET", "/orders", 422, ("invalid_cursor",))
# An event's `detail` is checked by the order.created contract, whose lenient parsing no schema states exactly, so the
# document describes the event's frame and the contract decides the rest.
EVENT_CONTRACT = AllowedRefusal("POST", "/events", 422, ("invalid_event", "unsupported_event_type"))

TARGETS = (
    FuzzTarget("order", Credentials.BEARER, (LISTING_CURSOR,)),
    FuzzTarget("loyalty", Credentials.BEARER),
    FuzzTarget("notifications", Credentials.BEARER),
    FuzzTarget("payment", Credentials.API_KEY, (EVENT_CONTRACT,)),
    FuzzTarget("batch-worker", Credentials.NONE),
)
ALLOWED_REFUSALS = tuple(refusal for target in TARGETS for refusal in target.allowed_refusals)

HOOKS_MODULE = "shop_devtools.fuzz.hooks"
# schemathesis's own list (positive_data_acceptance), to which an allowed refusal adds its status.
_ACCEPTANCE_STATUSES = ("2xx", "3xx", "401", "403", "404", "409", "429", "5xx")

# Where a request names a customer, half the generated values are the token's subject and the rest anything the
# schema allows. Without it nearly every request would be another customer's (a documented 403) and the code past
# the ownership check, the 200s and 404s and their bodies, would never be reached.
_OWN_VALUES = {
    "path.customer_id": FUZZ_CUSTOMER,
    "query.customer_id": FUZZ_CUSTOMER,
    "body.customer_id": FUZZ_CUSTOMER,
}
_OWN_SHARE = 0.5


def schemathesis_config(target: FuzzTarget, *, api_key_header: str = "x-api-key") -> str:
    """schemathesis.toml for one service: its credentials (from the environment), bindings and allowances."""
    lines = [f"hooks = {_toml(HOOKS_MODULE)}"]
    if target.credentials is Credentials.BEARER:
        lines.append(f"headers = {{ Authorization = {_toml('Bearer ${' + BEARER_VARIABLE + '}')} }}")
        lines += ["", "[parameters]"]
        for parameter in _OWN_VALUES:
            name = _dictionary_name(parameter)
            lines.append(f"{_toml(parameter)} = {{ dictionary = {_toml(name)}, probability = {_OWN_SHARE} }}")
        for parameter, value in _OWN_VALUES.items():
            lines += ["", f"[dictionaries.{_dictionary_name(parameter)}]", f"values = [{_toml(value)}]"]
    elif target.credentials is Credentials.API_KEY:
        lines.append(f"headers = {{ {_toml(api_key_header)} = {_toml('${' + KEY_VARIABLE + '}')} }}")
    for refusal in target.allowed_refusals:
        statuses = ", ".join(_toml(status) for status in (*_ACCEPTANCE_STATUSES, str(refusal.status)))
        lines += [
            "",
            "[[operations]]",
            f"include-path = {_toml(refusal.path)}",
            f"include-method = {_toml(refusal.method)}",
            f"checks.positive_data_acceptance.expected-statuses = [{statuses}]",
        ]
    return "\n".join(lines) + "\n"


def schemathesis_command(
    base_url: str,
    config_file: Path,
    *,
    seed: int,
    max_examples: int,
    report_dir: Path,
    request_timeout: float = 30.0,
) -> list[str]:
    """`schemathesis run` with every check, one worker and no example database, so a seed replays exactly."""
    return [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(config_file),
        "run",
        f"{base_url}/openapi.json",
        "--checks",
        "all",
        "--seed",
        str(seed),
        "--max-examples",
        str(max_examples),
        "--workers",
        "1",
        "--generation-database",
        "none",
        "--request-timeout",
        f"{request_timeout:g}",
        "--report",
        "junit",
        "--report-dir",
        str(report_dir),
        "--no-color",
    ]


def _dictionary_name(parameter: str) -> str:
    return "own-" + parameter.replace(".", "-").replace("_", "-")


def _toml(text: str) -> str:
    return json.dumps(text)  # a JSON string is a TOML basic string

"""`make rotate-payment-key`: rotate the API key that the EventBridge connection sends to payment.

The order makes the rotation invisible to callers: first the new random key becomes the secret's AWSCURRENT
(`put_secret_value` moves the old one to AWSPREVIOUS, which payment keeps accepting for its grace period,
PAYMENT_API_KEY_PREVIOUS_GRACE_SECONDS, 15 minutes from the new version's creation), then the connection is
updated to send the new key. Payment picks the new key up within its re-read interval (30 s) and refuses the
old one once the grace is over; a second rotation retires it at once. Keys are never printed or logged; the
result names only versions and states.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
import time
import uuid
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

import boto3
from shop_shared.topology import DeployedTopology, load_topology

from .emulators import aws_environment
from .runtime import configured_endpoints
from .supervisor import LOCAL_PREFIX

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient

__all__ = [
    "PAYMENT_DESTINATION",
    "PaymentKeyNames",
    "RotationIncomplete",
    "RotationResult",
    "push_current_key_to_connection",
    "rotate_local",
    "rotate_payment_api_key",
]

PAYMENT_DESTINATION = "payment-events"


class RotationIncomplete(RuntimeError):
    """The secret has a new key but the connection could not be told: it still sends the previous key."""


@dataclass(frozen=True)
class PaymentKeyNames:
    """Where the key lives: the secret payment reads, and the connection (with its header) that sends it."""

    secret_id: str
    connection_name: str
    api_key_header: str

    @classmethod
    def of(cls, deployed: DeployedTopology, destination: str = PAYMENT_DESTINATION) -> PaymentKeyNames:
        spec = deployed.topology.api_destinations[destination]
        return cls(
            secret_id=deployed.name(spec.api_key_secret),
            connection_name=deployed.name(destination),
            api_key_header=spec.api_key_header,
        )


@dataclass(frozen=True)
class RotationResult:
    secret_version_id: str
    connection_name: str
    connection_state: str


def rotate_payment_api_key(
    deployed_or_names: DeployedTopology | PaymentKeyNames, session: boto3.Session, *, timeout: float = 30.0
) -> RotationResult:
    """A new key as the secret's AWSCURRENT, then the connection sends it; raises RotationIncomplete if the
    second step fails (payment accepts the key the connection still sends only for the grace period: finish
    with the connection only, soon)."""
    names = _names(deployed_or_names)
    new_key = secrets.token_urlsafe(32)
    version = session.client("secretsmanager").put_secret_value(
        SecretId=names.secret_id, SecretString=new_key, ClientRequestToken=str(uuid.uuid4())
    )["VersionId"]
    try:
        state = _send_key(session.client("events"), names, new_key, timeout)
    except Exception as error:
        raise RotationIncomplete(
            f"secret {names.secret_id} has a new key but connection {names.connection_name} was not updated "
            f"({type(error).__name__}); it still sends the previous key, which payment accepts only for its grace "
            "period (PAYMENT_API_KEY_PREVIOUS_GRACE_SECONDS, 15 minutes after the rotation by default) and refuses "
            "after that. Finish now with `python -m shop_devtools rotate-payment-key --connection-only`."
        ) from error
    return RotationResult(secret_version_id=version, connection_name=names.connection_name, connection_state=state)


def push_current_key_to_connection(
    deployed_or_names: DeployedTopology | PaymentKeyNames, session: boto3.Session, *, timeout: float = 30.0
) -> RotationResult:
    """Make the connection send the secret's AWSCURRENT key (finishes an incomplete rotation; idempotent)."""
    names = _names(deployed_or_names)
    current = session.client("secretsmanager").get_secret_value(SecretId=names.secret_id, VersionStage="AWSCURRENT")
    state = _send_key(session.client("events"), names, current["SecretString"], timeout)
    return RotationResult(
        secret_version_id=current["VersionId"], connection_name=names.connection_name, connection_state=state
    )


def rotate_local(*, connection_only: bool = False, prefix: str = LOCAL_PREFIX) -> int:
    """The CLI: rotate the key of the local system (`make start`), print the result as JSON (never the key)."""
    endpoints = configured_endpoints()
    if not endpoints.healthy():
        print("the local system is not running: `make start` (or `make up` in another terminal) first", file=sys.stderr)
        return 1
    os.environ.update(aws_environment(endpoints))
    names = PaymentKeyNames.of(DeployedTopology(load_topology(), prefix, arns={}))
    try:
        if connection_only:
            result = push_current_key_to_connection(names, boto3.Session())
        else:
            result = rotate_payment_api_key(names, boto3.Session())
    except RotationIncomplete as error:
        print(str(error), file=sys.stderr)
        return 1
    print(json.dumps(asdict(result), indent=2))
    return 0


def _names(deployed_or_names: DeployedTopology | PaymentKeyNames) -> PaymentKeyNames:
    if isinstance(deployed_or_names, PaymentKeyNames):
        return deployed_or_names
    return PaymentKeyNames.of(deployed_or_names)


def _send_key(events: EventBridgeClient, names: PaymentKeyNames, key: str, timeout: float) -> str:
    """Update the connection and wait until it is AUTHORIZED again (on AWS it passes through UPDATING)."""
    events.update_connection(
        Name=names.connection_name,
        AuthorizationType="API_KEY",
        AuthParameters={"ApiKeyAuthParameters": {"ApiKeyName": names.api_key_header, "ApiKeyValue": key}},
    )
    deadline = time.monotonic() + timeout
    while True:
        state = events.describe_connection(Name=names.connection_name)["ConnectionState"]
        if state == "AUTHORIZED":
            return state
        if state in {"DEAUTHORIZED", "DEAUTHORIZING"} or time.monotonic() > deadline:
            raise RuntimeError(f"connection {names.connection_name} is {state} after the update")
        time.sleep(0.5)

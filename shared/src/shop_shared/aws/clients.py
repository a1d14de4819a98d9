"""Opens aioboto3 clients with explicit timeouts and botocore's standard retry mode.

Endpoints are never passed here: botocore reads the standard `AWS_ENDPOINT_URL` and
`AWS_ENDPOINT_URL_<SERVICE>` variables, so the same code runs on AWS and on the local emulators.
"""

from __future__ import annotations

from contextlib import AsyncExitStack
from typing import TYPE_CHECKING, Any, Literal, overload

import aioboto3
from botocore.config import Config

from shop_shared.observability.tracing import instrument_aws_client

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient
    from types_aiobotocore_events import EventBridgeClient
    from types_aiobotocore_kms import KMSClient
    from types_aiobotocore_secretsmanager import SecretsManagerClient
    from types_aiobotocore_ses import SESClient
    from types_aiobotocore_sns import SNSClient
    from types_aiobotocore_sqs import SQSClient
    from types_aiobotocore_stepfunctions import SFNClient

__all__ = ["LONG_POLL_READ_TIMEOUT", "client_config", "open_client"]

# Step Functions holds GetActivityTask open for up to 60 s and SQS for up to 20 s: the read timeout
# must outlast the longest poll or every idle poll ends in a timeout error.
LONG_POLL_READ_TIMEOUT = 70.0


def client_config(*, read_timeout: float = 10.0, max_attempts: int = 5, pool_size: int = 20) -> Config:
    return Config(
        connect_timeout=3,
        read_timeout=read_timeout,
        retries={"mode": "standard", "max_attempts": max_attempts},
        max_pool_connections=pool_size,
    )


@overload
async def open_client(
    stack: AsyncExitStack,
    session: aioboto3.Session,
    service: Literal["dynamodb"],
    *,
    read_timeout: float = ...,
    pool_size: int = ...,
    max_attempts: int = ...,
) -> DynamoDBClient: ...


@overload
async def open_client(
    stack: AsyncExitStack,
    session: aioboto3.Session,
    service: Literal["events"],
    *,
    read_timeout: float = ...,
    pool_size: int = ...,
    max_attempts: int = ...,
) -> EventBridgeClient: ...


@overload
async def open_client(
    stack: AsyncExitStack,
    session: aioboto3.Session,
    service: Literal["kms"],
    *,
    read_timeout: float = ...,
    pool_size: int = ...,
    max_attempts: int = ...,
) -> KMSClient: ...


@overload
async def open_client(
    stack: AsyncExitStack,
    session: aioboto3.Session,
    service: Literal["secretsmanager"],
    *,
    read_timeout: float = ...,
    pool_size: int = ...,
    max_attempts: int = ...,
) -> SecretsManagerClient: ...


@overload
async def open_client(
    stack: AsyncExitStack,
    session: aioboto3.Session,
    service: Literal["ses"],
    *,
    read_timeout: float = ...,
    pool_size: int = ...,
    max_attempts: int = ...,
) -> SESClient: ...


@overload
async def open_client(
    stack: AsyncExitStack,
    session: aioboto3.Session,
    service: Literal["sns"],
    *,
    read_timeout: float = ...,
    pool_size: int = ...,
    max_attempts: int = ...,
) -> SNSClient: ...


@overload
async def open_client(
    stack: AsyncExitStack,
    session: aioboto3.Session,
    service: Literal["sqs"],
    *,
    read_timeout: float = ...,
    pool_size: int = ...,
    max_attempts: int = ...,
) -> SQSClient: ...


@overload
async def open_client(
    stack: AsyncExitStack,
    session: aioboto3.Session,
    service: Literal["stepfunctions"],
    *,
    read_timeout: float = ...,
    pool_size: int = ...,
    max_attempts: int = ...,
) -> SFNClient: ...


@overload
async def open_client(
    stack: AsyncExitStack,
    session: aioboto3.Session,
    service: str,
    *,
    read_timeout: float = ...,
    pool_size: int = ...,
    max_attempts: int = ...,
) -> Any: ...


async def open_client(
    stack: AsyncExitStack,
    session: aioboto3.Session,
    service: str,
    *,
    read_timeout: float = 10.0,
    pool_size: int = 20,
    max_attempts: int = 5,
) -> Any:
    """Open a client whose lifetime ends with `stack` (the service's lifespan); its calls are traced."""
    config = client_config(read_timeout=read_timeout, pool_size=pool_size, max_attempts=max_attempts)
    return instrument_aws_client(await stack.enter_async_context(session.client(service, config=config)))
